"""The report model, findings, errors and exit codes, organ names: plain typed data any wing can build
or read. Uses only `format`."""
