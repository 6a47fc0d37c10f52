"""Files written atomically: the standard workbook, the 汇总 workbook, any output. Uses `read`, `core`
and `format`; never renders a report."""
