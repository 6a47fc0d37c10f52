"""Plain functions behind the commands: load, check, write a workbook, dump, build.

They take paths, return values and raise XxgkError subclasses; they never print or exit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import findings as fnd
from .errors import OutputError, UnreadableInput
from .model import Report, report_from_dict


@dataclass
class CheckResult(fnd.FileFindings):
    """The findings for one report, and the report as read."""

    report: Report = field(default_factory=Report)


def load(path: Path) -> tuple[Report, list[fnd.Finding]]:
    """Read a standard workbook or a JSON report (as `xxgk dump` prints it)."""
    from .safety import inspect_input

    if inspect_input(path) == "json":
        return load_json(path), []
    from .workbook import read_workbook

    return read_workbook(path)


def load_json(path: Path) -> Report:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableInput(
            f"{path.name} 不是有效的 JSON 文件：{exc}。请使用 `xxgk dump` 输出的格式。"
        ) from exc
    if not isinstance(data, dict):
        raise UnreadableInput(f"{path.name} 的内容不是报告数据（应为 `xxgk dump` 输出的 JSON 对象）。")
    try:
        return report_from_dict(data)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise UnreadableInput(
            f"{path.name} 中的报告数据有误：{_reason(exc)}。请对照 `xxgk dump` 的输出格式修改。"
        ) from exc


def _reason(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


def check_file(path: Path, previous: Path | None = None) -> CheckResult:
    """Read and check one report; reader findings and rule findings together, each cell once per rule."""
    from .checks import check

    report, read_findings = load(path)
    last = load(previous)[0] if previous else None
    merged = _dedupe(read_findings + check(report, last))
    return CheckResult(path, sorted(merged, key=fnd.sort_key), report)


CELL_RULES = {"R6", "R8", "D1"}  # rules about one cell's value: one finding per cell is enough


def _dedupe(findings: list[fnd.Finding]) -> list[fnd.Finding]:
    """Drop repeats; the reader's finding comes first and is the more precise one."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for f in findings:
        key = (f.rule, f.sheet, f.cell) if f.rule in CELL_RULES else (f.rule, f.sheet, f.cell, f.message)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def new_workbook(
    out: Path, *, org: str = "", year: int | None = None, source: Path | None = None, force=False
) -> Path:
    """Write the standard workbook, empty or filled from a JSON report."""
    from .output import write_atomically
    from .workbook import write_workbook

    report = load_json(_json_input(source)) if source else Report()
    if org:
        report.info.org = org
    if year is not None:
        report.info.year = year
    return write_atomically(
        out, lambda tmp: write_workbook(tmp, report), force=force, inputs=[source] if source else []
    )


def _json_input(path: Path) -> Path:
    from .safety import inspect_input

    if inspect_input(path) != "json":
        raise UnreadableInput(f"{path.name} 不是 JSON 文件；--from 需要 `xxgk dump` 输出的 JSON。")
    return path


def dump(path: Path) -> dict[str, Any]:
    report, _ = load(path)
    return report.to_dict()


@dataclass
class BuildResult:
    check: CheckResult
    output: Path | None = None


def build(
    source: Path,
    out: Path | None = None,
    *,
    template: Path | None = None,
    previous: Path | None = None,
    force: bool = False,
    written: Iterable[Path] = (),
) -> BuildResult:
    """Check, then render the Word report; with any error nothing is written.

    `written`: reports already made in this run, which even `force` does not overwrite (two workbooks
    of one organ and year in one folder would otherwise share a name and the second would win).
    """
    result = check_file(source, previous)
    if result.errors:
        return BuildResult(result)
    from .output import same_file, write_atomically
    from .render import render_report

    target = out or default_output(source, result.report)
    for earlier in written:
        if same_file(target, earlier):
            raise OutputError(
                f"要生成的 {target.name} 与本次刚生成的报告同名，未生成，以免覆盖；"
                "请把这两个工作簿放在不同的文件夹中再生成。"
            )
    inputs = [p for p in (source, template, previous) if p]
    written = write_atomically(
        target, lambda tmp: render_report(result.report, tmp, template), force=force, inputs=inputs
    )
    return BuildResult(result, written)


def default_output(source: Path, report: Report) -> Path:
    """Beside the input, named after the report's title."""
    name = "".join(ch for ch in report.info.display_title if ch not in '\\/:*?"<>|\n\r\t').strip()
    return source.with_name(f"{name or source.stem}.docx")
