"""`xxgk library …`: the report library (converter.library), a sub-app of the main command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.errors import ExitCode, UnreadableInput
from ..format.official import INFO_BY_KEY, ORGAN_TYPES
from .common import err, guarded, pad
from .words import ChineseCommand, ChineseGroup

ORG_LABEL, TYPE_LABEL = INFO_BY_KEY["org"].label, INFO_BY_KEY["organ_type"].label
DIRECTORY_COLUMNS = (ORG_LABEL, "上级地区", TYPE_LABEL, "别名")  # as converter.library.organs reads it

library_app = typer.Typer(
    cls=ChineseGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="报告库：把各机关历年的报告（含每个版本）存入一个数据库，按机关、地区、类型、年度查询和导出。",
    no_args_is_help=True,
    rich_markup_mode=None,
)

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
AsJson = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
OUTCOME = {
    "added": "新增",
    "version": "新版本",
    "exists": "已在库中",
    "failed": "无法读取",
    "skipped": "未处理",
}
LEVEL = {"error": "错误", "warning": "警告"}


def _url(given: str | None) -> str:
    from ..library.db import database_url

    return database_url(given)


# --------------------------------------------------------------------------- add


@library_app.command("add", cls=ChineseCommand)
def add(
    sources: Annotated[
        list[Path],
        typer.Argument(
            metavar="文件或文件夹...",
            help="年度报告（Word、PDF、网页、文本、工作簿、JSON）、文件夹（含子文件夹）或 .zip 压缩包",
        ),
    ],
    db: Database = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue", help="只排入队列，由各台机器上的 `xxgk library worker` 处理（需 PostgreSQL）"
        ),
    ] = False,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
) -> None:
    """把报告加入报告库：逐份读入、按全部规则检查，连同数字和问题一起保存。

    同一文件（内容相同）再加入不会重复保存；同一机关同一年度的另一份文件保存为新版本，两版都是已发布的报告时，
    记一条“发布后被修改”并列出改动的数字和段落。无法读取的文件也作为一条结果保存，写明原因。
    每份报告单独提交：按 Ctrl+C 或断开连接时，已保存的完整保留，正在保存的一份不会留下一半。

    退出码：0 全部入库，2 用法错误，3 有文件无法读取，5 报告库无法读写。
    """
    url = _url(db)
    if queue:
        from ..library.work import enqueue

        count = guarded(lambda: enqueue(url, sources))
        err(
            f"已排入队列：{count.queued} 个文件"
            f"（{count.known} 个已在库中或已排队，{count.skipped} 个未处理）。"
        )
        raise typer.Exit(int(ExitCode.UNREADABLE if count.skipped else ExitCode.OK))

    from ..library.commands import add as add_files

    results: list[Any] = []

    def run() -> None:
        for stored in add_files(url, sources, quiet=quiet or as_json):
            results.append(stored)
            if not as_json and stored.outcome in ("failed", "skipped", "version"):
                typer.echo(_stored_line(stored))

    try:
        guarded(run)
    finally:
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2, default=str))
        elif results:
            typer.echo(_add_summary(results))
    bad = any(r.outcome in ("failed", "skipped") for r in results)
    raise typer.Exit(int(ExitCode.UNREADABLE if bad else ExitCode.OK))


def _stored_line(stored: Any) -> str:
    what = (
        f"{stored.org} {stored.year} 年第 {stored.version} 版"
        if stored.outcome == "version"
        else stored.message
    )
    return f"{OUTCOME[stored.outcome]}：{stored.source}：{what}"


def _add_summary(results: list[Any]) -> str:
    counts = {k: sum(r.outcome == k for r in results) for k in OUTCOME}
    return (
        f"共 {len(results)} 个文件：新增报告 {counts['added']} 份，新版本 {counts['version']} 份，"
        f"已在库中 {counts['exists']} 个，无法读取 {counts['failed'] + counts['skipped']} 个。"
    )


# --------------------------------------------------------------------------- list


@library_app.command("list", cls=ChineseCommand)
def list_reports(
    db: Database = None,
    year: Annotated[int | None, typer.Option("--year", metavar="年度", help="只列这一年度")] = None,
    region: Annotated[
        str | None, typer.Option("--region", metavar="地区", help="只列这一地区（含下级），如 江苏省/淮安市")
    ] = None,
    organ_type: Annotated[
        str | None,
        typer.Option("--type", metavar=TYPE_LABEL, help=f"只列这一类机关：{'、'.join(ORGAN_TYPES)}"),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option("--rule", metavar="规则", help="只列有这条规则问题的报告，如 R0、R4、发布后被修改"),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """列出库中的报告：每个机关每个年度一行（最新版本），含状态、错误数、警告数；无法读取的文件另列。

    退出码：0 正常，2 用法错误，5 报告库无法读写。
    """
    from ..library import db as library_db
    from ..library import queries

    url = _url(db)

    def read() -> tuple[list[Any], list[Any]]:
        with library_db.opened(url) as engine, library_db.translated(url), library_db.reading(engine) as conn:
            found = queries.rows(conn, year=year, region=region, organ_type=organ_type, rule=rule)
            failed = queries.unreadable(conn) if not any((year, region, organ_type, rule)) else []
            return found, failed

    found, failed = guarded(read)
    if as_json:
        payload = {"reports": [r.to_dict() for r in found], "unreadable": failed}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if found:
        typer.echo(
            f"{pad('机关', 36)}  {pad('年度', 4)}  {pad('版本', 4)}  {pad('状态', 8)}  错误  警告  地区"
        )
    for r in found:
        status = queries.STATUS.get(r.status, r.status)
        region = r.region if r.organ_source == "directory" else "（未在名录中）"
        typer.echo(
            f"{pad(r.organ, 36)}  {r.year}  {pad(str(r.versions), 4)}  {pad(status, 8)}  "
            f"{r.errors:>4}  {r.warnings:>4}  {region}"
        )
    for f in failed:
        typer.echo(f"无法读取：{f['source']}：{f['message']}")
    typer.echo(f"共 {len(found)} 份报告" + (f"，{len(failed)} 个文件无法读取。" if failed else "。"))


# --------------------------------------------------------------------------- show


@library_app.command("show", cls=ChineseCommand)
def show(
    organ: Annotated[str, typer.Argument(metavar="机关", help=f"{ORG_LABEL}或名录中的别名")],
    db: Database = None,
    year: Annotated[int | None, typer.Option("--year", metavar="年度", help="问题只列这一年度")] = None,
    as_json: AsJson = False,
) -> None:
    """一个机关的历年报告：主要数字逐年并列并标出趋势，逐年核对上年结转（R4），列出各年的问题。

    退出码：0 正常，2 用法错误，3 库中没有这个机关（或名称不唯一），5 报告库无法读写。
    """
    from ..library import db as library_db
    from ..library import queries

    url = _url(db)

    def read() -> Any:
        with library_db.opened(url) as engine, library_db.translated(url), library_db.reading(engine) as conn:
            found, hints = queries.find_organ(conn, organ)
            if len(found) > 1:
                names = "、".join(o.display_name for o in found)
                raise UnreadableInput(f"“{organ}”是名录中多个机关的别名：{names}；请写全称。", reason="organ")
            if not found:
                names = "、".join(o.display_name for o in hints)
                hint = f"可能是：{names}" if hints else "请用 `xxgk library organs` 查看库中的机关"
                raise UnreadableInput(f"库中没有名为“{organ}”的机关（{hint}）。", reason="organ")
            return queries.history(conn, found[0], year)

    history = guarded(read)
    if as_json:
        typer.echo(json.dumps(_history_dict(history), ensure_ascii=False, indent=2))
        return
    typer.echo(_render_history(history))


def _history_dict(history: Any) -> dict[str, Any]:
    o = history.organ
    return {
        "organ": o.display_name,
        "region": o.region,
        "organ_type": o.organ_type,
        "in_directory": o.source == "directory",
        "years": [r.to_dict() for r in history.rows],
        "carry_over": {str(y): {"ok": not m, "messages": m} for y, m in history.carry_over.items()},
        "findings": {
            str(y): [
                {
                    k: f._mapping[k]
                    for k in ("rule", "code", "severity", "field", "position", "quote", "message", "ruleset")
                }
                for f in found
            ]
            for y, found in history.findings.items()
        },
    }


def _render_history(history: Any) -> str:
    from ..library import queries

    o = history.organ
    where = "，".join(x for x in (o.region, o.organ_type) if x)
    lines = [
        f"机关：{o.display_name}"
        + (f"（{where}）" if where else "")
        + ("" if o.source == "directory" else "，未在名录中")
    ]
    years = [r.year for r in history.rows]
    label_width = 44
    lines.append(pad("", label_width) + "".join(f"{y:>10}" for y in years) + "  趋势")
    status_cells = "".join(
        f"{queries.STATUS.get(r.status, r.status):>{10 - _wide(queries.STATUS.get(r.status, r.status))}}"
        for r in history.rows
    )
    lines.append(pad("状态", label_width) + status_cells)
    for title, fetch in (
        ("版本数", lambda r: r.versions),
        ("错误", lambda r: r.errors),
        ("警告", lambda r: r.warnings),
    ):
        lines.append(pad(title, label_width) + "".join(f"{fetch(r):>10}" for r in history.rows))
    for key, title in zip(queries.KEY_FIGURES, queries.SHORT_TITLES, strict=True):
        values = [r.figures.get(key) for r in history.rows]
        cells = "".join(f"{'' if v is None else v:>10}" for v in values)
        lines.append(pad(title, label_width) + cells + "  " + queries.trend(values))
    lines.append("上年结转（R4）：")
    for r in history.rows:
        if r.year not in history.carry_over:
            lines.append(f"  {r.year}：库中没有 {r.year - 1} 年的报告，无法核对")
        elif not history.carry_over[r.year]:
            lines.append(f"  {r.year}：与 {r.year - 1} 年的结转下年度一致")
        else:
            for message in history.carry_over[r.year]:
                lines.append(f"  {r.year}：{message}")
    for year, found in history.findings.items():
        lines.append(f"{year} 年的问题（最新版本）：" + ("无" if not found else ""))
        for f in found:
            lines.append(
                f"  {pad(LEVEL.get(f.severity, f.severity), 4)}  {pad(f.rule, 4)}  "
                f"{pad(f.position, 24)}  {f.message}"
            )
    return "\n".join(lines)


def _wide(text: str) -> int:
    from .words import display_width

    return display_width(text) - len(text)


# --------------------------------------------------------------------------- export


@library_app.command("export", cls=ChineseCommand)
def export(
    out: Annotated[
        Path,
        typer.Option("-o", "--output", dir_okay=False, metavar="指标.xlsx", help="导出文件：.xlsx 或 .csv"),
    ],
    db: Database = None,
    year: Annotated[int | None, typer.Option("--year", metavar="年度", help="只导出这一年度")] = None,
    region: Annotated[
        str | None, typer.Option("--region", metavar="地区", help="只导出这一地区（含下级）")
    ] = None,
    organ_type: Annotated[
        str | None, typer.Option("--type", metavar=TYPE_LABEL, help="只导出这一类机关")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件")] = False,
) -> None:
    """导出指标表：每个机关每个年度一行（最新版本）：状态、错误数、警告数、得分和主要数字。

    得分为 100 减每个错误 10 分、每个警告 2 分（最低 0），仅供排序参考。

    退出码：0 已导出，2 用法错误，5 无法写入或报告库无法读写。
    """
    from ..library import db as library_db
    from ..library import queries
    from ..library.export import write_csv, write_xlsx
    from ..write.files import write_atomically

    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise typer.BadParameter(f"导出文件应为 .xlsx 或 .csv，而不是 {out.name}。", param_hint="-o")
    url = _url(db)

    def run() -> int:
        with library_db.opened(url) as engine, library_db.translated(url), library_db.reading(engine) as conn:
            found = queries.rows(conn, year=year, region=region, organ_type=organ_type)
        writer = write_xlsx if suffix == ".xlsx" else write_csv
        write_atomically(out, lambda tmp: writer(tmp, found), force=force, suffix=suffix)
        return len(found)

    count = guarded(run)
    err(f"已导出 {count} 行：{out}")


# --------------------------------------------------------------------------- organs


@library_app.command("organs", cls=ChineseCommand)
def organs(
    db: Database = None,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--import",
            exists=True,
            dir_okay=False,
            metavar="机关名录.csv",
            help=f"导入机关名录（CSV，表头：{','.join(DIRECTORY_COLUMNS)}；别名之间用分号）",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """列出库中的机关；未在名录中的、名称有歧义的单独标出，从不按猜测归并。

    导入机关名录后，各机关的上级地区和机关类型以名录为准；报告中的名称是名录中某机关的别名时归入该机关。

    退出码：0 正常，2 用法错误，3 名录无法读取或有误，5 报告库无法读写。
    """
    from ..library import db as library_db
    from ..library import queries
    from ..library.organs import import_directory, read_directory

    url = _url(db)

    def run() -> tuple[Any, list[dict[str, Any]]]:
        imported = None
        with library_db.opened(url) as engine, library_db.translated(url):
            if directory is not None:
                entries = read_directory(directory)
                with engine.begin() as conn:
                    imported = import_directory(conn, entries)
                library_db.refresh_statistics(engine)
            with library_db.reading(engine) as conn:
                return imported, queries.organs(conn)

    imported, listed = guarded(run)
    if as_json:
        payload: dict[str, Any] = {"organs": listed}
        if imported is not None:
            payload["imported"] = imported.__dict__
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if imported is not None:
        err(
            f"已导入名录：新增 {imported.added} 个机关，更新 {imported.updated} 个，"
            f"{imported.moved_reports} 份报告归入名录机关。"
        )
        for conflict in imported.conflicts:
            err(f"未归并：{conflict}")
    for o in listed:
        marks = [] if o["in_directory"] else ["未在名录中"]
        if o["ambiguous"]:
            marks.append("名称有歧义")
        typer.echo(
            f"{pad(o['name'], 36)}  {pad(o['organ_type'] or '类型不明', 8)}  {pad(o['region'] or '-', 24)}  "
            f"{o['reports']} 份报告" + (f"  [{'，'.join(marks)}]" if marks else "")
        )
    unknown = sum(not o["in_directory"] for o in listed)
    typer.echo(f"共 {len(listed)} 个机关，{unknown} 个未在名录中。")


# --------------------------------------------------------------------------- upgrade


@library_app.command("upgrade", cls=ChineseCommand)
def upgrade(db: Database = None) -> None:
    """升级报告库到本版本的数据结构（新库则创建）。升级前建议备份数据库文件。

    退出码：0 已是最新或已升级，2 用法错误，5 报告库无法读写或由更新版本的 xxgk 写入。
    """
    from ..library import db as library_db

    url = _url(db)
    before, after = guarded(lambda: library_db.upgrade(url))
    if before == after:
        err(f"报告库已是最新版本（{after}）：{library_db.shown(url)}")
    elif before is None:
        err(f"已创建报告库（版本 {after}）：{library_db.shown(url)}")
    else:
        err(f"已升级报告库：版本 {before} → {after}：{library_db.shown(url)}")


# --------------------------------------------------------------------------- worker (PostgreSQL queue)


@library_app.command("worker", cls=ChineseCommand)
def worker(
    db: Database = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, metavar="个数", help="本 worker 同时处理的文件数")
    ] = 1,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            min=1,
            metavar="秒",
            help="某台 worker 超过这么多秒没有心跳（被终止、断网）时，它手上的文件交给其他 worker 重做",
        ),
    ] = 30.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="队列空了就退出（默认一直等待新文件）")
    ] = False,
) -> None:
    """处理 `xxgk library add --queue` 排入队列的文件（需 PostgreSQL 报告库）；可在任意多台机器上同时运行。

    每份报告单独提交；worker 被终止时，它正在处理的文件会由其他 worker 重做，报告只保存一次。
    按 Ctrl+C 停止：正在处理的文件处理完再退出。

    退出码：0 正常停止，2 用法错误（如不是 PostgreSQL 报告库），5 报告库无法读写。
    """
    from ..library import db as library_db
    from ..library.work import run_worker

    url = _url(db)
    err(f"worker 已启动：{library_db.shown(url)}；按 Ctrl+C 停止。")
    guarded(
        lambda: run_worker(url, concurrency=concurrency, stalled_after=stalled_after, until_empty=until_empty)
    )
    err("worker 已停止。")


# --------------------------------------------------------------------------- collect

COLLECTED = {
    "new": "新增",
    "changed": "已修改",
    "unchanged": "未变",
    "unreadable": "无法读取",
    "failed": "失败",
    "gone": "已消失",
}


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
