"""The clerk's commands on workbooks: `new`, `check`, `dump`, `build`, `summary` and `template …`
(heavy imports stay inside the commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.errors import ExitCode, XxgkError
from .common import (
    ORG,
    YEAR,
    ExistingFile,
    Force,
    Previous,
    Quiet,
    Workbooks,
    check_code,
    err,
    guarded,
    pad,
    previous_option,
    render_findings,
    summary_line,
    use_colour,
)
from .words import ChineseCommand, ChineseGroup

commands = typer.Typer()  # merged into the main app (converter.cli)
template_app = typer.Typer(
    cls=ChineseGroup, help="Word 模板：导出、查看字段、检查。", no_args_is_help=True, rich_markup_mode=None
)


def expand(paths: list[Path]) -> list[Path]:
    """The files of the given files and folders; folder entries that are not files are named as skipped."""
    from ..app.batch import expand as expand_folders

    skipped: list[tuple[Path, str]] = []
    found = expand_folders(paths, skipped)
    for entry, reason in skipped:
        err(f"已跳过 {entry}：{reason}。")
    return found


# --------------------------------------------------------------------------- new


@commands.command(cls=ChineseCommand)
def new(
    out: Annotated[
        Path, typer.Argument(dir_okay=False, metavar="输出文件", help="要生成的工作簿，如 2024年报.xlsx")
    ],
    org: Annotated[str, typer.Option("--org", metavar=ORG.label, help=f"{ORG.label}，如：某某县某某局")] = "",
    year: Annotated[
        int | None, typer.Option("--year", metavar="年度", help=f"{YEAR.label}，如 2024", min=2000, max=2100)
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
    previous: Annotated[
        Path | None,
        previous_option(
            "由上年的工作簿（或 JSON）开始新一年：带入机关信息和自定义字段，上年结转等于上年结转下年度，"
            "上年正文列在旁边供参考"
        ),
    ] = None,
    force: Force = False,
) -> None:
    """生成标准工作簿：空白的，由 JSON 填好的（--from），或由上年工作簿开始的下一年（--previous）。

    给出机关全称（--org）时，能从名称看出的自称和机关类型（如“…镇人民政府”：我镇、乡镇街道）自动填好。
    """
    from ..app import pipeline

    if source and previous:
        raise typer.BadParameter(
            "--from 和 --previous 只能用一个：--from 由 JSON 填好整个工作簿，--previous 由上年开始新的一年。"
        )
    written = guarded(
        lambda: pipeline.new_workbook(out, org=org, year=year, source=source, previous=previous, force=force)
    )
    err(f"已生成工作簿：{written}")


# --------------------------------------------------------------------------- check


@commands.command(cls=ChineseCommand)
def check(
    workbooks: Workbooks,
    previous: Previous = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果")] = False,
    quiet: Quiet = False,
) -> None:
    """检查工作簿：全部勾稽关系和填写规则，一次列出所有问题及所在单元格。

    可给出多个工作簿或文件夹（检查其中全部 .xlsx 和 .json 文件）：用全部 CPU 核心并行检查，
    结果按给出的顺序列出。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取。
    """
    from functools import partial

    from ..app import batch, pipeline

    paths = expand(workbooks)
    last = guarded(lambda: pipeline.load_previous(previous)) if previous else None
    work = partial(batch.safely, pipeline.check_file, previous=last)
    results = guarded(lambda: list(batch.run(work, paths, label="检查", quiet=quiet)))
    if not paths:
        err("错误：给出的文件夹中没有工作簿（.xlsx）或 JSON 文件。")
        raise typer.Exit(int(ExitCode.UNREADABLE))
    codes = [check_code(result) for result in results]
    for result in results:
        if isinstance(result, pipeline.fnd.Unreadable):
            err(f"错误：{result.message}")
        elif not as_json:
            typer.echo(render_findings(result, colour=use_colour(sys.stdout)))
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    elif len(codes) > 1:
        typer.echo(summary_line(codes))
    raise typer.Exit(max(codes))


# --------------------------------------------------------------------------- dump


@commands.command(cls=ChineseCommand)
def dump(workbook: ExistingFile) -> None:
    """以 JSON 输出工作簿中的全部数据（可用 `xxgk new --from` 写回工作簿）。"""
    from ..app import pipeline

    data = guarded(lambda: pipeline.dump(workbook))
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --------------------------------------------------------------------------- build


@commands.command(cls=ChineseCommand)
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
    html: Annotated[
        bool, typer.Option("--html", help="同时生成供政府网站发布的网页（.html，单个文件）")
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 把 Word 报告转换为 PDF")] = False,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """先检查，再生成 Word 报告；有错误时不生成文件并列出错误。

    可一次给出多个工作簿或文件夹（处理其中全部 .xlsx 和 .json 文件）：用全部 CPU 核心并行处理，
    报告各自生成在输入文件旁，有错误的跳过，其余照常生成。

    退出码：0 全部生成，1 有文件因错误未生成，2 用法错误，3 文件无法读取，4 模板有误，5 无法写入。
    """
    from functools import partial

    from ..app import batch, pipeline

    paths = expand(sources)
    if out is not None and len(paths) > 1:
        raise typer.BadParameter(
            "一次生成多份报告时不能用 -o 指定输出文件；每份报告都生成在各自的输入文件旁。"
        )
    if not paths:
        err("错误：给出的文件夹中没有工作簿（.xlsx）或 JSON 文件。")
        raise typer.Exit(int(ExitCode.UNREADABLE))
    if out is not None:
        from ..write.files import check_suffix

        guarded(lambda: check_suffix(out, ".docx"))
    last = guarded(lambda: pipeline.load_previous(previous)) if previous else None  # read once, for all
    kinds = ("docx", "html") if html else ("docx",)
    work = partial(
        batch.safely, pipeline.render_report_files, out=out, kinds=kinds, template=template, previous=last
    )
    written: dict[Path, Path] = {}  # pipeline.made_key(file) -> its workbook
    made: list[Path] = []
    codes: list[int] = []
    extras = [p for p in (template, previous) if p]

    def publish_all() -> None:
        for rendered in batch.run(work, paths, label="生成", quiet=quiet):
            codes.append(_publish_one(rendered, written, made, force=force, inputs=extras))
            if codes[-1] == ExitCode.TEMPLATE:  # the same template fails every file
                break

    guarded(publish_all)
    if pdf:
        codes += _make_pdfs([path for path in made if path.suffix == ".docx"], force=force)
    if len(paths) > 1:
        err(_build_summary(len(paths), codes))
    raise typer.Exit(max(codes))


def _publish_one(
    rendered: Any, written: dict[Path, Path], made: list[Path], *, force: bool, inputs: list[Path]
) -> int:
    """Write one report's files, telling the clerk what happened; its exit code."""
    from ..app.pipeline import made_key as pipeline_made_key
    from ..app.pipeline import publish

    if hasattr(rendered, "exit_code"):  # could not be read or rendered
        err(f"错误：{rendered.message}")
        return int(rendered.exit_code)
    if rendered.check.findings:
        err(render_findings(rendered.check, colour=use_colour(sys.stderr)))
    if not rendered.files:
        err(f"{rendered.source.name} 有错误，未生成报告。请改正后重试。")
        return int(ExitCode.FINDINGS)
    try:
        files = guarded(lambda: publish(rendered, force=force, written=written, inputs=inputs))
    except typer.Exit as exc:
        return exc.exit_code
    for path in files:
        written[pipeline_made_key(path)] = rendered.source
        made.append(path)
        typer.echo(str(path))
        err(f"已生成报告：{path}")
    return int(ExitCode.OK)


