"""Every input turned into the model, behind one inspection: files are looked at before any library
parses them, then read within bounds (workbooks with `xlsx/`, JSON). Uses `core` and `format`."""
