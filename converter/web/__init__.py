"""`xxgk serve`: a web page and a JSON API over converter.pipeline (needs the `web` extra).

Nothing here is imported by the other commands: `xxgk build` and `xxgk --help` stay fast.
"""
