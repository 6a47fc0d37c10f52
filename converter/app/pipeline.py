"""Plain functions behind the commands: load, check, write a workbook, dump, build.

They take paths, return values and raise XxgkError subclasses; they never print or exit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import findings as fnd
from ..core.errors import OutputError, UnreadableInput, XxgkError
from ..core.model import Report
from ..read.sources import Loaded, load


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
    from ..check.rules import check
    from ..core.organs import fill_in

    notes = {**loaded.notes, **fill_in(loaded.report)}  # a 自称 or 机关类型 the organ's name settles
    found = check(loaded.report, previous, notes)
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
    out: Path,
    *,
    org: str = "",
    year: int | None = None,
    source: Path | None = None,
    previous: Path | None = None,
    force: bool = False,
) -> Path:
    """Write the standard workbook: empty, filled from a JSON report (`source`), or next year's started
    from last year's workbook or JSON (`previous`: organ, carry-over, last year's text for reference).
    A 自称 or 机关类型 left blank is filled where the organ's name settles it."""
    from ..core.organs import fill_in, next_year
    from ..write.files import write_atomically
    from ..write.workbook import write_workbook

    last = load_previous(previous) if previous else None
    report = _json_input(source).report if source else next_year(last) if last else Report()
    if org:
        report.info.org = org
    if year is not None:
        report.info.year = year
    fill_in(report)
    inputs = [p for p in (source, previous) if p]
    return write_atomically(
        out,
        lambda tmp: write_workbook(tmp, report, reference=last),
        force=force,
        inputs=inputs,
        suffix=".xlsx",
    )


def _json_input(path: Path) -> Loaded:
    from ..read.inspect import inspect_input
    from ..read.sources import load_json_report

    if inspect_input(path) != "json":
        raise UnreadableInput(f"{path.name} 不是 JSON 文件；--from 需要 `xxgk dump` 输出的 JSON。")
    return load_json_report(path)


def dump(path: Path) -> dict[str, Any]:
    """The report in a file, as JSON data."""
    return load(path).report.to_dict()


@dataclass
class BuildResult:
    """The check of one report and, when it had no error, the files written (the .docx first)."""

    check: CheckResult
    outputs: list[Path] = field(default_factory=list)

    @property
    def output(self) -> Path | None:
        return self.outputs[0] if self.outputs else None


@dataclass
class Rendered:
    """A report checked and rendered in memory but not yet written: what a batch worker hands back,
    so that the files of a batch are written by one process, in the input order."""

    source: Path
    check: CheckResult
    files: dict[Path, bytes] = field(default_factory=dict)  # target -> content, the .docx first


def build(
    source: Path,
    out: Path | None = None,
    *,
    kinds: tuple[str, ...] = ("docx",),
    template: Path | None = None,
    previous: Path | Report | None = None,
    force: bool = False,
    written: Mapping[Path, Path] | None = None,
) -> BuildResult:
    """Check, then render the report in each output kind (render.RENDERERS); with any error nothing is
    written. See `render_report_files` and `publish`."""
    rendered = render_report_files(source, out, kinds=kinds, template=template, previous=previous)
    inputs = [p for p in (source, template, previous) if isinstance(p, Path)]
    return BuildResult(rendered.check, publish(rendered, force=force, written=written, inputs=inputs))


def render_report_files(
    source: Path,
    out: Path | None = None,
    *,
    kinds: tuple[str, ...] = ("docx",),
    template: Path | None = None,
    previous: Path | Report | None = None,
) -> Rendered:
    """Check one report and, without errors, render it as each kind; nothing is written to `out`."""
    import tempfile

    from ..render.context import build_context
    from ..render.kinds import renderer
    from ..write.files import DISK_FULL

    result = check_file(source, previous)
    if result.errors:
        return Rendered(source, result)
    context = build_context(result.report)
    first = out or default_output(source, result.report)
    files: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="xxgk-render-") as folder:
        for kind in kinds:
            output_kind = renderer(kind)
            scratch = Path(folder) / f"report{output_kind.suffix}"
            try:
                output_kind.render(context, scratch, template)
            except OSError as exc:  # the scratch folder (the system's temporary folder) is full
                if exc.errno not in DISK_FULL:
                    raise
                raise OutputError(
                    f"磁盘空间不足，无法生成报告（临时文件夹 {folder}）；请清理磁盘后再试。"
                ) from exc
            target = first if not files else first.with_name(first.stem + output_kind.suffix)
            files[target] = scratch.read_bytes()
    return Rendered(source, result, files)


def publish(
    rendered: Rendered,
    *,
    force: bool = False,
    written: Mapping[Path, Path] | None = None,
    inputs: Iterable[Path] = (),
) -> list[Path]:
    """Write a rendered report's files, each atomically; none when one of them may not be written.

    `written`: files already made in this run (`made_key(file)` -> the workbook it came from), which even
    `force` does not overwrite: two workbooks of one organ and year in one folder would otherwise share
    a name and the second would win.
    """
    from ..write.files import write_atomically

    for target in rendered.files:
        earlier_source = (written or {}).get(made_key(target))
        if earlier_source is not None:
            raise OutputError(
                f"“{rendered.source.name}”要生成的 {target.name} 与本次刚由“{earlier_source.name}”"
                "生成的报告同名，未生成，以免覆盖；请把这两个工作簿放在不同的文件夹中再生成。"
            )
        if not force and (target.exists() or target.is_symlink()):
            raise OutputError(f"输出文件 {target} 已存在；如需覆盖请加 --force")
    inputs = [rendered.source, *inputs]
    return [
        write_atomically(target, lambda tmp, data=data: tmp.write_bytes(data), force=force, inputs=inputs)
        for target, data in rendered.files.items()
    ]


def made_key(path: Path) -> Path:
    """How a file made in this run is remembered: its resolved path, case-folded where the disk is
    case-insensitive (Windows), so a batch of a thousand looks each one up at once."""
    import os

    return Path(os.path.normcase(Path(path).resolve()))


def default_output(source: Path, report: Report, suffix: str = ".docx") -> Path:
    """Beside the input, named after the report's title: Windows-safe, shortened to 255 bytes keeping
    the organ and the year (the full title stays in the document)."""
    from ..write.files import safe_file_name

    title = report.info.display_title.strip() or source.stem
    return source.with_name(safe_file_name(title, keep=report.info.org, suffix=suffix))
