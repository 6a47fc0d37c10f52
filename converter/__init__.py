"""xxgk-report: the annual report on government information disclosure, from a workbook to Word."""

__version__ = "0.1.0"
