"""`xxgk library collect` against a local copy of the 平潭 年报 column (tests/portal_server.py): every
report stored with its publication date, a second run adds nothing, a changed page gives a new version
and 发布后被修改, a stop resumes, a report gone from the column is recorded, failures are the run's own;
the manners are asserted from the server's request log. Nothing here touches the internet."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import pytest
from library_support import assert_summaries_as_rebuilt
from portal_server import COLUMN, DATA, PORTAL, Portal, Route, html, pingtan_column
from typer.testing import CliRunner

from converter.cli import app
from converter.library import db
from converter.library import schema as s
from converter.library.collect.fetch import Politeness
from converter.library.collect.run import Seed, read_seeds
from converter.library.collect.store import collect

ORGAN = "平潭综合实验区"
DELAY = 0.05
PAGES = {
    "2024": COLUMN + "202503/t20250310_97791.htm",
    "2023": COLUMN + "202403/t20240308_87885.htm",
    "2022": COLUMN + "202302/t20230220_80629.htm",
    "2013": COLUMN + "201402/t20140225_80774.htm",
}
ATTACHMENT = "/protect/P0202403085367/download.jsp?fileid=87885"


@pytest.fixture
def portal():
    server = Portal().start()
    pingtan_column(server)
    yield server
    server.stop()


@pytest.fixture
def library(library_url):
    """The library's database: SQLite, and a real PostgreSQL server (the library's own fixture)."""
    return db.database_url(library_url)


def rules(**changes) -> Politeness:
    base = dict(delay=DELAY, backoff=(0.05, 0.1), timeout=2.0, allow_private=True)
    base.update(changes)
    return Politeness(**base)


def run(portal, library, tmp_path, **changes):
    on_event = changes.pop("on_event", None)
    since = changes.pop("since", None)
    return collect(
        library,
        [Seed(ORGAN, portal.url(COLUMN))],
        rules(**changes),
        since=since,
        cache=tmp_path / "http.db",
        on_event=on_event,
    )


def rows(library, table):
    from sqlalchemy import select

    with db.opened(library) as engine, engine.connect() as conn:
        return conn.execute(select(table).order_by(*table.primary_key.columns)).all()


def pages_by_url(library, portal):
    return {r.url.removeprefix(portal.base): r for r in rows(library, s.collect_pages)}


def test_every_report_of_the_column_is_stored_with_its_publication_date(portal, library, tmp_path):
    summary = run(portal, library, tmp_path)
    assert summary.stopped == "" and summary.count("failed") == 0
    assert summary.count("new") == 2 and summary.count("unreadable") == 3  # see below
    pages = pages_by_url(library, portal)
    dates = {year: (pages[url].published_on, pages[url].published_on_from) for year, url in PAGES.items()}
    assert dates == {
        "2024": (dt.date(2025, 3, 10), "页面元数据 PubDate"),
        "2023": (dt.date(2024, 3, 8), "页面元数据 PubDate"),
        "2022": (dt.date(2023, 2, 20), "页面元数据 PubDate"),
        "2013": (
            dt.date(2014, 2, 25),
            "页面元数据 PubDate",
        ),  # read on the GBK page the old address refreshes to
    }
    assert pages[ATTACHMENT].kind == "file" and pages[ATTACHMENT].parent_id == pages[PAGES["2023"]].id
    versions = {v.source.removeprefix(portal.base): v for v in rows(library, s.versions)}
    assert set(versions) == {*PAGES.values(), ATTACHMENT}
    assert all(v.fetched_at is not None for v in versions.values())
    # the page's 发布时间 goes to the library too (the version's publication date, as audit's D2 reads it),
    # ahead of the date inside the attached PDF
    assert (versions[ATTACHMENT].published_on, versions[ATTACHMENT].published_on_from) == (
        dt.date(2024, 3, 8),
        "门户网站页面元数据 PubDate",
    )
    assert versions[PAGES["2022"]].published_on == dt.date(2023, 2, 20)
    # the 2022 page is a full report in the 2021 format; the attached PDF is read as what it is
    assert versions[PAGES["2022"]].status in ("ok", "errors") and versions[PAGES["2022"]].org_as_printed
    assert versions[ATTACHMENT].file_format == "pdf" and versions[ATTACHMENT].status in ("ok", "errors")
    # the 2024 page's tables are pictures: stored, named unreadable, nothing guessed
    image_only = versions[PAGES["2024"]]
    assert image_only.status == "unreadable" and "表格是图片（3 张）" in image_only.message
    assert image_only.report_id is None and not rows_of_values(library, image_only.id)
    # the 2013 report predates the 2021 format; the 2023 page holds only an introduction
    assert versions[PAGES["2013"]].status == versions[PAGES["2023"]].status == "unreadable"


def rows_of_values(library, version_id):
    return [r for r in rows(library, s.report_values) if r.version_id == version_id]


def test_the_run_is_polite(portal, library, tmp_path):
    run(portal, library, tmp_path)
    paths = portal.paths()
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    assert all(h.headers["user-agent"].startswith("xxgk/") for h in portal.log)
    assert all(
        b.at - a.at >= DELAY - 0.005 for a, b in itertools.pairwise(portal.log)
    )  # one at a time, spaced
    assert COLUMN + "index.htm" not in paths  # the folder is that page
    assert COLUMN + "201412/t20141216_80787.htm" not in paths  # a letter, not a report
    assert len(paths) == len(set(paths))  # nothing twice


def test_a_second_run_adds_nothing_and_asks_conditionally(portal, library, tmp_path):
    run(portal, library, tmp_path)
    before = len(rows(library, s.versions))
    first = len(portal.log)
    again = run(portal, library, tmp_path)
    assert again.count("unchanged") == 5 and again.count("new") == again.count("changed") == 0
    assert len(rows(library, s.versions)) == before
    second = portal.log[first:]
    pages = [h for h in second if h.path != "/robots.txt"]
    assert pages and all(h.headers.get("if-none-match") for h in pages)
    assert {h.status for h in pages} == {304}


def test_a_changed_page_gives_a_new_version_and_the_finding(portal, library, tmp_path):
    run(portal, library, tmp_path)
    text = (DATA / "published" / "pingtan-2022.html").read_text(encoding="utf-8")
    changed = text.replace("2022年，", "2022年度，", 1)
    assert changed != text
    portal.add(PAGES["2022"], Route(changed.encode("utf-8")))
    summary = run(portal, library, tmp_path)
    assert [e.url.removeprefix(portal.base) for e in summary.events if e.outcome == "changed"] == [
        PAGES["2022"]
    ]
    versions = [v for v in rows(library, s.versions) if v.source.endswith(PAGES["2022"])]
    assert [v.number for v in versions] == [1, 2]
    findings = [f for f in rows(library, s.findings) if f.version_id == versions[1].id]
    assert [f.rule for f in findings].count("发布后被修改") == 1
    assert pages_by_url(library, portal)[PAGES["2022"]].changes == 1
    assert_summaries_as_rebuilt(library)


def test_a_changed_unreadable_page_is_a_new_version_with_the_finding_too(portal, library, tmp_path):
    run(portal, library, tmp_path)
    page = (PORTAL / "zfxxgknb" / "t20250310_97791.htm").read_text(encoding="utf-8")
    portal.add(
        PAGES["2024"], Route(page.replace("W020250310553817800123", "W020250312000000000001").encode())
    )
    summary = run(portal, library, tmp_path)
    assert [e.url.removeprefix(portal.base) for e in summary.events if e.outcome == "changed"] == [
        PAGES["2024"]
    ]
    versions = [v for v in rows(library, s.versions) if v.source.endswith(PAGES["2024"])]
    assert len(versions) == 2 and all(v.status == "unreadable" for v in versions)
    (finding,) = [f for f in rows(library, s.findings) if f.version_id == versions[1].id]
    assert finding.rule == "发布后被修改" and "收集时不同" in finding.message
    assert versions[1].warnings == 1


def test_a_page_whose_markup_changes_but_not_its_article_adds_nothing(portal, library, tmp_path):
    run(portal, library, tmp_path)
    text = (DATA / "published" / "pingtan-2022.html").read_text(encoding="utf-8")
    portal.add(
        PAGES["2022"], Route(text.replace("</head>", "<!-- 访问量 12345 --></head>", 1).encode("utf-8"))
    )
    summary = run(portal, library, tmp_path)
    assert summary.count("changed") == 0 and summary.count("new") == 0


def test_a_stop_mid_run_resumes_where_it_stopped(portal, library, tmp_path):
    def stop_after_first(event):
        if event.outcome in ("new", "unreadable"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(portal, library, tmp_path, on_event=stop_after_first)
    fetched_before = [p for p in portal.paths() if p in PAGES.values()]
    assert fetched_before == [PAGES["2024"]]
    mark = len(portal.log)
    summary = run(portal, library, tmp_path)
    assert summary.resumed and summary.stopped == ""
    after = portal.paths()[mark:]
    assert PAGES["2024"] not in after and COLUMN not in after  # done in the stopped run: not asked again
    assert {PAGES["2023"], PAGES["2022"], PAGES["2013"]} <= set(after)
    assert len(rows(library, s.versions)) == 5
    assert [r.status for r in rows(library, s.collect_runs)] == ["done"]


def test_a_lost_network_stops_the_run_and_the_next_run_resumes(portal, library, tmp_path):
    port = portal.server.server_address[1]

    def network_goes(event):
        if event.outcome in ("new", "unreadable"):
            portal.stop()

    first = run(portal, library, tmp_path, on_event=network_goes)
    assert first.stopped == "网络连接中断（连续 3 个地址无法连接）" and first.count("failed") == 3
    back = Portal(port).start()
    try:
        pingtan_column(back)
        second = run(back, library, tmp_path)
    finally:
        back.stop()
    assert second.resumed and not second.stopped and second.count("failed") == 0
    assert PAGES["2024"] not in back.paths() and COLUMN not in back.paths()
    assert {PAGES["2023"], PAGES["2022"], PAGES["2013"]} <= set(back.paths())
    assert len(rows(library, s.versions)) == 5


def test_the_request_limit_stops_and_the_next_run_goes_on(portal, library, tmp_path):
    first = run(portal, library, tmp_path, max_requests=4)
    assert first.stopped and "--max-pages" in first.stopped and first.requests == 4
    second = run(portal, library, tmp_path)
    assert second.resumed and not second.stopped
    assert len(rows(library, s.versions)) == 5


def test_a_report_gone_from_its_column_is_recorded_not_deleted(portal, library, tmp_path):
    run(portal, library, tmp_path)
    page = (PORTAL / "zfxxgknb" / "index_1.htm").read_text(encoding="utf-8")
    row = re.search(r"<dl>\s*<dd[^>]*>\s*<a href=\"./201402/.*?</dl>", page, re.S)
    assert row is not None
    portal.add(COLUMN + "index_1.htm", Route(page.replace(row.group(0), "").encode("utf-8")))
    summary = run(portal, library, tmp_path)
    assert [e.url.removeprefix(portal.base) for e in summary.events if e.outcome == "gone"] == [PAGES["2013"]]
    gone = pages_by_url(library, portal)[PAGES["2013"]]
    assert gone.state == "gone" and gone.gone_since is not None
    assert any(v.source.endswith(PAGES["2013"]) for v in rows(library, s.versions))  # kept
    # listed again: back
    pingtan_column(portal)
    back = run(portal, library, tmp_path)
    assert back.count("gone") == 0 and pages_by_url(library, portal)[PAGES["2013"]].state == "ok"


def test_a_list_page_that_failed_before_a_stop_marks_nothing_gone_when_resumed(portal, library, tmp_path):
    run(portal, library, tmp_path)
    portal.add(COLUMN + "index_1.htm", Route(b"", status=404))
    stopped = run(portal, library, tmp_path, max_requests=4)  # robots, page 1, page 2 (404), one report
    assert stopped.stopped and stopped.count("failed") == 1
    resumed = run(portal, library, tmp_path)
    assert resumed.resumed and resumed.count("gone") == 0
    assert pages_by_url(library, portal)[PAGES["2013"]].state != "gone"


def test_since_leaves_older_reports_alone(portal, library, tmp_path):
    summary = run(portal, library, tmp_path, since=2023)
    assert PAGES["2022"] not in portal.paths() and PAGES["2013"] not in portal.paths()
    assert {e.url.removeprefix(portal.base) for e in summary.events} == {
        PAGES["2024"],
        PAGES["2023"],
        ATTACHMENT,
    }


BROKEN = """<html><head><meta charset="utf-8"></head><body><ul>
<li><a href="/c/404.htm">某某局2020年政府信息公开工作年度报告</a></li>
<li><a href="/c/busy.htm">某某局2021年政府信息公开工作年度报告</a></li>
<li><a href="/c/slow.htm">某某局2019年政府信息公开工作年度报告</a></li>
<li><a href="/c/loop.htm">某某局2018年政府信息公开工作年度报告</a></li>
<li><a href="/c/huge.htm">某某局2017年政府信息公开工作年度报告</a></li>
<li><a href="/c/att.htm">某某局2016年政府信息公开工作年度报告</a></li>
</ul></body></html>"""


def test_failures_are_recorded_and_the_run_goes_on(portal, library, tmp_path):
    portal.add("/c/", Route(BROKEN.encode("utf-8")))
    portal.add("/c/busy.htm", html(DATA / "published" / "pingtan-2022.html"))
    portal.routes["/c/busy.htm"].statuses = [503]
    portal.add("/c/slow.htm", Route(b"<html></html>", delay=1.0))
    portal.add("/c/loop.htm", Route(status=302, headers={"Location": "/c/loop.htm"}, etag=False))
    portal.add("/c/huge.htm", Route(b"<html>" + b"x" * (6 * 1024 * 1024)))
    portal.add(
        "/c/att.htm",
        Route('<html><body><p>附件：<a href="/c/2016.pdf">2016年报.pdf</a></p></body></html>'.encode()),
    )
    portal.add(
        "/c/2016.pdf",
        Route(b"<html><body>\xe6\x96\x87\xe4\xbb\xb6\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>"),
    )
    summary = collect(
        library,
        [Seed("某某局", portal.url("/c/"))],
        rules(timeout=0.3, backoff=(0.05,)),
        cache=tmp_path / "http.db",
    )
    failed = {e.url.removeprefix(portal.base): e.message for e in summary.events if e.outcome == "failed"}
    assert set(failed) == {"/c/404.htm", "/c/slow.htm", "/c/loop.htm", "/c/huge.htm", "/c/2016.pdf"}
    assert "返回的是网页，不是.pdf文件" in failed["/c/2016.pdf"]
    assert "404" in failed["/c/404.htm"] and "超时" in failed["/c/slow.htm"]
    assert "重定向" in failed["/c/loop.htm"] and "5 MiB" in failed["/c/huge.htm"]
    assert [h.status for h in portal.hits("/c/busy.htm")] == [503, 200]  # recovered after the back-off
    assert summary.count("new") == 1 and int(summary.exit_code) == 3
    assert len(portal.hits("/c/404.htm")) == 1 and len(portal.hits("/c/slow.htm")) == 2


def test_the_command(portal, tmp_path):
    database = tmp_path / "cli.db"
    args = ["library", "collect", portal.url(COLUMN), "--db", str(database), "--delay", "0.05"]
    args += ["--backoff", "0.05", "--cache", str(tmp_path / "http.db")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 3 and "--allow-private" in refused.output
    assert portal.log == []
    done = CliRunner().invoke(app, [*args, "--allow-private"])
    assert done.exit_code == 0, done.output
    assert "合计：新增 2，已修改 0，未变 0，无法读取 3，失败 0，已消失 0" in done.output
    assert (
        "新增：平潭综合实验区：平潭综合实验区2022年度政府信息公开工作年度报告"
        "（发布时间 2023-02-20，据页面元数据 PubDate）" in done.stderr
    )
    again = CliRunner().invoke(app, [*args, "--allow-private", "--json"])
    assert again.exit_code == 0
    totals = json.loads(again.stdout)["totals"]
    assert totals["unchanged"] == 5 and totals["new"] == 0
    dates = {e["title"]: e["published_on"] for e in json.loads(again.stdout)["events"]}
    assert dates["平潭综合实验区地方税务局2013年信息公开年度报告"] == "2014-02-25"


def test_the_command_with_a_seed_list_sums_up_by_organ(portal, tmp_path):
    seeds = tmp_path / "栏目.csv"
    seeds.write_bytes(
        f"机关,栏目网址\n平潭综合实验区,{portal.url(COLUMN)}\n某某县某某局,{portal.url('/nb/')}\n".encode(
            "gbk"
        )
    )
    args = ["library", "collect", "--from", str(seeds), "--db", str(tmp_path / "cli.db"), "--allow-private"]
    result = CliRunner().invoke(
        app, [*args, "--delay", "0.05", "--backoff", "0.05", "--cache", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 3  # the second column is not there: the run's own failure
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:3]}
    assert rows == {
        "平潭综合实验区": ["2", "0", "0", "3", "0", "0"],
        "某某县某某局": ["0", "0", "0", "0", "1", "0"],
    }
    assert "失败：某某县某某局：栏目页：" in result.stderr and "404" in result.stderr


def test_the_command_refuses_what_is_not_a_column(tmp_path):
    result = CliRunner().invoke(
        app, ["library", "collect", "ftp://example.gov.cn/", "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 2 and "不是 http:// 或 https:// 网址" in result.output
    result = CliRunner().invoke(app, ["library", "collect", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "--from" in result.output


def test_a_seed_list_in_gbk_with_a_header(tmp_path):
    seeds = tmp_path / "栏目.csv"
    seeds.write_bytes(
        "机关,栏目网址\n平潭综合实验区,https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/\n"
        "# 暂停\n某某县某某局, http://xxgk.example.gov.cn/nb/index.html\n".encode("gbk")
    )
    assert read_seeds(seeds) == [
        Seed("平潭综合实验区", "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"),
        Seed("某某县某某局", "http://xxgk.example.gov.cn/nb/index.html"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("机关,栏目网址\n某某局,www.example.gov.cn\n", encoding="utf-8")
    with pytest.raises(Exception, match="第 2 行没有栏目网址"):
        read_seeds(bad)
