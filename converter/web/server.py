"""Run the app with uvicorn: `xxgk serve`. Checks the port first, opens the browser when asked."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import os
import socket
import threading
import time
import webbrowser
from typing import Any

import uvicorn

from ..core.errors import ExitCode, XxgkError
from .app import Settings, create_app


class ServeError(XxgkError):
    exit_code = ExitCode.USAGE


def serve(
    host: str,
    port: int,
    open_browser: bool = False,
    settings: Settings | None = None,
    library: str | None = None,
) -> None:
    """Serve until Ctrl+C; raises ServeError when the address cannot be used. With `library` (a
    database URL) the dashboard is served too, behind a login unless bound to loopback."""
    if library:
        _check_accounts(library, needed=not _is_loopback(host))
        settings = dataclasses.replace(settings or Settings(), library=library, login=not _is_loopback(host))
    _check_address(host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = uvicorn.Server(server_config(create_app(settings), host, port))
    url = page_url(host, port)
    print(f"网页服务已启动：{url}　（按 Ctrl+C 停止）", flush=True)
    if not _is_loopback(host):
        print(
            f"注意：监听地址为 {host}，同一网络中的其他电脑也能打开此页面并上传文件；"
            "请只在可信的单位内网中这样使用。",
            flush=True,
        )
    if library:
        login = "需登录" if not _is_loopback(host) else "本机使用，无需登录"
        print(f"报告库看板：{url}dashboard　（{login}）", flush=True)
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C after its clean shutdown
        server.run()
    print("网页服务已停止。", flush=True)


def server_config(app: Any, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's settings for the app: no Server header, a bounded graceful shutdown."""
    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, server_header=False, timeout_graceful_shutdown=10
    )


def page_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_accounts(url: str, needed: bool) -> None:
    """The library opens at this version's schema; a server others can reach has an account to log in."""
    from ..library import accounts, db

    with db.opened(url) as engine, db.translated(url), engine.connect() as conn:
        count = len(accounts.users(conn))
    if needed and not count:
        raise ServeError(
            "监听地址不是本机（127.0.0.1），看板需要登录，但报告库中还没有账号。请先创建账号，如："
            "xxgk library user add 张三 --role admin"
        )


def _check_address(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # on Windows it would let the probe share a port that is in use
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServeError(
                f"无法在 {host}:{port} 上启动网页服务（{exc.strerror or exc}）。"
                f"端口可能已被占用，请换一个端口，如：xxgk serve --port {port + 1}"
            ) from exc


def _open_when_started(server: uvicorn.Server, url: str) -> None:
    for _ in range(300):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.1)