def _make_pdfs(reports: list[Path], *, force: bool) -> list[int]:
    """The PDF of every report made in this run, by one LibreOffice process; an exit code if it failed."""
    from ..render import pdf
    from ..write.files import write_atomically

    if not reports:
        return []
    try:
        made = guarded(lambda: pdf.convert(reports))
        for report, data in made.items():
            target = report.with_suffix(".pdf")
            guarded(lambda t=target, d=data: write_atomically(t, lambda tmp: tmp.write_bytes(d), force=force))
            typer.echo(str(target))
            err(f"已生成 PDF：{target}")
    except typer.Exit as exc:
        return [exc.exit_code]
    return []


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


# --------------------------------------------------------------------------- summary


@commands.command(cls=ChineseCommand)
def summary(
    workbooks: Workbooks,
    out: Annotated[
        Path,
        typer.Option(
            "-o", "--output", dir_okay=False, metavar="汇总.xlsx", help="要生成的汇总工作簿（.xlsx）"
        ),
    ],
    previous: Previous = None,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """汇总各单位的工作簿：每个单位一行（状态、错误、警告和主要数字），问题另列一表，表三、表四按官方格式合计。

    可给出多个工作簿或文件夹。汇总表中可筛选、排序；无法读取的文件也列出，并写明原因。

    退出码：0 已生成（各单位可有错误，见汇总表），2 用法错误，3 没有可汇总的文件，5 无法写入。
    """
    from functools import partial

    from ..app import batch, pipeline
    from ..write.files import write_atomically
    from ..write.summary import write_summary

    paths = expand(workbooks)
    if not paths:
        err("错误：给出的文件夹中没有工作簿（.xlsx）或 JSON 文件。")
        raise typer.Exit(int(ExitCode.UNREADABLE))
    last = guarded(lambda: pipeline.load_previous(previous)) if previous else None
    work = partial(batch.safely, pipeline.check_file, previous=last)
    results = guarded(lambda: list(batch.run(work, paths, label="汇总", quiet=quiet)))
    inputs = [*paths, *([previous] if previous else [])]
    made = guarded(
        lambda: write_atomically(
            out, lambda tmp: write_summary(tmp, results), force=force, inputs=inputs, suffix=".xlsx"
        )
    )
    codes = [check_code(result) for result in results]
    typer.echo(str(made))
    err(f"已生成汇总工作簿：{made}（{summary_line(codes).rstrip('。')}）")


# --------------------------------------------------------------------------- template


@template_app.command("export", cls=ChineseCommand)
def template_export(
    out: Annotated[
        Path, typer.Argument(dir_okay=False, metavar="输出文件", help="导出的模板文件，如 我的模板.docx")
    ],
    force: Force = False,
) -> None:
    """导出默认 Word 模板，修改后用 `xxgk build --template` 生成报告。"""
    from ..render.template_check import export_template

    written = guarded(lambda: export_template(out, force=force))
    typer.echo(str(written))
    err(f"已导出默认模板：{written}。修改后可先用 `xxgk template check` 检查。")


@template_app.command("fields", cls=ChineseCommand)
def template_fields(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出字段列表")] = False,
) -> None:
    """列出模板中可以使用的全部字段及其含义。"""
    from ..render.fields import fields

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
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果")] = False,
) -> None:
    """检查 Word 模板：拼错的字段名、没有用到的表格数据、写法错误、被拆开的标记、不安全的标记，并试填充一次。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取。
    """
    from ..app.pipeline import unreadable
    from ..render.template_check import check_template_file

    def attempt() -> Any:
        try:
            return check_template_file(template)
        except XxgkError as exc:  # unreadable: still one result in the JSON list
            if as_json:
                typer.echo(json.dumps([unreadable(template, exc).to_dict()], ensure_ascii=False, indent=2))
            raise

    result = guarded(attempt)
    if as_json:
        typer.echo(json.dumps([result.to_dict()], ensure_ascii=False, indent=2))
    else:
        typer.echo(render_findings(result, colour=use_colour(sys.stdout)))
    raise typer.Exit(int(ExitCode.FINDINGS if result.errors else ExitCode.OK))
