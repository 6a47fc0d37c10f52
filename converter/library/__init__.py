"""The report library: every organ's reports across years in one database, and `collect`, which fetches
them from the organs' portal columns (converter.library.collect)."""
