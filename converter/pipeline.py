"""Plain functions behind the commands: load, check, write a workbook, dump, build.

They take paths, return values and raise XxgkError subclasses; they never print or exit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import findings as fnd
from .errors import OutputError, UnreadableInput, XxgkError
from .model import Report
from .sources import Loaded, load


@dataclass
class CheckResult(fnd.FileFindings):
    """The findings for one report, positioned in its source, and the report as read."""

    report: Report = field(default_factory=Report)


def check_file(path: Path, previous: Path | Report | None = None) -> CheckResult:
    """Read and check one report: every rule once, findings placed at the source's positions.
    `previous` is last year's file, or last year's report already read."""
    loaded = load(path)
    last = load_previous(previous) if isinstance(previous, Path | str) else previous
    return check_loaded(path, loaded, last)


def check_loaded(path: Path, loaded: Loaded, previous: Report | None = None) -> CheckResult:
    """Check a report some source has read (a file, a web form), with last year's report if given."""
    from .checks import check

    found = check(loaded.report, previous, loaded.notes)
    return CheckResult(path, [f.placed(loaded.locate) for f in found], loaded.report)


def load_previous(path: Path) -> Report:
    """Last year's report (for R4 and S1); a file that cannot be read is named as last year's."""
    try:
        return load(Path(path)).report
    except UnreadableInput as exc:
        raise UnreadableInput(f"上年工作簿（--previous）无法读取：{exc.message}", reason="previous") from exc


def check_files(paths: Iterable[Path], previous: Path | None = None) -> list[CheckResult | fnd.Unreadable]:
    """Check many files: one that cannot be read is its own result, and the others are still checked."""
    last = load_previous(previous) if previous else None
    results: list[CheckResult | fnd.Unreadable] = []
    for path in paths:
        try:
            results.append(check_loaded(path, load(path), last))
        except XxgkError as exc:
            results.append(unreadable(path, exc))
    return results


def unreadable(path: Path, exc: XxgkError) -> fnd.Unreadable:
    return fnd.Unreadable(Path(path), exc.reason, exc.message, int(exc.exit_code))


def new_workbook(
    out: Path, *, org: str = "", year: int | None = None, source: Path | None = None, force=False
) -> Path:
    """Write the standard workbook, empty or filled from a JSON report."""
    from .output import write_atomically
    from .workbook_writer import write_workbook

    report = _json_input(source).report if source else Report()
    if org:
        report.info.org = org
    if year is not None:
        report.info.year = year
    return write_atomically(
        out, lambda tmp: write_workbook(tmp, report), force=force, inputs=[source] if source else []
    )


def _json_input(path: Path) -> Loaded:
    from .safety import inspect_input
    from .sources import load_json_report

    if inspect_input(path) != "json":
        raise UnreadableInput(f"{path.name} 不是 JSON 文件；--from 需要 `xxgk dump` 输出的 JSON。")
    return load_json_report(path)


def dump(path: Path) -> dict[str, Any]:
    """The report in a file, as JSON data."""
    return load(path).report.to_dict()


@dataclass
class BuildResult:
    """The check of one report and, when it had no error, the file written."""

    check: CheckResult
    output: Path | None = None


def build(
    source: Path,
    out: Path | None = None,
    *,
    kind: str = "docx",
    template: Path | None = None,
    previous: Path | Report | None = None,
    force: bool = False,
    written: Mapping[Path, Path] | None = None,
) -> BuildResult:
    """Check, then render the report as `kind` (see render.RENDERERS); with any error nothing is written.

    `written`: reports already made in this run (report -> the workbook it came from), which even
    `force` does not overwrite: two workbooks of one organ and year in one folder would otherwise
    share a name and the second would win.
    """
    result = check_file(source, previous)
    if result.errors:
        return BuildResult(result)
    from .context import build_context
    from .output import same_file, write_atomically
    from .render import renderer

    output_kind = renderer(kind)
    target = out or default_output(source, result.report, output_kind.suffix)
    for earlier, earlier_source in (written or {}).items():
        if same_file(target, earlier):
            raise OutputError(
                f"“{source.name}”要生成的 {target.name} 与本次刚由“{earlier_source.name}”生成的报告同名，"
                f"未生成，以免覆盖；请把这两个工作簿放在不同的文件夹中再生成。"
            )
    context = build_context(result.report)
    inputs = [p for p in (source, template, previous) if isinstance(p, Path)]
    made = write_atomically(
        target, lambda tmp: output_kind.render(context, tmp, template), force=force, inputs=inputs
    )
    return BuildResult(result, made)


def default_output(source: Path, report: Report, suffix: str = ".docx") -> Path:
    """Beside the input, named after the report's title."""
    name = "".join(ch for ch in report.info.display_title if ch not in '\\/:*?"<>|\n\r\t').strip()
    return source.with_name(f"{name or source.stem}{suffix}")
