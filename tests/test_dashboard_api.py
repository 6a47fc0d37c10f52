"""The evaluator's dashboard over HTTP (`xxgk serve --library`), on SQLite and a real PostgreSQL: who may
see what (login, region scope, roles), CSRF, the login throttle, the views' numbers, exports, and reviews
that persist across audits and versions."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES
from dashboard_support import PASSWORD, WRONG, WRONG_FIELD, make_library, report_files
from library_support import assert_summaries_as_rebuilt
from openpyxl import load_workbook
from sqlalchemy import create_engine, delete, insert, select, update
from typer.testing import CliRunner
from web_support import server_thread

from converter.cli import app as cli_app
from converter.library import db, schema
from converter.web.app import Settings

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def library(request, tmp_path) -> str:
    """A fresh library with the test organs, reports and accounts (dashboard_support)."""
    if request.param == "sqlite":
        url = str(tmp_path / "library.db")
    else:
        url = request.getfixturevalue("postgres_cluster").database()
    make_library(url, tmp_path)
    return db.database_url(url)


@contextmanager
def client(url: str, login: bool = True) -> Iterator[httpx.Client]:
    """A server of the library in a thread; a client keeping its cookies, with `.app` the server's app."""
    settings = Settings(workers=1, library=url, login=login)
    with server_thread(settings) as (base, app), httpx.Client(base_url=base, timeout=60) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


def log_in(http: httpx.Client, name: str, password: str = PASSWORD):
    token = http.get("/api/library/login-token").json()["token"]
    return http.post(
        "/api/library/login", data={"name": name, "password": password}, headers={"X-CSRF-Token": token}
    )


def session(http: httpx.Client, name: str) -> str:
    """Log in; the CSRF token of the session."""
    assert log_in(http, name).status_code == 200
    return http.get("/api/library/me").json()["csrf"]


def report_id(url: str, organ: str, year: int) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            select(schema.reports.c.id)
            .join(schema.organs, schema.organs.c.id == schema.reports.c.organ_id)
            .where(schema.organs.c.display_name == organ, schema.reports.c.year == year)
        ).scalar_one()
    engine.dispose()
    return found


def finding_of(http: httpx.Client, report: int, field: str, version: int | None = None) -> dict:
    query = f"?version={version}" if version else ""
    detail = http.get(f"/api/library/report/{report}{query}").json()
    return next(f for f in detail["findings"] if f["field"] == field and f["rule"] == "R0")


# --------------------------------------------------------------------------- login and sessions


