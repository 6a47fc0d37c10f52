"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against `xxgk serve
--library` with login on (as off loopback). Under CI=true a missing browser is a failure, not a skip.

XXGK_DASHBOARD_SCREENSHOTS=folder saves every view at desktop and phone width (390 px).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from dashboard_support import PASSWORD, WRONG, make_library
from openpyxl import load_workbook
from web_support import server_thread

from converter.library import db
from converter.web.app import Settings

try:
    from playwright import sync_api as playwright_api
except ImportError:  # pragma: no cover - the test extra installs it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright not installed", allow_module_level=True)

VIEWS = {
    "overview": "总览：各年度报告数",
    "matrix": "机关 × 年度",
    "ranking": "排名：按地区平均得分",
    "trends": "趋势：新收、办结、复议、诉讼和公开率",
    "heatmap": "地区热力图",
}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI=true (scripts/setup.sh installs it)")
        pytest.skip("chromium not installed")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    url = db.database_url(str(folder / "library.db"))
    make_library(url, folder)
    with server_thread(Settings(workers=1, library=url, login=True)) as (address, _app):
        yield address


def new_page(chromium, base, viewport=None):
    context = chromium.new_context(
        accept_downloads=True, locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    return context, page


@pytest.fixture
def browse(chromium, base):
    """browse(viewport=None) -> a fresh page; afterwards: no request left the server, no script error
    or CSP violation (failed requests answered 4xx by the server are expected in some tests)."""
    made = []

    def make(viewport=None):
        context, page = new_page(chromium, base, viewport)
        made.append((context, page))
        return page

    yield make
    expected = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
    for context, page in made:
        context.close()
        strangers = [u for u in page.requests if not (u.startswith(base + "/") or u.startswith("blob:"))]
        assert strangers == []
        assert [e for e in page.errors if not expected.match(e)] == []


def log_in(page, base, name, password=PASSWORD):
    page.goto(base + "/dashboard")
    page.wait_for_url(base + "/login")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("#login button[type=submit]")
    if password == PASSWORD:
        page.wait_for_url(re.compile(r".*/dashboard"))
        wait_ready(page)


def wait_ready(page):
    page.wait_for_selector("body[data-ready=true]")


def go(page, route):
    page.evaluate("document.body.dataset.ready = 'false'")
    page.evaluate("route => { location.hash = route }", route)
    wait_ready(page)


def act(page, action, *args):
    """Do what changes the view (a click, a choice) and wait until the new view is drawn."""
    page.evaluate("document.body.dataset.ready = 'false'")
    getattr(page, action)(*args)
    wait_ready(page)


def table(page, selector="#content table.view") -> list[list[str]]:
    return page.eval_on_selector(
        selector, "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def shoot(page, name):
    folder = os.environ.get("XXGK_DASHBOARD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


# --------------------------------------------------------------------------- login, views, filters


def test_a_wrong_password_is_told_and_the_right_one_opens_the_dashboard(browse, base):
    page = browse()
    log_in(page, base, "省评估员", "wrong password")
    page.wait_for_selector("#login-status.bad")
    assert page.inner_text("#login-status") == "用户名或密码不正确。"
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard"))
    wait_ready(page)
    assert page.inner_text("#who") == "省评估员（管理员）"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_each_view_has_its_title_chart_and_table_and_follows_the_filters(browse, base, viewport):
    page = browse(viewport)
    log_in(page, base, "省评估员")
    for name, title in VIEWS.items():
        act(page, "click", f".tabs a[data-view={name}]")
        assert page.evaluate("location.hash").startswith(f"#/{name}")
        assert page.inner_text("#content h2").startswith(title)
        if name != "matrix":  # the matrix is a coloured grid, the others have charts
            assert page.locator("#content .chart canvas").count() >= 1
        assert table(page)
        shoot(page, name)
        if viewport is PHONE:  # the page does not scroll sideways; wide tables scroll in their box
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            for box in page.locator("#content .chart").all():
                assert box.bounding_box()["width"] <= PHONE["width"]
    go(page, "#/matrix")
    assert [r[0] for r in table(page)][:3] == ["洪泽区教育局", "洪泽区高良涧街道办事处", "涟水县人民政府"]
    assert table(page)[3][3:] == ["缺报", "缺报", "缺报"]  # 涟水县水利局: in the directory, no report
    act(page, "select_option", "select[name=year]", "2024")
    assert "year=2024" in page.evaluate("location.hash")
    assert page.inner_text("#content table.view thead").split() == ["机关", "上级地区", "机关类型", "2024年"]
    act(page, "select_option", "select[name=organ_type]", "乡镇街道")
    assert [r[0] for r in table(page)] == ["洪泽区高良涧街道办事处"]
    act(page, "select_option", "select[name=organ_type]", "")
    act(page, "select_option", "select[name=year]", "")
    act(page, "select_option", "select[name=rule]", "R0")
    assert "rule=R0" in page.evaluate("location.hash") and "year=" not in page.evaluate("location.hash")
    assert [r[0] for r in table(page)] == [WRONG[0]]
    act(page, "select_option", "select[name=region]", "湖北省")
    assert page.inner_text("#content .status") == "没有符合筛选条件的报告。"


def test_chart_numbers_show_on_hover(browse, base):
    page = browse()
    log_in(page, base, "省评估员")
    go(page, "#/trends")
    box = page.locator("#content .chart").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 60, box["y"] + box["height"] / 2)
    tip = page.locator(".chart-tip").first
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "2024" in text and "新收申请：" in text and "公开率（%）：" in text
    shown = table(page)
    total_2024 = next(r for r in shown if r[0] == "合计" and r[1] == "2024")
    assert f"新收申请：{total_2024[2]}" in text  # the same number as the table


def test_ranking_sets_apart_units_with_too_few_reports(browse, base):
    page = browse()
    log_in(page, base, "省评估员")
    go(page, "#/ranking")
    rows = table(page)
    assert rows[0][:2] == ["1", "江苏省"] and rows[-1][:2] == ["样本不足", "湖北省"]
    assert "apart" in page.locator("#content table.view tbody tr").last.get_attribute("class")


# --------------------------------------------------------------------------- drill-down and review


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_drill_down_from_the_matrix_to_a_quoted_passage_and_a_drawn_cell(browse, base, viewport):
    page = browse(viewport)
    log_in(page, base, "省评估员")
    go(page, "#/matrix")
    act(page, "click", f"#content table.view a:text-is('{WRONG[0]}')")
    assert page.inner_text("#content h2") == f"{WRONG[0]}：历年报告"
    shoot(page, "organ")
    act(page, "click", "#content table.view a:text-is('2022')")
    quoted = page.locator(".finding:has(h3:text('R5')) blockquote").first
    assert "定期对政府信息公开申请集中的领域和热点问题进行研判" in quoted.inner_text()
    go(page, "#/organ?id=1")
    act(page, "click", f"#content table.view a:text-is('{WRONG[1]}')")
    assert page.inner_text("#content h2") == f"{WRONG[0]} {WRONG[1]} 年度报告（第 1 版）"
    copied = page.locator(".finding:has(h3:text('P1'))")  # the same prose as last year: its passages
    places = copied.locator(".where").all_inner_texts()
    assert any("五、存在的主要问题及改进情况" in p for p in places) and not any("NaN" in p for p in places)
    assert copied.first.locator("blockquote").inner_text().strip()
    card = page.locator(".finding:has(h3:text('R0'))")
    card.locator("button.to-cell").click()
    cell = page.locator("#ur-applications-carried_forward-natural_person")
    assert "flag" in cell.get_attribute("class") and "error" in cell.get_attribute("class")
    assert page.evaluate("document.activeElement.id") == "ur-applications-carried_forward-natural_person"
    assert "四、结转下年度继续办理" in card.locator(".where").inner_text()
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link = page.locator("#content a:text('下载入库的原始文件')")
    assert link.get_attribute("href").startswith("/api/library/original/")
    shoot(page, "report")


def test_confirm_and_dismiss_persist_after_reload(browse, base):
    page = browse()
    log_in(page, base, "淮安审核")
    go(page, "#/organ?id=1")
    act(page, "click", f"#content table.view a:text-is('{WRONG[1]}')")
    r0 = ".finding:has(h3:text('R0'))"
    r2 = ".finding:has(h3:text('R2'))"
    page.click(f"{r0} button[data-action=confirmed]")
    page.wait_for_selector(f"{r0} .state.confirmed")
    page.click(f"{r2} button[data-action=dismissed]")
    assert page.inner_text(f"{r2} .review-form .status") == "排除须写明理由。"
    page.fill(f"{r2} input[name=note]", "复核：口径不同，不是错误")
    page.click(f"{r2} button[data-action=dismissed]")
    page.wait_for_selector(f"{r2} .state.dismissed")
    page.reload()
    wait_ready(page)
    assert page.inner_text(f"{r0} .state") == "已确认"
    assert page.inner_text(f"{r2} .state") == "已排除"
    page.click(f"{r2} details.history-box summary")
    history = page.inner_text(f"{r2} .history")
    assert "第 1 版：已排除，淮安审核" in history and "理由：复核：口径不同，不是错误" in history
    assert "（未排除 " in page.inner_text("#content .counts")


def test_a_scoped_viewer_sees_only_their_county_and_cannot_review(browse, base):
    page = browse()
    log_in(page, base, "洪泽查看")
    assert page.inner_text("#who") == "洪泽查看（查看，只看 江苏省/淮安市/洪泽区）"
    options = page.eval_on_selector_all("select[name=region] option", "os => os.map(o => o.value)")
    assert options == ["", "江苏省/淮安市/洪泽区"]
    go(page, "#/matrix")
    assert [r[0] for r in table(page)] == ["洪泽区教育局", "洪泽区高良涧街道办事处"]
    go(page, "#/organ?id=1")
    act(page, "click", f"#content table.view a:text-is('{WRONG[1]}')")
    assert page.locator(".finding").count() > 0 and page.locator(".review-form").count() == 0
    answer = page.evaluate(
        """async () => {
            const me = await (await fetch('/api/library/me')).json();
            const form = new FormData();
            form.append('finding', '1'); form.append('action', 'confirmed');
            const bare = await fetch('/api/library/review', {method: 'POST', body: form});
            const withToken = await fetch('/api/library/review',
                {method: 'POST', body: form, headers: {'X-CSRF-Token': me.csrf}});
            return [bare.status, withToken.status];
        }"""
    )
    assert answer == [403, 403]
    go(page, "#/report?id=7")  # a report of 涟水县
    assert "不在您的账号可查看的地区范围内" in page.inner_text("#content .status")


def test_export_downloads_what_the_view_shows(browse, base, tmp_path):
    page = browse()
    log_in(page, base, "洪泽查看")
    go(page, "#/matrix?year=2024")
    with page.expect_download() as info:
        page.click("#content a:text('导出 Excel（.xlsx）')")
    download = info.value
    assert download.suggested_filename == "机关年度矩阵.xlsx"
    path = tmp_path / "m.xlsx"
    download.save_as(path)
    ws = load_workbook(io.BytesIO(path.read_bytes())).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0].startswith("机关 × 年度")
    assert rows[2] == ["机关", "上级地区", "机关类型", "2024年"]
    assert [r[0] for r in rows[3:]] == [r[0] for r in table(page)]
    with page.expect_download() as info:
        page.click("#content a:text('导出 CSV')")
    assert info.value.suggested_filename == "机关年度矩阵.csv"
