"""The `xxgk` command: thin Typer commands over converter.pipeline (heavy imports stay inside commands)."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .cli_words import ChineseCommand, ChineseGroup, display_width
from .errors import ExitCode, XxgkError

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="xxgk",
    cls=ChineseGroup,
    context_settings=HELP_OPTIONS,
    help="政府信息公开工作年度报告：由 Excel 工作簿生成 Word 报告，并检查表格勾稽关系。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
template_app = typer.Typer(
    cls=ChineseGroup, help="Word 模板：导出、查看字段、检查。", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(template_app, name="template")

T = TypeVar("T")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xxgk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号后退出。")
    ] = False,
) -> None:
    """政府信息公开工作年度报告：由 Excel 工作簿生成 Word 报告，并检查表格勾稽关系。"""


def err(message: str) -> None:
    typer.echo(message, err=True)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body: failures become a Chinese message and their exit code, never a traceback."""
    try:
        return action()
    except typer.Exit:
        raise
    except XxgkError as exc:
        err(f"错误：{exc.message}")
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        err("已中断。")
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug: log the details, show a short message
        log = _log_exception(exc)
        err(f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}，请将该文件反馈给维护人员。")
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _log_exception(exc: Exception) -> Path:
    import tempfile
    import traceback

    log = Path(tempfile.gettempdir()) / "xxgk-error.log"
    with log.open("a", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return log


# --------------------------------------------------------------------------- new

ExistingFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, metavar="工作簿", help="工作簿（.xlsx）或 JSON 文件")
]
Force = Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件。")]
Workbooks = Annotated[
    list[Path],
    typer.Argument(
        exists=True, dir_okay=False, metavar="工作簿...", help="一个或多个工作簿（.xlsx）或 JSON 文件"
    ),
]
Previous = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        exists=True,
        dir_okay=False,
        metavar="上年工作簿",
        help="上年的工作簿，用于检查上年结转（R4）",
    ),
]


@app.command(cls=ChineseCommand)
def new(
    out: Annotated[
        Path, typer.Argument(dir_okay=False, metavar="输出文件", help="要生成的工作簿，如 2024年报.xlsx")
    ],
    org: Annotated[str, typer.Option("--org", metavar="机关全称", help="机关全称，如：某某县某某局")] = "",
    year: Annotated[
        int | None, typer.Option("--year", metavar="年度", help="报告年度，如 2024", min=2000, max=2100)
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            exists=True,
            dir_okay=False,
            metavar="JSON文件",
            help="用 `xxgk dump` 输出的 JSON 填写工作簿",
        ),
    ] = None,
    force: Force = False,
) -> None:
    """生成标准工作簿（可用 --from 由 JSON 填好数据）。"""
    from . import pipeline

    written = guarded(lambda: pipeline.new_workbook(out, org=org, year=year, source=source, force=force))
    err(f"已生成工作簿：{written}")


# --------------------------------------------------------------------------- check


@app.command(cls=ChineseCommand)
def check(
    workbooks: Workbooks,
    previous: Previous = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果。")] = False,
) -> None:
    """检查工作簿：全部勾稽关系和填写规则，一次列出所有问题及所在单元格。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取。
    """
    from . import pipeline

    codes: list[int] = []
    reports: list[dict[str, Any]] = []
    for path in workbooks:
        try:
            result = guarded(lambda path=path: pipeline.check_file(path, previous))
        except typer.Exit as exc:
            codes.append(exc.exit_code)
            reports.append({"file": str(path), "ok": False, "unreadable": True})
            continue
        codes.append(int(ExitCode.FINDINGS if result.errors else ExitCode.OK))
        reports.append(result.to_dict())
        if not as_json:
            typer.echo(render_findings(result))
    if as_json:
        payload = reports[0] if len(reports) == 1 else reports
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif len(codes) > 1:
        typer.echo(summary(codes))
    raise typer.Exit(max(codes))


def summary(codes: list[int]) -> str:
    """One line for a county office checking many workbooks: how many passed, failed, could not be read."""
    passed = codes.count(int(ExitCode.OK))
    failed = codes.count(int(ExitCode.FINDINGS))
    text = f"共检查 {len(codes)} 个文件：{passed} 个通过，{failed} 个有错误"
    unreadable = len(codes) - passed - failed
    return text + (f"，{unreadable} 个无法读取。" if unreadable else "。")


def render_findings(result: Any) -> str:
    """The human report: a header, one aligned row per finding, a summary line."""
    lines = [f"文件：{result.path}"]
    if result.findings:
        lines.append(f"  {pad('级别', 4)}  {pad('规则', 4)}  {pad('位置', 18)}  说明")
    for f in result.findings:
        lines.append(f"  {pad(f.severity.label, 4)}  {pad(f.rule, 4)}  {pad(f.location, 18)}  {f.message}")
    errors = len(result.errors)
    warnings = len(result.findings) - errors
    verdict = "检查通过" if not errors else "检查未通过"
    lines.append(f"{verdict}：{errors} 个错误，{warnings} 个警告。")
    return "\n".join(lines)


