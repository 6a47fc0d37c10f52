"""What the command modules share: failures as Chinese messages with their exit codes, option types,
the per-file summary line and the aligned findings table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..core.errors import ExitCode, XxgkError, log_exception
from ..core.findings import Severity
from ..format.official import INFO_BY_KEY
from .words import display_width

ORG, YEAR = (INFO_BY_KEY[key] for key in ("org", "year"))  # the format's labels, in help texts
T = TypeVar("T")


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
        log = log_exception(exc)
        err(f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}，请将该文件反馈给维护人员。")
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


ExistingFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, metavar="工作簿", help="工作簿（.xlsx）或 JSON 文件")
]
Force = Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件")]
Workbooks = Annotated[  # not `exists=True`: a missing file is that file's result, the others go on
    list[Path],
    typer.Argument(metavar="工作簿...", help="一个或多个工作簿（.xlsx）或 JSON 文件"),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="一次处理多个文件时不显示进度条")]


def previous_option(help: str) -> Any:
    """The `--previous` option (last year's workbook or JSON), with what the command does with it."""
    return typer.Option("--previous", exists=True, dir_okay=False, metavar="上年工作簿", help=help)


Previous = Annotated[Path | None, previous_option("上年的工作簿，用于检查上年结转（R4）")]


def check_code(result: Any) -> int:
    """A file's exit code: its own for an unreadable file, 1 with errors, else 0."""
    if hasattr(result, "exit_code"):
        return int(result.exit_code)
    return int(ExitCode.FINDINGS if result.errors else ExitCode.OK)


def summary_line(codes: list[int]) -> str:
    """One line for a county office checking many workbooks: how many passed, failed, could not be read."""
    passed = codes.count(int(ExitCode.OK))
    failed = codes.count(int(ExitCode.FINDINGS))
    text = f"共检查 {len(codes)} 个文件：{passed} 个通过，{failed} 个有错误"
    unreadable = len(codes) - passed - failed
    return text + (f"，{unreadable} 个无法读取。" if unreadable else "。")


def render_findings(result: Any, *, colour: bool = False) -> str:
    """The human report: a header, one aligned row per finding (errors first, as on the web page), a
    summary line. A finding covering many cells lists the first few under its row. `colour`: 错误 red
    and 警告 yellow (for a terminal)."""
    lines = [f"文件：{result.path}"]
    if result.findings:
        lines.append(f"  {pad('级别', 4)}  {pad('规则', 4)}  {pad('位置', 18)}  说明")
    for f in sorted(result.findings, key=lambda f: f.severity is not Severity.ERROR):
        level = pad(f.severity.label, 4)
        if colour:
            level = typer.style(level, fg=LEVEL_COLOURS[f.severity], bold=True)
        lines.append(f"  {level}  {pad(f.rule, 4)}  {pad(f.location, 18)}  {f.message}")
        if len(f.covered_positions) > 1:
            lines.append(f"  {' ' * 32}{covered_cells(f.covered_positions)}")
        lines += [f"{' ' * 34}引文：{quote}" for quote in f.evidence[:3]]
    errors = len(result.errors)
    warnings = len(result.findings) - errors
    verdict = "检查通过" if not errors else "检查未通过"
    lines.append(f"{verdict}：{errors} 个错误，{warnings} 个警告。")
    return "\n".join(lines)


LEVEL_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}
FIRST_CELLS = 8  # the cells a grouped finding names in the terminal before the count


def covered_cells(positions: Any) -> str:
    """`表三!D7、E7、F7 … 共 144 处`: the first few positions, the sheet named once when shared."""
    names = [str(p) for p in positions]
    shown = names[:FIRST_CELLS]
    sheet = shown[0].partition("!")[0] + "!" if "!" in shown[0] else ""
    if sheet and all(n.startswith(sheet) for n in shown):
        shown = [shown[0], *(n.removeprefix(sheet) for n in shown[1:])]
    more = f" … 共 {len(names)} 处" if len(names) > FIRST_CELLS else f"（共 {len(names)} 处）"
    return "、".join(shown) + more


def use_colour(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    import os

    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def pad(text: str, width: int) -> str:
    """Left-justify to a display width, counting a Chinese character as two columns."""
    return text + " " * max(0, width - display_width(text))
