"""Failures (we cannot go on) as exceptions, and the exit codes of every command."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # the report has errors
    USAGE = 2  # wrong options or arguments
    UNREADABLE = 3  # the input is not a (standard) workbook or JSON we can read
    TEMPLATE = 4  # the Word template is broken or unsafe
    OUTPUT = 5  # the output cannot be written
    INTERNAL = 70  # a bug: details were logged


class XxgkError(Exception):
    """Base of all failures: `message` is Chinese, names the file or cell and says what to do;
    `reason` is a stable English code for scripts (`check --json`)."""

    exit_code = ExitCode.INTERNAL
    reason = "internal"

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason


class UnreadableInput(XxgkError):
    """Not a workbook, not a standard workbook, hostile, or a JSON file we cannot read."""

    exit_code = ExitCode.UNREADABLE
    reason = "unreadable"


class TemplateError(XxgkError):
    """The Word template is broken, unsafe, or asks for what the report does not have."""

    exit_code = ExitCode.TEMPLATE
    reason = "template"


class OutputError(XxgkError):
    """The output cannot be written where asked (exists, folder missing, disk full…)."""

    exit_code = ExitCode.OUTPUT
    reason = "output"


def log_exception(exc: BaseException) -> Path:
    """Append the traceback of a bug to $TMPDIR/xxgk-error.log (the user sees a short message)."""
    import tempfile
    import traceback

    log = Path(tempfile.gettempdir()) / "xxgk-error.log"
    with log.open("a", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return log
