"""`xxgk library user …`: the dashboard's accounts (converter.library.accounts), under `xxgk library`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .common import guarded
from .library import Database, _url, library_app
from .words import ChineseCommand, ChineseGroup

user_app = typer.Typer(
    cls=ChineseGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="看板账号：查看（viewer）、审核（reviewer）、管理员（admin），可限定只看某地区。",
    no_args_is_help=True,
    rich_markup_mode=None,
)
library_app.add_typer(user_app, name="user")


@user_app.command("add", cls=ChineseCommand)
def add(
    name: Annotated[str, typer.Argument(metavar="用户名", help="登录用的名字，如 张三")],
    role: Annotated[
        str,
        typer.Option(
            "--role", metavar="角色", help="viewer（只能查看）、reviewer（可审核问题）或 admin（管理员）"
        ),
    ],
    region: Annotated[
        str,
        typer.Option(
            "--region",
            metavar="地区",
            show_default=False,
            help="只能看这一地区（含下级）的机关，如 江苏省/淮安市；不写则可看全部",
        ),
    ] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读一行作为密码（用于脚本）")
    ] = False,
    db: Database = None,
) -> None:
    """新建看板账号（同名账号则更新其角色、地区和密码，并使其已登录的会话失效）。

    密码至少 8 个字符，以 argon2 散列保存。

    退出码：0 成功，2 用法错误，5 报告库无法读写。
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("密码", hide_input=True, confirmation_prompt="再输入一次密码")
    url = _url(db)

    def run() -> str:
        from ..library import accounts
        from ..library import db as library_db

        with library_db.opened(url) as engine, library_db.translated(url), engine.begin() as conn:
            user = accounts.add_user(conn, name, role, password, region)
        scope = f"，只看 {user.region}" if user.region else "，可看全部地区"
        return f"已保存账号 {user.name}（{accounts.ROLES[user.role]}{scope}）。"

    typer.echo(guarded(run))


@user_app.command("list", cls=ChineseCommand)
def list_users(db: Database = None) -> None:
    """列出看板账号：用户名、角色、可见地区。"""
    url = _url(db)

    def run() -> list[str]:
        from ..library import accounts
        from ..library import db as library_db

        with library_db.opened(url) as engine, library_db.translated(url), library_db.reading(engine) as conn:
            return [
                f"{u.name}\t{accounts.ROLES[u.role]}\t{u.region or '全部地区'}" for u in accounts.users(conn)
            ]

    lines = guarded(run)
    typer.echo("\n".join(lines) if lines else "报告库中还没有账号。")