def test_off_loopback_every_dashboard_page_and_api_needs_a_login(library):
    with client(library) as http:
        page = http.get("/dashboard", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"
        for path in (
            "/api/library/view/overview",
            "/api/library/choices",
            "/api/library/report/1",
            "/api/library/export/matrix.csv",
            "/api/library/me",
        ):
            answer = http.get(path)
            assert answer.status_code == 401, path
            assert answer.json()["message"] == "请先登录。"
        assert http.get("/").status_code == 200  # the clerk's page stays as it is
        assert "报告库看板 · 登录" in http.get("/login").text


def test_a_session_cookie_is_httponly_and_samesite_and_logout_ends_it(library):
    with client(library) as http:
        answer = log_in(http, "省评估员")
        assert answer.status_code == 200 and answer.json()["user"]["role"] == "admin"
        cookie = answer.headers["set-cookie"]
        assert "xxgk_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        csrf = http.get("/api/library/me").json()["csrf"]
        assert http.get("/api/library/view/overview").status_code == 200
        assert http.post("/api/library/logout").status_code == 403  # no CSRF token
        assert http.post("/api/library/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert http.get("/api/library/view/overview").status_code == 401


def test_a_wrong_password_or_unknown_name_is_one_message(library):
    with client(library) as http:
        wrong = log_in(http, "省评估员", "not the password")
        unknown = log_in(http, "没有这个人", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["message"] == unknown.json()["message"] == "用户名或密码不正确。"
        assert "set-cookie" not in wrong.headers or "xxgk_session" not in wrong.headers["set-cookie"]


def test_login_itself_needs_its_form_token(library):
    with client(library) as http:
        bare = http.post("/api/library/login", data={"name": "省评估员", "password": PASSWORD})
        assert bare.status_code == 403 and bare.json()["reason"] == "csrf"
        http.get("/api/library/login-token")
        forged = http.post(
            "/api/library/login",
            data={"name": "省评估员", "password": PASSWORD},
            headers={"X-CSRF-Token": "guessed"},
        )
        assert forged.status_code == 403


def test_five_wrong_passwords_slow_the_next_attempts_down(library):
    with client(library) as http:
        now = [1000.0]
        http.app.state.library.throttle.clock = lambda: now[0]
        for _ in range(5):
            assert log_in(http, "淮安审核", "wrong password").status_code == 401
        slowed = log_in(http, "淮安审核")  # even the right password waits now
        assert slowed.status_code == 429
        assert int(slowed.headers["retry-after"]) >= 1
        assert "秒后再试" in slowed.json()["message"]
        now[0] += 3  # past the first pause: heard again; one more failure doubles the pause
        assert log_in(http, "淮安审核", "wrong again").status_code == 401
        now[0] += 3
        assert log_in(http, "淮安审核").status_code == 429
        now[0] += 2
        assert log_in(http, "淮安审核").status_code == 200


def test_on_loopback_the_local_user_needs_no_login_but_posts_need_the_token(library):
    with client(library, login=False) as http:
        me = http.get("/api/library/me").json()
        assert me["user"]["name"] == "本机用户" and me["may_review"] and me["login"] is False
        assert http.get("/dashboard").status_code == 200
        assert http.get("/login", follow_redirects=False).headers["location"] == "/dashboard"
        finding = finding_of(http, report_id(library, *WRONG), WRONG_FIELD)
        fields = {"finding": finding["id"], "action": "confirmed"}
        assert http.post("/api/library/review", data=fields).status_code == 403  # a page elsewhere
        done = http.post("/api/library/review", data=fields, headers={"X-CSRF-Token": me["csrf"]})
        assert done.status_code == 200 and done.json()["by"] == "本机用户"


# --------------------------------------------------------------------------- roles and regions


def test_a_viewer_cannot_post_a_review(library):
    with client(library) as http:
        csrf = session(http, "洪泽查看")
        assert http.get("/api/library/me").json()["may_review"] is False
        finding = finding_of(http, report_id(library, *WRONG), WRONG_FIELD)
        refused = http.post(
            "/api/library/review",
            data={"finding": finding["id"], "action": "dismissed", "note": "不是问题"},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 403 and refused.json()["reason"] == "role"
        assert finding_of(http, report_id(library, *WRONG), WRONG_FIELD)["history"] == []


def test_a_county_user_gets_404_for_another_countys_report(library):
    other = report_id(library, "涟水县财政局", 2024)
    own = report_id(library, "洪泽区教育局", 2024)
    with client(library) as http:
        session(http, "洪泽查看")
        assert http.get(f"/api/library/report/{own}").status_code == 200
        for path in (f"/api/library/report/{other}", f"/api/library/report/{other}?version=1"):
            assert http.get(path).status_code == 404
        engine = create_engine(library)
        with engine.connect() as conn:
            organ = conn.execute(
                select(schema.reports.c.organ_id, schema.reports.c.latest_version_id).where(
                    schema.reports.c.id == other
                )
            ).one()
        engine.dispose()
        assert http.get(f"/api/library/organ/{organ.organ_id}").status_code == 404
        assert http.get(f"/api/library/original/{organ.latest_version_id}").status_code == 404


def test_a_county_reviewer_cannot_review_another_countys_finding(library):
    with client(library) as http:
        admin_finding = None
        session(http, "省评估员")
        admin_finding = finding_of(http, report_id(library, *WRONG), WRONG_FIELD)
    with client(library) as http:
        csrf = session(http, "涟水审核")
        answer = http.post(
            "/api/library/review",
            data={"finding": admin_finding["id"], "action": "confirmed"},
            headers={"X-CSRF-Token": csrf},
        )
        assert answer.status_code == 404


def rows_of_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_scoped_users_overview_counts_and_exports_exclude_other_regions(library):
    with client(library) as http:
        session(http, "省评估员")
        everyone = http.get("/api/library/view/overview").json()
        everyone_matrix = rows_of_csv(http.get("/api/library/export/matrix.csv").content)
    with client(library) as http:
        session(http, "洪泽查看")
        overview = http.get("/api/library/view/overview").json()
        assert [row[:3] for row in overview["rows"]] == [[2022, 1, 1], [2023, 2, 0], [2024, 2, 0]]
        assert overview["organs"] == 2
        assert [row[1] for row in everyone["rows"]] == [3, 5, 5] and everyone["organs"] == 7
        choices = http.get("/api/library/choices").json()
        assert choices["regions"] == ["江苏省/淮安市/洪泽区"]
        # asking for another region does not widen the view: it narrows to nothing
        other = http.get("/api/library/view/overview", params={"region": "江苏省/淮安市/涟水县"}).json()
        assert other["rows"] == []
        for name in ("overview", "matrix", "ranking", "trends", "heatmap"):
            for suffix in ("csv", "xlsx"):
                answer = http.get(f"/api/library/export/{name}.{suffix}")
                assert answer.status_code == 200, (name, suffix)
                text = _export_text(answer.content, suffix)
                assert "涟水" not in text and "襄城" not in text and "湖北" not in text, (name, suffix)
        matrix = rows_of_csv(http.get("/api/library/export/matrix.csv").content)
        assert [r[0] for r in matrix[3:]] == ["洪泽区教育局", "洪泽区高良涧街道办事处"]
        assert "账号可见范围：江苏省/淮安市/洪泽区" in matrix[1][0]
        assert len(everyone_matrix) == 3 + 7


def _export_text(content: bytes, suffix: str) -> str:
    if suffix == "csv":
        return content.decode("utf-8-sig")
    wb = load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)


# --------------------------------------------------------------------------- the views


def test_the_views_filter_by_year_region_type_and_rule(library):
    with client(library, login=False) as http:
        matrix = http.get("/api/library/view/matrix").json()
        assert matrix["columns"][3:] == ["2022年", "2023年", "2024年"]
        silent = next(r for r in matrix["rows"] if r[0] == "涟水县水利局")
        assert silent[3:] == ["缺报", "缺报", "缺报"]  # a directory organ without reports is shown
        wrong = next(r for r in matrix["rows"] if r[0] == WRONG[0])
        assert wrong[5].startswith("有错误")
        by_year = http.get("/api/library/view/matrix", params={"year": 2024}).json()
        assert by_year["columns"][3:] == ["2024年"]
        towns = http.get("/api/library/view/matrix", params={"organ_type": "乡镇街道"}).json()
        assert [r[0] for r in towns["rows"]] == ["洪泽区高良涧街道办事处"]
        r0 = http.get("/api/library/view/matrix", params={"rule": "R0"}).json()
        assert [r[0] for r in r0["rows"]] == [WRONG[0]]
        hubei = http.get("/api/library/view/overview", params={"region": "湖北省"}).json()
        assert sum(r[1] for r in hubei["rows"]) == 4
        top = http.get("/api/library/view/overview").json()["rules"]
        assert "R0" in [r["rule"] for r in top]


def test_ranking_lists_units_with_too_few_reports_apart(library):
    with client(library, login=False) as http:
        regions = http.get("/api/library/view/ranking").json()
        assert regions["rows"][0][:2] == [1, "江苏省"]
        assert regions["rows"][-1][:4] == ["样本不足", "湖北省", "", 4]
        organs = http.get("/api/library/view/ranking", params={"by": "organ"}).json()
        ranked = [r for r in organs["rows"] if r[0] != "样本不足"]
        apart = [r for r in organs["rows"] if r[0] == "样本不足"]
        assert all(r[3] >= 3 for r in ranked) and all(r[3] < 3 for r in apart)
        assert {r[1] for r in apart} >= {"涟水县人民政府", "襄城区交通运输局"}
        assert [r[4] for r in ranked] == sorted((r[4] for r in ranked), reverse=True)


def test_trends_sum_the_figures_per_year_and_per_region(library):
    with client(library, login=False) as http:
        data = http.get("/api/library/view/trends", params={"region": "江苏省/淮安市"}).json()
        assert data["columns"] == [
            "地区",
            "年度",
            "新收申请",
            "办结（办理结果总计）",
            "行政复议",
            "行政诉讼",
            "公开率（%）",
        ]
        totals = {r[1]: r for r in data["rows"] if r[0] == "合计"}
        counties = [r for r in data["rows"] if r[0] != "合计"]
        for year, total in totals.items():
            parts = [r for r in counties if r[1] == year and r[2] is not None]
            assert total[2] == sum(r[2] for r in parts)
        assert {r[0] for r in counties} == {"江苏省/淮安市/洪泽区", "江苏省/淮安市/涟水县"}
        assert data["chart"]["x"] == ["2022", "2023", "2024"]
        assert [s["name"] for s in data["chart"]["series"]][-1] == "公开率（%）"


def test_heatmap_is_regions_by_years(library):
    with client(library, login=False) as http:
        data = http.get("/api/library/view/heatmap", params={"region": "江苏省/淮安市"}).json()
        assert [r[0] for r in data["rows"]] == ["江苏省/淮安市/洪泽区", "江苏省/淮安市/涟水县"]
        assert data["chart"]["y"] == ["洪泽区", "涟水县"]


def test_exported_text_is_never_a_formula(library, tmp_path):
    data = json.loads(report_files(tmp_path / "one")[0].read_text("utf-8"))
    data["info"]["org"] = '=HYPERLINK("http://example.invalid","点我")局'
    path = tmp_path / "formula.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(cli_app, ["library", "add", "-q", "--db", library, str(path)]).exit_code == 0
    with client(library, login=False) as http:
        wb = load_workbook(io.BytesIO(http.get("/api/library/export/matrix.xlsx").content))
        cells = [c for row in wb.active.iter_rows() for c in row if str(c.value or "").startswith("=")]
        assert cells and all(c.data_type == "s" for c in cells)
        rows = rows_of_csv(http.get("/api/library/export/matrix.csv").content)
        assert any(r[0].startswith("'=HYPERLINK") for r in rows)
        assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


# --------------------------------------------------------------------------- reviews


def review(http: httpx.Client, csrf: str, finding: int, action: str, note: str = ""):
    return http.post(
        "/api/library/review",
        data={"finding": finding, "action": action, "note": note},
        headers={"X-CSRF-Token": csrf},
    )


def test_a_dismissal_needs_a_reason_and_is_left_out_of_counts_unless_asked(library):
    report = report_id(library, *WRONG)
    with client(library) as http:
        csrf = session(http, "淮安审核")
        finding = finding_of(http, report, WRONG_FIELD)
        bare = review(http, csrf, finding["id"], "dismissed")
        assert bare.status_code == 400 and "理由" in bare.json()["message"]
        before = http.get("/api/library/view/matrix", params={"rule": "R0"}).json()["rows"]
        assert review(http, csrf, finding["id"], "confirmed", "请改正").status_code == 200
        assert review(http, csrf, finding["id"], "dismissed", "复核后确认数字无误").status_code == 200
        detail = http.get(f"/api/library/report/{report}").json()
        shown = next(f for f in detail["findings"] if f["id"] == finding["id"])
        assert shown["state"] == "dismissed" and shown["state_name"] == "已排除"
        assert [(h["action"], h["by"], h["note"]) for h in shown["history"]] == [
            ("confirmed", "淮安审核", "请改正"),
            ("dismissed", "淮安审核", "复核后确认数字无误"),
        ]
        assert detail["counts"]["open_errors"] == detail["counts"]["errors"] - 1
        # the rule filter and the counts leave it out unless dismissed findings are counted too
        assert before and http.get("/api/library/view/matrix", params={"rule": "R0"}).json()["rows"] == []
        with_dismissed = http.get("/api/library/view/matrix", params={"rule": "R0", "dismissed": 1}).json()
        assert with_dismissed["rows"] == before
        top = {r["rule"]: r["findings"] for r in http.get("/api/library/view/overview").json()["rules"]}
        top_all = {
            r["rule"]: r["findings"]
            for r in http.get("/api/library/view/overview", params={"dismissed": 1}).json()["rules"]
        }
        assert top.get("R0", 0) == top_all["R0"] - 1
    assert_summaries_as_rebuilt(library)


def test_a_dismissal_stays_when_the_same_version_is_audited_again(library):
    report = report_id(library, *WRONG)
    with client(library) as http:
        csrf = session(http, "省评估员")
        finding = finding_of(http, report, WRONG_FIELD)
        assert review(http, csrf, finding["id"], "dismissed", "已核实").status_code == 200
    engine = create_engine(library)  # audited again: the version's findings stored anew, new row ids
    with engine.begin() as conn:
        f, rv = schema.findings, schema.reviews
        version = finding_version(conn, finding["id"])
        rows = [dict(r._mapping) for r in conn.execute(select(f).where(f.c.version_id == version))]
        ids = [r["id"] for r in rows]
        conn.execute(update(rv).where(rv.c.finding_id.in_(ids)).values(finding_id=None))  # rows detached
        conn.execute(delete(f).where(f.c.id.in_(ids)))
        conn.execute(insert(f), [{k: v for k, v in r.items() if k != "id"} for r in rows])
    engine.dispose()
    with client(library) as http:
        session(http, "省评估员")
        again = finding_of(http, report, WRONG_FIELD)
        assert again["id"] != finding["id"]
        assert again["state"] == "dismissed" and again["history"][0]["note"] == "已核实"


def finding_version(conn, finding: int) -> int:
    return conn.execute(
        select(schema.findings.c.version_id).where(schema.findings.c.id == finding)
    ).scalar_one()


def new_version(library: str, folder: Path, fixed: bool) -> None:
    """Another file of the same organ and year: still wrong, or corrected."""
    source = next(p for p in report_files(folder) if p.name == f"{WRONG[0]}-{WRONG[1]}.json")
    data = json.loads(source.read_text("utf-8"))
    data["sections"]["overview"][0]["body"] += "（修订）" if not fixed else "（更正）"
    if fixed:
        data["values"][WRONG_FIELD] -= 1
    path = folder / f"v-{'fixed' if fixed else 'same'}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = runner.invoke(cli_app, ["library", "add", "-q", "--db", library, str(path)])
    assert done.exit_code == 0, done.output


def test_a_dismissed_finding_comes_back_in_a_new_version_that_still_shows_it(library, tmp_path):
    report = report_id(library, *WRONG)
    with client(library) as http:
        csrf = session(http, "淮安审核")
        first = finding_of(http, report, WRONG_FIELD)
        assert review(http, csrf, first["id"], "dismissed", "口径不同").status_code == 200
    new_version(library, tmp_path / "v2", fixed=False)
    with client(library) as http:
        session(http, "淮安审核")
        detail = http.get(f"/api/library/report/{report}").json()
        assert detail["version"]["number"] == 2 and len(detail["versions"]) == 2
        back = finding_of(http, report, WRONG_FIELD)
        assert back["state"] == "open" and back["again"] is True
        assert [(h["version"], h["action"]) for h in back["history"]] == [(1, "dismissed")]
        old = finding_of(http, report, WRONG_FIELD, version=1)
        assert old["state"] == "dismissed"  # the first version's decision is kept for that version
    assert_summaries_as_rebuilt(library)


def test_rectified_then_a_corrected_version_shows_where_it_went(library, tmp_path):
    report = report_id(library, *WRONG)
    with client(library) as http:
        csrf = session(http, "淮安审核")
        first = finding_of(http, report, WRONG_FIELD)
        assert review(http, csrf, first["id"], "rectified", "已通知改正").status_code == 200
    new_version(library, tmp_path / "v2", fixed=True)
    with client(library) as http:
        session(http, "淮安审核")
        latest = http.get(f"/api/library/report/{report}").json()
        assert not [f for f in latest["findings"] if f["field"] == WRONG_FIELD and f["rule"] == "R0"]
        old = finding_of(http, report, WRONG_FIELD, version=1)
        assert old["state"] == "rectified" and old["rectified_in"] == 2
    assert_summaries_as_rebuilt(library)


# --------------------------------------------------------------------------- accounts on the command line


def test_user_add_refuses_a_bad_role_or_short_password(tmp_path):
    url = str(tmp_path / "l.db")
    base = ["library", "user", "add", "某人", "--password-stdin", "--db", url]
    bad_role = runner.invoke(cli_app, [*base, "--role", "boss"], input="long enough\n")
    assert bad_role.exit_code == 2 and "viewer / reviewer / admin" in bad_role.output
    short = runner.invoke(cli_app, [*base, "--role", "viewer"], input="short\n")
    assert short.exit_code == 2 and "至少 8 个字符" in short.output
    ok = runner.invoke(
        cli_app, [*base, "--role", "viewer", "--region", "江苏省／淮安市"], input="long enough\n"
    )
    assert ok.exit_code == 0 and "只看 江苏省/淮安市" in ok.output
    listed = runner.invoke(cli_app, ["library", "user", "list", "--db", url])
    assert "某人\t查看\t江苏省/淮安市" in listed.output


def test_passwords_are_stored_as_argon2_hashes(library):
    engine = create_engine(library)
    with engine.connect() as conn:
        hashes = conn.execute(select(schema.users.c.password_hash)).scalars().all()
    engine.dispose()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_serving_off_loopback_without_accounts_is_refused(tmp_path):
    from converter.web.server import ServeError, serve

    with pytest.raises(ServeError, match="还没有账号"):
        serve("0.0.0.0", 1, library=db.database_url(str(tmp_path / "empty.db")))


def test_a_view_answered_before_shows_a_report_added_since(library, tmp_path):
    with client(library, login=False) as http:
        before = http.get("/api/library/view/overview").json()["rows"]
        assert http.get("/api/library/view/overview").json()["rows"] == before  # answered again
        data = json.loads(report_files(tmp_path / "one")[0].read_text("utf-8"))
        data["info"].update(org="洪泽区新设局", year=2024)
        path = tmp_path / "new.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert runner.invoke(cli_app, ["library", "add", "-q", "--db", library, str(path)]).exit_code == 0
        after = http.get("/api/library/view/overview").json()["rows"]
        assert after[-1][1] == before[-1][1] + 1


def test_a_view_answered_before_shows_an_organ_the_directory_moved(library, tmp_path):
    silent = "涟水县水利局"  # in the directory, no report: only the organs table changes
    with client(library, login=False) as http:

        def region() -> str:
            rows = http.get("/api/library/view/matrix").json()["rows"]
            return next(row[1] for row in rows if row[0] == silent)

        assert region() == "江苏省/淮安市/涟水县"
        assert region() == "江苏省/淮安市/涟水县"  # answered again, from the cache
        directory = tmp_path / "机关名录.csv"
        directory.write_text(
            f"机关全称,上级地区,机关类型,别名\n{silent},江苏省/淮安市/洪泽区,,\n", encoding="utf-8"
        )
        done = runner.invoke(cli_app, ["library", "organs", "--import", str(directory), "--db", library])
        assert done.exit_code == 0, done.output
        assert region() == "江苏省/淮安市/洪泽区"


def test_the_stored_original_is_served_only_while_unchanged(library, tmp_path):
    engine = create_engine(library)
    with engine.connect() as conn:
        version, source = conn.execute(
            select(schema.versions.c.id, schema.versions.c.source).where(
                schema.versions.c.report_id == report_id(library, *WRONG)
            )
        ).one()
    engine.dispose()
    with client(library, login=False) as http:
        answer = http.get(f"/api/library/original/{version}")
        assert answer.status_code == 200 and answer.content == Path(source).read_bytes()
        assert "filename*=UTF-8''" in answer.headers["content-disposition"]
        Path(source).write_text("{}", encoding="utf-8")
        changed = http.get(f"/api/library/original/{version}")
        assert changed.status_code == 409 and "已被修改" in changed.json()["message"]
        Path(source).unlink()
        assert http.get(f"/api/library/original/{version}").status_code == 404


def test_a_copying_finding_quotes_the_repeated_passages(library):
    base = json.loads((SAMPLES / "huaian-2024.json").read_text("utf-8"))
    text = "".join(p["body"] for rows in base["sections"].values() for p in rows)
    report = report_id(library, "洪泽区教育局", 2023)  # its 2022 report has the same prose
    with client(library) as http:
        session(http, "省评估员")
        detail = http.get(f"/api/library/report/{report}").json()
    copied = [f for f in detail["findings"] if f["rule"] == "P1"]
    assert copied and all(f["quote"] for f in copied)
    for finding in copied:  # passages both years print, not the message again
        quote = finding["quote"]
        assert quote != finding["message"]
        assert any(quote[i : i + 30] in text for i in range(len(quote) - 30))
