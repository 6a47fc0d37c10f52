"""The `xxgk` command: the Typer app built from the command modules (workbook, published, web), each a
Typer of its own merged in here; thin commands over converter.app (heavy imports stay inside commands)."""

from __future__ import annotations

import gc
import sys
from typing import Annotated, Any

import typer

from .. import __version__
from ..core.errors import ExitCode, log_exception
from . import accounts, library, published, web, workbook  # accounts: `xxgk library user`
from .words import ChineseGroup

_ = accounts  # registers its commands on the library sub-app
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
COMMAND_MODULES = (workbook, published, web)  # in the order `xxgk --help` lists them
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
for _module in COMMAND_MODULES:
    app.add_typer(_module.commands)
app.add_typer(workbook.template_app, name="template")  # groups after the commands, as before
app.add_typer(library.library_app, name="library")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xxgk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号后退出")
    ] = False,
) -> None:
    """政府信息公开工作年度报告：由 Excel 工作簿生成 Word 报告，并检查表格勾稽关系。"""


def command_paths() -> list[list[str]]:
    """Every command as typed after `xxgk` (["new"], ["template", "check"]…), in the app's order:
    what README documents and tests/test_docs.py checks, derived from the app itself."""

    def walk(command: Any, prefix: list[str]) -> list[list[str]]:
        children = getattr(command, "commands", None)
        if children is None:
            return [prefix]
        return [path for name, child in children.items() for path in walk(child, [*prefix, name])]

    return walk(typer.main.get_command(app), [])


def run() -> None:
    """Entry point that never shows a traceback, even for errors outside a command body. SIGTERM and
    SIGHUP end the command as Ctrl+C does: by an exception, so temporary files are removed."""
    from ..write.files import stop_on_termination

    stop_on_termination()
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - last resort
        log = log_exception(exc)
        print(f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}。", file=sys.stderr)
        sys.exit(int(ExitCode.INTERNAL))
    finally:
        # The command is done and its files are closed. Exempt what is left from the garbage collector's
        # passes at interpreter exit: the OS frees it anyway, and the passes took 40 ms of a 250 ms build.
        gc.freeze()