def pad(text: str, width: int) -> str:
    """Left-justify to a display width, counting a Chinese character as two columns."""
    return text + " " * max(0, width - display_width(text))


# --------------------------------------------------------------------------- dump


@app.command(cls=ChineseCommand)
def dump(workbook: ExistingFile) -> None:
    """以 JSON 输出工作簿中的全部数据（可用 `xxgk new --from` 写回工作簿）。"""
    from . import pipeline

    data = guarded(lambda: pipeline.dump(workbook))
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --------------------------------------------------------------------------- build


@app.command(cls=ChineseCommand)
def build(
    sources: Workbooks,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            dir_okay=False,
            metavar="输出文件",
            help="输出的 Word 文件（只生成一份时可用），默认放在输入文件旁、以报告标题命名",
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template", exists=True, dir_okay=False, metavar="模板", help="自定义 Word 模板（.docx）"
        ),
    ] = None,
    previous: Previous = None,
    force: Force = False,
) -> None:
    """先检查，再生成 Word 报告；有错误时不生成文件并列出错误。

    可一次给出多个工作簿：各自生成在输入文件旁，有错误的跳过，其余照常生成。

    退出码：0 全部生成，1 有文件因错误未生成，2 用法错误，3 文件无法读取，4 模板有误，5 无法写入。
    """
    from . import pipeline

    if out is not None and len(sources) > 1:
        raise typer.BadParameter(
            "一次生成多份报告时不能用 -o 指定输出文件；每份报告都生成在各自的输入文件旁。"
        )
    written: list[Path] = []
    codes: list[int] = []
    for source in sources:

        def one(source: Path = source) -> pipeline.BuildResult:
            return pipeline.build(
                source, out, template=template, previous=previous, force=force, written=written
            )

        codes.append(_build_one(one, source, written))
        if codes[-1] == ExitCode.TEMPLATE:  # the same template fails every file
            break
    if len(sources) > 1:
        err(_build_summary(len(sources), codes))
    raise typer.Exit(max(codes))


def _build_one(build: Callable[[], Any], source: Path, written: list[Path]) -> int:
    """Build one report, telling the clerk what happened; its exit code."""
    try:
        result = guarded(build)
    except typer.Exit as exc:
        return exc.exit_code
    if result.check.findings:
        err(render_findings(result.check))
    if result.output is None:
        err(f"{source.name} 有错误，未生成报告。请改正后重试。")
        return int(ExitCode.FINDINGS)
    written.append(result.output)
    typer.echo(str(result.output))
    err(f"已生成报告：{result.output}")
    return int(ExitCode.OK)


def _build_summary(total: int, codes: list[int]) -> str:
    made = codes.count(int(ExitCode.OK))
    text = f"共 {total} 个文件：已生成 {made} 份报告"
    if codes.count(int(ExitCode.FINDINGS)):
        text += f"，{codes.count(int(ExitCode.FINDINGS))} 个有错误未生成"
    others = len(codes) - made - codes.count(int(ExitCode.FINDINGS))
    if others:
        text += f"，{others} 个无法处理（见上方说明）"
    if len(codes) < total:
        text += f"，{total - len(codes)} 个因模板有误未处理"
    return text + "。"


# --------------------------------------------------------------------------- template


@template_app.command("export", cls=ChineseCommand)
def template_export(
    out: Annotated[
        Path, typer.Argument(dir_okay=False, metavar="输出文件", help="导出的模板文件，如 我的模板.docx")
    ],
    force: Force = False,
) -> None:
    """导出默认 Word 模板，修改后用 `xxgk build --template` 生成报告。"""
    from .template_check import export_template

    written = guarded(lambda: export_template(out, force=force))
    typer.echo(str(written))
    err(f"已导出默认模板：{written}。修改后可先用 `xxgk template check` 检查。")


@template_app.command("fields", cls=ChineseCommand)
def template_fields(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出字段列表。")] = False,
) -> None:
    """列出模板中可以使用的全部字段及其含义。"""
    from .fields import fields

    found = guarded(fields)
    if as_json:
        typer.echo(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
        return
    width = max(len(f.name) for f in found)
    for f in found:
        typer.echo(f"{pad(f.name, width)}  {f.meaning}")


@template_app.command("check", cls=ChineseCommand)
def template_check(
    template: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, metavar="模板", help="Word 模板（.docx）")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果。")] = False,
) -> None:
    """检查 Word 模板：拼错的字段名、没有用到的表格数据、写法错误、被拆开的标记、不安全的标记，并试填充一次。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取。
    """
    from .template_check import check_template_file

    try:
        result = guarded(lambda: check_template_file(template))
    except typer.Exit:
        if as_json:
            payload = {"file": str(template), "ok": False, "unreadable": True}
            typer.echo(json.dumps(payload, ensure_ascii=False))
        raise
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_findings(result))
    raise typer.Exit(int(ExitCode.FINDINGS if result.errors else ExitCode.OK))


