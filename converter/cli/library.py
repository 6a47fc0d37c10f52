"""`xxgk library …`: the report library (converter.library), a sub-app of the main command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.errors import ExitCode
from .common import err, guarded, pad
from .words import ChineseCommand, ChineseGroup

commands = typer.Typer()  # merged into the main app (converter.cli)
library_app = typer.Typer(
    cls=ChineseGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="报告库：把各机关历年的报告（含每个版本）存入一个数据库，按机关、地区、类型、年度查询和导出。",
    no_args_is_help=True,
    rich_markup_mode=None,
)
commands.add_typer(library_app, name="library")

Database = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="XXGK_DB",
        show_envvar=False,
        metavar="数据库",
        help="报告库：SQLite 文件路径，或 postgresql://用户:密码@主机/库名；默认读环境变量 XXGK_DB，"
        "再默认为当前文件夹的 xxgk-library.db",
    ),
]
COLLECTED = {
    "new": "新增",
    "changed": "已修改",
    "unchanged": "未变",
    "unreadable": "无法读取",
    "failed": "失败",
    "gone": "已消失",
}


# --------------------------------------------------------------------------- collect


@library_app.command("collect", cls=ChineseCommand)
def collect(
    urls: Annotated[
        list[str] | None,
        typer.Argument(metavar="栏目网址...", help="政府信息公开年报栏目的列表页网址（http:// 或 https://）"),
    ] = None,
    db: Database = None,
    seeds_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            exists=True,
            dir_okay=False,
            metavar="栏目.csv",
            help="栏目清单：每行“机关,栏目网址”（可有表头，UTF-8 或 GBK），一次收集多个机关",
        ),
    ] = None,
    max_pages: Annotated[
        int,
        typer.Option(
            "--max-pages",
            min=1,
            metavar="N",
            show_default=False,
            help="本次最多请求的网页和文件数，默认 2000；到达后停止，下次运行继续",
        ),
    ] = 2000,
    since: Annotated[
        int | None,
        typer.Option("--since", min=2000, max=2100, metavar="年度", help="只收集此年度及以后的报告"),
    ] = None,
    delay: Annotated[
        float,
        typer.Option(
            "--delay",
            min=0.0,
            metavar="秒",
            show_default=False,
            help="同一网站两次请求之间至少等待的秒数，默认 1",
        ),
    ] = 1.0,
    backoff: Annotated[
        str,
        typer.Option(
            "--backoff",
            metavar="秒,秒...",
            show_default=False,
            help="服务器繁忙（429、5xx）或超时时依次等待后重试的秒数，默认 5,15,45,120",
        ),
    ] = "5,15,45,120",
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0.1, metavar="秒", show_default=False, help="连接和读取的超时秒数，默认 30"
        ),
    ] = 30.0,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="允许访问内网和本机地址（默认拒绝）")
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", metavar="主机", help="允许重定向前往的其他网站（可多次给出）"),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            dir_okay=False,
            metavar="文件",
            help="HTTP 缓存文件；默认 ~/.cache/xxgk/collect-http.db",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总")] = False,
) -> None:
    """从各机关门户网站的政府信息公开年报栏目收集年度报告，存入报告库。

    沿栏目的分页（下一页、尾页、index_1.htm，以及页面脚本中写明的页数）找出标题为某年度年度报告（年报）的链接，
    打开每个详情页：保存页面本身和其中的附件（.pdf、.docx、.doc、.wps），记录页面上的发布时间及其出处。
    遵守 robots.txt；同一网站一次只发一个请求，两次之间至少间隔 --delay 秒；
    服务器繁忙时按 --backoff 等待后重试，其他 4xx 直接放弃；
    用条件请求（ETag、Last-Modified）只下载变化的网页；不执行 JavaScript。

    再次运行时，内容未变的报告不重复保存；内容有变的保存为新版本并记一条“发布后被修改”；从栏目中消失的报告记为
    已消失（不删除）。中途按 Ctrl+C 或断网停止后，再次运行同样的命令从中断处继续。

    退出码：0 完成（报告内容的问题不影响），2 用法错误，3 有网页或文件未能收集，5 报告库无法读写，130 已中断。
    """
    from ..library.collect.fetch import Politeness
    from ..library.collect.run import Seed, read_seeds

    seeds = [Seed("", u) for u in urls or []]
    if seeds_file is not None:
        seeds += guarded(lambda: read_seeds(seeds_file))
    if not seeds:
        err("错误：请给出栏目网址，或用 --from 给出栏目清单。")
        raise typer.Exit(int(ExitCode.USAGE))
    for seed in seeds:
        if not seed.url.lower().startswith(("http://", "https://")):
            err(f"错误：{seed.url} 不是 http:// 或 https:// 网址。")
            raise typer.Exit(int(ExitCode.USAGE))
    try:
        waits = tuple(float(w) for w in backoff.split(",") if w.strip())
    except ValueError:
        err(f"错误：--backoff 应为逗号分隔的秒数，如 5,15,45,120（收到 {backoff}）。")
        raise typer.Exit(int(ExitCode.USAGE)) from None
    rules = Politeness(
        delay=delay,
        backoff=waits,
        timeout=timeout,
        max_requests=max_pages,
        allow_private=allow_private,
        other_hosts=frozenset(allow_host or ()),
    )
    summary = guarded(lambda: _collect(db, seeds, rules, since, cache, as_json))
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(_collect_summary(summary))
    raise typer.Exit(int(summary.exit_code))


def _collect(
    db: str | None, seeds: list[Any], rules: Any, since: int | None, cache: Path | None, quiet: bool
):
    from ..library.collect.store import collect as run_collect
    from ..library.db import database_url

    def show(event: Any) -> None:
        if not quiet and event.outcome in ("new", "changed", "unreadable", "failed", "gone"):
            what = event.title or event.url
            if event.published_on and event.outcome in ("new", "changed"):
                what += f"（发布时间 {event.published_on:%Y-%m-%d}，据{event.published_on_from}）"
            detail = f"：{event.message}" if event.message and event.outcome != "new" else ""
            err(f"{COLLECTED[event.outcome]}：{event.organ}：{what}{detail}")

    return run_collect(database_url(db), seeds, rules, since=since, cache=cache, on_event=show)


def _collect_summary(summary: Any) -> str:
    outcomes = list(COLLECTED)
    lines = []
    if summary.resumed:
        lines.append(f"接续第 {summary.run} 次收集。")
    width = max([4, *(len(o) * 2 for o in summary.organs())])
    lines.append(pad("机关", width) + "  " + "  ".join(COLLECTED[o] for o in outcomes))
    for organ in summary.organs():
        cells = "  ".join(pad(str(summary.count(o, organ)), len(COLLECTED[o]) * 2) for o in outcomes)
        lines.append(pad(organ, width) + "  " + cells)
    totals = "，".join(f"{COLLECTED[o]} {summary.count(o)}" for o in outcomes)
    lines.append(f"合计：{totals}；共请求 {summary.requests} 次。")
    if summary.stopped:
        lines.append(f"{summary.stopped}；再次运行同样的命令从此处继续。")
    return "\n".join(lines)
