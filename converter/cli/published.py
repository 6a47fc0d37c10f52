"""`xxgk import`, `xxgk audit`, `xxgk compare`: published reports read back in (converter.published)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.errors import ExitCode
from .common import Force, Quiet, err, guarded, pad, summary_line
from .words import ChineseCommand

commands = typer.Typer()  # merged into the main app (converter.cli)

# --------------------------------------------------------------------------- import (published reports)


@commands.command("import", cls=ChineseCommand)
def import_report(
    source: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="报告",
            help="已发布的年度报告：Word（.docx）、带文字的 PDF、网页（.html、.mht）、"
            "Markdown（.md）或文本（.txt）",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", dir_okay=False, metavar="工作簿", help="写成标准工作簿（.xlsx）"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出读入的报告（同 `xxgk dump`）")] = False,
    force: Force = False,
) -> None:
    """读取已发布的年度报告（Word、PDF、网页、Markdown 或文本），列出与标准格式不同之处，可写成标准工作簿。

    无法确定的数字不会猜测，一律留空并指出所在页、表、行和列。

    退出码：0 全部读入（可有警告），1 有数字无法确定已留空，2 用法错误，3 文件无法读取，5 无法写入。
    """
    from ..published.commands import import_file, render_notes

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


@commands.command("audit", cls=ChineseCommand)
def audit(
    sources: Annotated[  # not `exists=True`: a missing report is its own result, the others go on
        list[Path],
        typer.Argument(
            metavar="报告...",
            help="一个或多个已发布的年度报告（Word、PDF、网页、Markdown 或文本）",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", dir_okay=False, metavar="汇总.xlsx", help="汇总表：每份报告一行，问题另列一表"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出检查结果（同 `check --json`）")
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            exists=True,
            dir_okay=False,
            metavar="上年报告",
            help="上年的报告（已发布报告、工作簿或 JSON），用于检查上年结转和与上年雷同（P1）",
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            metavar="评分方案",
            help="评分方案：内置的 default（100 分，默认）、local10（10 分制地方考核），或自己的 TOML 文件",
            show_default=False,
        ),
    ] = "default",
    quiet: Quiet = False,
    force: Force = False,
) -> None:
    """审核已发布的年度报告：读入后检查全部勾稽关系、正文数字与表格是否一致，以及要素是否齐全、内容是否充实、是否按时发布、是否与上年或其他单位雷同，并按评分方案打分。

    同一机关相邻年度的报告一并给出时，检查上年结转；同一年度多个单位的报告一并给出时，检查单位之间是否雷同。

    问题按报告本身的位置列出：第几页、哪张表的哪一行哪一列、哪一部分第几段；雷同和内容问题引用原文。

    退出码：0 无错误（可有警告），1 有错误，2 用法错误，3 文件无法读取，5 无法写入汇总表。
    """
    from ..app import batch
    from ..check.scoring import load_profile
    from ..published.audit import audit_files
    from ..published.compare import load_any
    from ..published.summary import write_summary
    from ..write.files import write_atomically

    scoring = guarded(lambda: load_profile(profile))
    last = guarded(lambda: (load_any(previous), previous.name)) if previous is not None else None

    def pool(work, items):  # a process pool for a batch, with a progress bar on a terminal
        return batch.run(work, items, label="审核", quiet=quiet)

    results = guarded(lambda: audit_files(sources, last, scoring, mapper=pool))
    codes = [
        int(ExitCode.UNREADABLE if r.imported is None else ExitCode.FINDINGS if r.errors else ExitCode.OK)
        for r in results
    ]
    if as_json:
        payload = [r.to_dict() for r in results]  # a list for one file as for many, as `check --json`
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            typer.echo(_render_audit(result))
        if len(results) > 1:
            typer.echo(summary_line(codes))
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
        lines += [f"{' ' * 46}引文：{quote}" for quote in f.evidence[:EVIDENCE_SHOWN]]
    errors = len(result.errors)
    verdict = "检查通过" if not errors else "检查未通过"
    lines.append(f"{verdict}：{errors} 个错误，{len(result.findings) - errors} 个警告。")
    if result.score is not None:
        lines += result.score.lines()
    return "\n".join(lines)


EVIDENCE_SHOWN = 3  # quotes printed under a finding (--json carries them all)


# --------------------------------------------------------------------------- compare (two years)


def _terminal_width() -> int:
    """The terminal's width; 100 columns in a pipe or file."""
    import shutil
    import sys

    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100


@commands.command("compare", cls=ChineseCommand)
def compare_years(
    last: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="上年", help="上年的工作簿、JSON 或已发布报告"),
    ],
    this: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="本年", help="本年的工作簿、JSON 或已发布报告"),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出比较结果")] = False,
) -> None:
    """比较两年的主要数字：并列、增减和增减幅度（变化最大的在前），并逐列检查上年结转（R4）。

    退出码：0 上年结转一致，1 上年结转不一致，2 用法错误，3 文件无法读取。
    """
    from ..published import compare as cmp

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
        typer.echo(cmp.render(before, after, changes, carry, width=_terminal_width()))
    raise typer.Exit(int(ExitCode.OK if all(c.ok for c in carry) else ExitCode.FINDINGS))