def run() -> None:
    """Entry point that never shows a traceback, even for errors outside a command body."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - last resort
        log = _log_exception(exc)
        print(f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}。", file=sys.stderr)
        sys.exit(int(ExitCode.INTERNAL))
    finally:
        # The command is done and its files are closed. Exempt what is left from the garbage collector's
        # passes at interpreter exit: the OS frees it anyway, and the passes took 40 ms of a 250 ms build.
        gc.freeze()


# --------------------------------------------------------------------------- import (published reports)


@app.command("import", cls=ChineseCommand)
def import_report(
    source: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="报告",
            help="已发布的年度报告：Word（.docx）、带文字的 PDF、网页（.html、.mht）或文本（.txt）",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", dir_okay=False, metavar="工作簿", help="写成标准工作簿（.xlsx）"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出读入的报告（同 `xxgk dump`）。")
    ] = False,
    force: Force = False,
) -> None:
    """读取已发布的年度报告（Word、PDF、网页或文本），列出与标准格式不同之处，可写成标准工作簿。

    无法确定的数字不会猜测，一律留空并指出所在页、表、行和列。

    退出码：0 全部读入（可有警告），1 有数字无法确定已留空，2 用法错误，3 文件无法读取，5 无法写入。
    """
    from .published.commands import import_file, render_notes

    imported = guarded(lambda: import_file(source, out, force=force))
    listing = render_notes(source, imported.notes, pad)
    if as_json:
        typer.echo(json.dumps(imported.report.to_dict(), ensure_ascii=False, indent=2))
        err(listing)
    else:
        typer.echo(listing)
    if out is not None:
        err(f"已生成工作簿：{out}")
    raise typer.Exit(int(ExitCode.FINDINGS if imported.errors else ExitCode.OK))


# --------------------------------------------------------------------------- audit (published reports)


@app.command("audit", cls=ChineseCommand)
def audit(
    sources: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="报告...",
            help="一个或多个已发布的年度报告（Word、PDF、网页或文本）",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", dir_okay=False, metavar="汇总.xlsx", help="汇总表：每份报告一行，问题另列一表"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出检查结果（同 `check --json`）。")
    ] = False,
    force: Force = False,
) -> None:
    """审核已发布的年度报告：读入后检查全部勾稽关系、正文数字与表格是否一致；同一机关相邻年度的报告一并给出时，检查上年结转。

    问题按报告本身的位置列出：第几页、哪张表的哪一行哪一列、哪一部分第几段。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取，5 无法写入汇总表。
    """
    from .output import write_atomically
    from .published.audit import audit_files
    from .published.summary import write_summary

    results = guarded(lambda: audit_files(sources))
    codes = [
        int(ExitCode.UNREADABLE if r.imported is None else ExitCode.FINDINGS if r.errors else ExitCode.OK)
        for r in results
    ]
    if as_json:
        payload = [r.to_dict() for r in results]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            typer.echo(_render_audit(result))
        if len(results) > 1:
            typer.echo(summary(codes))
    if out is not None:
        guarded(
            lambda: write_atomically(
                out, lambda tmp: write_summary(tmp, results), force=force, inputs=sources
            )
        )
        err(f"已生成汇总表：{out}")
    raise typer.Exit(max(codes))


def _render_audit(result: Any) -> str:
    """Like `check`'s listing, with the report's own positions."""
    if result.imported is None:
        return f"文件：{result.path}\n  错误：{result.unreadable}"
    lines = [f"文件：{result.path}"]
    if result.findings:
        lines.append(f"  {pad('级别', 4)}  {pad('规则', 4)}  {pad('位置', 30)}  说明")
    for f in result.findings:
        level = "错误" if f.severity == "error" else "警告"
        lines.append(f"  {pad(level, 4)}  {pad(f.rule, 4)}  {pad(f.location, 30)}  {f.message}")
    errors = len(result.errors)
    verdict = "检查通过" if not errors else "检查未通过"
    lines.append(f"{verdict}：{errors} 个错误，{len(result.findings) - errors} 个警告。")
    return "\n".join(lines)


# --------------------------------------------------------------------------- compare (two years)


@app.command("compare", cls=ChineseCommand)
def compare_years(
    last: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="上年", help="上年的工作簿、JSON 或已发布报告"),
    ],
    this: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="本年", help="本年的工作簿、JSON 或已发布报告"),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出比较结果。")] = False,
) -> None:
    """比较两年的主要数字：并列、增减和增减幅度（变化最大的在前），并逐列检查上年结转（R4）。

    退出码：0 上年结转一致，1 上年结转不一致，2 用法错误，3 文件无法读取。
    """
    from .published import compare as cmp

    before, after = guarded(lambda: (cmp.load_any(last), cmp.load_any(this)))
    changes, carry = cmp.compare(before, after)
    if as_json:
        payload = {
            "last": str(last),
            "this": str(this),
            "figures": [c.to_dict() for c in changes],
            "carry_over": [c.to_dict() for c in carry],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        typer.echo(cmp.render(before, after, changes, carry, pad))
    raise typer.Exit(int(ExitCode.OK if all(c.ok for c in carry) else ExitCode.FINDINGS))
