"""Run the app with uvicorn: `xxgk serve`. Checks the port first, opens the browser when asked."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import threading
import time
import webbrowser
from dataclasses import replace
from typing import Any

import uvicorn

from ..core.errors import ExitCode, XxgkError
from .app import Settings, create_app
from .connections import KEEP_ALIVE, connection_limit, header_deadline_protocol, raise_open_file_limit


class ServeError(XxgkError):
    exit_code = ExitCode.USAGE


def serve(
    host: str,
    port: int,
    open_browser: bool = False,
    settings: Settings | None = None,
    allowed_hosts: tuple[str, ...] = (),
    library: str | None = None,
) -> None:
    """Serve until Ctrl+C; raises ServeError when the address cannot be used.

    `allowed_hosts`: names or addresses besides 127.0.0.1, localhost and `host` that clients may use in
    the Host header (the name of this computer on the office network). With `library` (a database URL)
    the dashboard is served too, behind a login unless bound to loopback."""
    if library:
        _check_accounts(library, needed=not _is_loopback(host))
        settings = replace(settings or Settings(), library=library, login=not _is_loopback(host))
    _check_address(host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or Settings()
    every_address = host in ("0.0.0.0", "", "::")
    names = host_names(host, allowed_hosts, settings.allowed_hosts)
    settings = replace(settings, allowed_hosts=names, any_ip_host=every_address)
    open_files = raise_open_file_limit()
    config = server_config(create_app(settings), host, port, limit_concurrency=connection_limit(open_files))
    server = uvicorn.Server(config)
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


def server_config(
    app: Any, host: str, port: int, log_level: str = "info", limit_concurrency: int | None = None
) -> uvicorn.Config:
    """uvicorn's settings for the app: no Server header, a bounded graceful shutdown, a deadline for
    request headers, short keep-alive, and at most `limit_concurrency` connections (more get 503)."""
    settings: Settings = app.state.settings
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=10,
        http=header_deadline_protocol(settings.header_timeout),
        timeout_keep_alive=KEEP_ALIVE,
        limit_concurrency=limit_concurrency,
    )


def host_names(host: str, extra: tuple[str, ...] = (), already: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Host header names the server answers: loopback names, the address it listens on, this
    computer's name when it listens on every address (any IP address is then answered too), and `extra`."""
    names = ["127.0.0.1", "localhost", "::1", *already]
    if host in ("0.0.0.0", "", "::"):
        names += [socket.gethostname(), socket.getfqdn()]
    else:
        names.append(host)
    names += extra
    return tuple(dict.fromkeys(n.strip().strip("[]").lower() for n in names if n.strip()))


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

    with db.opened(url) as engine, db.translated(url), db.reading(engine) as conn:
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
