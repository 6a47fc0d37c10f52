"""A bounded .xlsx reader: only the sheets, rows and cells the format uses, parsed as streams."""
