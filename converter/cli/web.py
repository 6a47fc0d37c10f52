"""`xxgk serve`: the clerks' web page (the web libraries are imported only when it runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..core.errors import ExitCode
from .common import err, guarded
from .words import ChineseCommand

commands = typer.Typer()  # merged into the main app (converter.cli)

WEB_MODULES = ("fastapi", "uvicorn", "multipart")


@commands.command(cls=ChineseCommand)
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="地址",
            show_default=False,
            help="监听地址，默认 127.0.0.1（只有本机能访问）；在单位内网共享用 0.0.0.0",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", metavar="端口", min=1, max=65535, show_default=False, help="端口号，默认 8000"
        ),
    ] = 8000,
    open_browser: Annotated[bool, typer.Option("--open", help="启动后在默认浏览器中打开页面")] = False,
    allowed_hosts: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="名称",
            show_default=False,
            help="另外允许用来访问本服务的主机名或地址（如内网中本机的名称），可多次使用；"
            "默认只允许 127.0.0.1、localhost、--host 的地址和本机名称",
        ),
    ] = None,
    library: Annotated[
        str | None,
        typer.Option(
            "--library",
            metavar="数据库",
            show_default=False,
            help="同时提供报告库看板（/dashboard）：SQLite 文件路径或 postgresql://…；"
            "监听地址不是本机时须用 `xxgk library user add` 建的账号登录",
        ),
    ] = None,
) -> None:
    """启动网页服务：在浏览器中拖入工作簿，查看检查结果，下载 Word 报告。按 Ctrl+C 停止。"""
    import importlib.util

    missing = [name for name in WEB_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        err(
            "错误：网页服务需要的组件尚未安装（缺少 "
            + "、".join(missing)
            + "）。请运行：pip install \"xxgk-report[web]\"（在本仓库中：.venv/bin/pip install -e '.[web]'）"
        )
        raise typer.Exit(int(ExitCode.USAGE))
    from ..web.server import serve as run_server

    url = None
    if library:
        from ..library.db import database_url

        url = database_url(library)
    guarded(
        lambda: run_server(host, port, open_browser, allowed_hosts=tuple(allowed_hosts or ()), library=url)
    )
