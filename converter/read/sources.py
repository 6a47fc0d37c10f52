"""Where reports come from: each kind of input is a reader that gives the same `Loaded` result.

A reader returns the report, what reading each field noted (`cellvalues.Note`s, turned into findings by
the checks), and its own map from a field to a position in that input. Adding an input kind (a
published report read back in, a web form) is adding a reader here, not a branch in the pipeline.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UnreadableInput
from ..core.findings import Locate, Note
from ..core.model import Report

READERS: dict[str, str] = {
    # kind found by safety.inspect_input -> "module:function" taking a Path, returning Loaded
    "xlsx": "converter.read.workbook:load_workbook_report",
    "json": "converter.read.sources:load_json_report",
}


@dataclass
class Loaded:
    """A report as one source gave it."""

    report: Report
    notes: dict[str, list[Note]] = field(default_factory=dict)  # field -> what reading it found
    locate: Locate = field(default=lambda _field: None)
    kind: str = ""


def load(path: Path) -> Loaded:
    """Read any supported input: its kind is decided by content (`safety.inspect_input`)."""
    from .inspect import inspect_input

    kind = inspect_input(path)
    module, _, function = READERS[kind].partition(":")
    reader: Callable[[Path], Loaded] = getattr(importlib.import_module(module), function)
    loaded = reader(path)
    loaded.kind = kind
    return loaded


def load_json_report(path: Path) -> Loaded:
    """A JSON report as `xxgk dump` prints it, read within bounds (json_input.load_json)."""
    from . import report_json
    from .json_input import load_json

    data = load_json(path, keep_bad_numbers=True)  # an absurd number is a finding at its field
    try:
        report, notes = report_json.report_from_json(data)
    except report_json.JsonShapeError as exc:
        raise UnreadableInput(
            f"{path.name} 中的报告数据有误：{exc}。请对照 `xxgk dump` 的输出格式修改。"
        ) from exc
    return Loaded(report, notes, report_json.locate)
