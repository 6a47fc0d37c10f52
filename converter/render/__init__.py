"""A report's context and every output kind: Word (docxtpl, in a bounded sandbox), the web page, PDF
through LibreOffice; templates checked as reports are. Uses the wings below it."""
