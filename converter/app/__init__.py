"""The use cases the faces call (check, build, dump, new, batches): plain functions that take paths and
return results, never print or exit. Uses the wings below it."""
