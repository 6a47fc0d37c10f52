"""The official format as data (国办公开办函〔2021〕30号), and what is derived from it with no I/O: the
workbook's layout and texts, the tables' grid. The bottom wing: it imports nothing else of the package."""
