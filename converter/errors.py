"""Failures (we cannot go on) as exceptions, and the exit codes of every command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # the report has errors
    USAGE = 2  # wrong options or arguments
    UNREADABLE = 3  # the input is not a (standard) workbook or JSON we can read
    TEMPLATE = 4  # the Word template is broken or unsafe
    OUTPUT = 5  # the output cannot be written
    INTERNAL = 70  # a bug: details were logged


class XxgkError(Exception):
    """Base of all failures: `message` is Chinese, names the file or cell and says what to do."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnreadableInput(XxgkError):
    """Not a workbook, not a standard workbook, hostile, or a JSON file we cannot read."""

    exit_code = ExitCode.UNREADABLE


class TemplateError(XxgkError):
    exit_code = ExitCode.TEMPLATE


class OutputError(XxgkError):
    exit_code = ExitCode.OUTPUT
