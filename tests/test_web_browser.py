"""The page of `xxgk serve` in a real browser: Debian's Chromium driven by Playwright.

The server is `python -m converter serve` on a free port of 127.0.0.1. Under CI=true a missing browser
is a failure, not a skip. XXGK_WEB_SCREENSHOT=path saves the screenshot of a page with findings.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx_text import docx_text
from web_support import (
    HUAIAN,
    OUMIAO,
    WRONG_CELL,
    WRONG_FIELD,
    docx_renamed,
    empty_file,
    server_process,
    wrong_workbook,
    zip_bomb,
)

from converter.app import pipeline
from converter.web.tables import format_description

try:
    from playwright import sync_api as playwright_api
except ImportError:  # pragma: no cover - the test extra installs it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright not installed", allow_module_level=True)


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
def base():
    with server_process() as url:
        yield url


@pytest.fixture
def page(chromium, base):
    """A fresh page; every request it makes is recorded, and must go to the server only."""
    context = chromium.new_context(
        accept_downloads=True, locale="zh-CN", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    expected = re.compile(r"Failed to load resource: the server responded with a status of (4\d\d|503)")
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()
    strangers = [url for url in page.requests if not (url.startswith(base + "/") or url.startswith("blob:"))]
    assert strangers == []
    assert [e for e in page.errors if not expected.match(e)] == []  # no script error, no CSP violation


def drop(page, *paths: Path) -> None:
    """Drop files on the drop zone, as a clerk drags them from Explorer."""
    files = [
        {"name": p.name, "data": list(p.read_bytes()), "type": "application/octet-stream"} for p in paths
    ]
    page.evaluate(
        """files => {
            const transfer = new DataTransfer();
            for (const f of files) {
                transfer.items.add(new File([new Uint8Array(f.data)], f.name, {type: f.type}));
            }
            const event = new DragEvent('drop', {dataTransfer: transfer, bubbles: true});
            document.getElementById('drop').dispatchEvent(event);
        }""",
        files,
    )


def choose(page, *paths: Path) -> None:
    page.set_input_files("#files", [str(p) for p in paths])


def wait_checked(page) -> None:
    page.wait_for_selector("#check-status.ok, #check-status.bad", timeout=60_000)


def finding_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        ".findings tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def test_sample_shows_two_warnings_and_downloads_the_cli_report(page, tmp_path):
    drop(page, HUAIAN)
    wait_checked(page)
    rows = finding_rows(page)
    assert [row[0] for row in rows] == ["警告", "警告"]
    assert [row[2] for row in rows] == ["基本信息!B6", "六、其他事项!B3"]
    assert "检查通过：0 个错误，2 个警告" in page.inner_text("#unit-0")
    assert page.locator("#unit-0 details.drawn[open]").count() == 0  # no flagged cell: tables folded
    with page.expect_download() as info:
        page.click("#downloads button.download")
    download = info.value
    assert download.suggested_filename == "淮安市人民政府2024年政府信息公开工作年度报告.docx"
    web = tmp_path / "web.docx"
    download.save_as(web)
    cli = pipeline.build(HUAIAN, tmp_path / "cli.docx").output
    assert docx_text(web) == docx_text(cli)
    assert "已下载" in page.inner_text("#download-status")


def test_the_cells_of_the_equation_are_outlined_and_the_header_stays_in_view(page, tmp_path):
    choose(page, wrong_workbook(tmp_path))
    wait_checked(page)
    related = page.eval_on_selector_all("#unit-0 td.related", "cells => cells.map(c => c.dataset.key)")
    # R0's other terms in 自然人 (一, 二, （七）), never a flagged cell
    for key in ("new", "carried_over", "total"):
        assert f"applications.{key}.natural_person" in related
    assert page.locator("#unit-0 td.related.flag").count() == 0
    page.set_viewport_size({"width": 1000, "height": 600})
    page.click(f"button[data-target='u0-{WRONG_FIELD.replace('.', '-')}']")
    box = page.evaluate(
        """key => {
            const cell = document.querySelector(`td[data-key="${key}"]`);
            const head = cell.closest('table').tHead.getBoundingClientRect();
            const scroller = cell.closest('.scroll').getBoundingClientRect();
            const at = cell.getBoundingClientRect();
            return {head: [head.top, head.bottom], scroller: scroller.top, cell: at.top, height: innerHeight};
        }""",
        WRONG_FIELD,
    )
    # the cell was scrolled to inside its table's scroller, and the header rows are above it, in view
    assert box["scroller"] - 1 <= box["head"][0] and box["head"][1] <= box["cell"] < box["height"]
    assert box["head"][0] >= 0


def test_blank_cells_are_one_row_per_table_and_all_outlined(page, tmp_path):
    blank = pipeline.new_workbook(tmp_path / "空白.xlsx", org="某某镇人民政府", year=2024)
    choose(page, blank)
    wait_checked(page)
    rows = finding_rows(page)
    r6 = [row for row in rows if row[1] == "R6"]
    assert [row[3] for row in r6] == [
        "表二有 10 个空格；没有发生的请填 0，不要留空",
        "表三有 144 个空格；没有发生的请填 0，不要留空",
        "表四有 12 个空格；没有发生的请填 0，不要留空",
    ]
    assert [row[2] for row in r6][1] == "表三!D7 等 144 处"
    assert page.locator("#unit-0 td.flag.error").count() == 10 + 144 + 12
    assert {row[1] for row in rows if row[0] == "错误"} == {"R6", "C1"}
    assert len(rows) == 3 + 3 + 1  # three tables, three empty sections (一、五、六), D1's warning


def test_wrong_cell_is_named_and_highlighted_and_nothing_to_download(page, tmp_path):
    choose(page, wrong_workbook(tmp_path))
    wait_checked(page)
    first = finding_rows(page)[0]
    assert first[0] == "错误" and first[1] == "R0" and first[2] == WRONG_CELL
    cell = page.locator(f"#u0-{WRONG_FIELD.replace('.', '-')}")
    assert "flag" in cell.get_attribute("class") and "error" in cell.get_attribute("class")
    assert cell.locator(".value").inner_text() == "104"
    assert page.locator("td.flag.error").count() == 2  # D31 and its total J31
    assert page.locator("#unit-0 details.drawn[open]").count() == 1
    assert page.locator("#unit-0 details.table[open]").count() == 1  # only 表三 has flagged cells
    cell.focus()
    note = page.locator("#unit-0 .applications").locator("xpath=ancestor::div[@class='official-box']//p")
    assert WRONG_CELL in note.inner_text() and "表三 自然人列：一、本年新收 " in note.inner_text()
    assert WRONG_CELL in cell.get_attribute("title")  # the browser's tooltip on hover
    assert page.locator("#downloads button").count() == 0
    assert "没有检查通过的工作簿" in page.inner_text("#download-hint")
    assert page.locator(".findings button").count() == 2  # 表三's two cells; 六's fee cell is not drawn
    page.click(f"button[data-target='u0-{WRONG_FIELD.replace('.', '-')}']")
    assert page.evaluate("document.activeElement.dataset.key") == WRONG_FIELD
    if os.environ.get("XXGK_WEB_SCREENSHOT"):
        page.set_viewport_size({"width": 1000, "height": 1800})  # 表三 whole within its box (80vh)
        cell.focus()
        clip = page.evaluate(
            """() => {
                const top = document.getElementById('step-check').getBoundingClientRect();
                const end = document.querySelectorAll('#unit-0 .official-box')[1].getBoundingClientRect();
                const height = end.bottom - top.top;
                return {x: top.left + scrollX, y: top.top + scrollY, width: top.width, height};
            }"""
        )
        page.screenshot(path=os.environ["XXGK_WEB_SCREENSHOT"], clip=clip, full_page=True)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [(docx_renamed, "Word 文档"), (empty_file, "空文件"), (zip_bomb, "压缩炸弹")],
    ids=["docx-renamed", "empty", "zip-bomb"],
)
def test_hostile_files_get_a_chinese_message_and_the_page_goes_on(page, tmp_path, make, phrase):
    path = make(tmp_path)
    drop(page, path)
    wait_checked(page)
    alert = page.inner_text("#unit-0 .alert")
    assert phrase in alert and path.name in alert
    assert "无法检查" in page.inner_text("#unit-0 .badge")
    drop(page, HUAIAN)  # still usable
    page.wait_for_selector("#downloads button.download")
    assert "检查通过" in page.inner_text("#unit-0")


def test_several_units_a_status_table_and_one_zip(page, tmp_path):
    choose(page, HUAIAN, OUMIAO, wrong_workbook(tmp_path))
    wait_checked(page)
    rows = page.eval_on_selector_all(".units tbody tr", "rows => rows.map(r => r.cells[2].innerText)")
    assert rows[0].startswith("通过") and rows[1].startswith("通过") and rows[2] == "有 2 个错误"
    with page.expect_download() as info:
        page.click("#downloads button.zip")
    path = tmp_path / "all.zip"
    info.value.save_as(path)
    assert info.value.suggested_filename == "政府信息公开工作年度报告（2份）.zip"
    with zipfile.ZipFile(path) as archive:
        assert len(archive.namelist()) == 2


def test_new_workbook_form_downloads_a_standard_workbook(page, tmp_path):
    page.fill("input[name=org]", "某某县某某局")
    page.fill("input[name=year]", "2025")
    page.select_option("#organ-type", "乡镇街道")
    with page.expect_download() as info:
        page.click("#new-form button[type=submit]")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith("某某县某某局2025年")
    info_ = pipeline.check_file(path).report.info
    assert (info_.org, info_.year, info_.organ_type) == ("某某县某某局", 2025, "乡镇街道")
    assert "已下载" in page.inner_text("#new-status")


def test_keyboard_reaches_the_file_button(page):
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "files":
            break
    assert page.evaluate("document.activeElement.id") == "files"


def test_readable_at_200_percent_zoom(page, tmp_path):
    """A 1000-pixel window at 200 % is 500 CSS pixels wide: no sideways scrolling of the page itself."""
    page.set_viewport_size({"width": 500, "height": 800})
    choose(page, wrong_workbook(tmp_path))
    wait_checked(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 500
    assert (
        page.locator("#unit-0 .official-box")
        .nth(1)
        .locator(".scroll")
        .evaluate("e => e.scrollWidth > e.clientWidth")
    )


BUSY = {"ok": False, "reason": "busy", "message": "服务器正忙：正在处理的文件太多，请稍等片刻再试。"}


def busy_answers(page, times: int) -> list[int]:
    """The first `times` checks are answered 503 (as a full pool would), the rest by the server."""
    seen = []

    def handle(route):
        seen.append(1)
        if len(seen) <= times:
            route.fulfill(status=503, json=BUSY, headers={"Retry-After": "1"})
        else:
            route.continue_()

    page.route("**/api/check", handle)
    return seen


def test_busy_server_is_asked_again(page):
    seen = busy_answers(page, 1)
    choose(page, HUAIAN)
    wait_checked(page)
    assert len(seen) == 2
    assert "检查通过" in page.inner_text("#unit-0")


def test_server_busy_for_long_says_so(page):
    seen = busy_answers(page, 99)
    choose(page, HUAIAN)
    wait_checked(page)
    assert len(seen) == 4
    assert "服务器正忙" in page.inner_text("#unit-0 .alert")


def test_last_years_workbook_checks_the_carry_over(page):
    page.set_input_files("#previous", str(HUAIAN))  # last year's 四 (103) is not this year's 二 (34)
    choose(page, HUAIAN)
    wait_checked(page)
    rules = {row[1] for row in finding_rows(page) if row[0] == "错误"}
    assert "R4" in rules
    assert page.locator("#downloads button").count() == 0


def test_a_broken_template_is_named_when_downloading(page, tmp_path):
    page.set_input_files("#template", str(empty_file(tmp_path)))
    choose(page, HUAIAN)
    page.wait_for_selector("#downloads button.download")
    page.click("#downloads button.download")
    page.wait_for_selector("#download-status.bad")
    assert "空文件.xlsx" in page.inner_text("#download-status")
    assert page.locator("#downloads button.download").is_enabled()


# ---------------------------------------------------------------- a phone (issue 18 point 5)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(chromium, base):
    """The page on a phone: 390×844 CSS pixels, touch, no mouse to drag with."""
    context = chromium.new_context(accept_downloads=True, locale="zh-CN", **PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()
    assert page.errors == []


OUTSIDE_THE_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const node of document.body.querySelectorAll("*")) {
        const box = node.getBoundingClientRect();
        if (box.width === 0 || (box.right <= width + 0.5 && box.left >= -0.5)) continue;
        const scroller = node.closest(".scroll");
        const inside = scroller && scroller !== node && scroller.getBoundingClientRect().right <= width + 0.5;
        if (!inside) out.push(node.tagName + "." + node.className + " " + Math.round(box.right));
    }
    return out;
}"""

CHARACTERS_PER_LINE = """() => [...document.querySelectorAll(".findings tbody td:last-child")].map(
    (cell) => cell.getBoundingClientRect().width / parseFloat(getComputedStyle(cell).fontSize))"""


def test_on_a_phone_findings_are_cards_and_tables_scroll_sideways(phone, tmp_path):
    choose(phone, wrong_workbook(tmp_path))
    wait_checked(phone)
    phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(OUTSIDE_THE_SCREEN) == []  # only the drawn tables, inside their scroller
    widths = phone.evaluate(CHARACTERS_PER_LINE)
    assert len(widths) == len(finding_rows(phone)) and min(widths) >= 12  # was 4 in a squeezed column
    first = phone.locator(".findings tbody tr").first
    assert first.evaluate("r => getComputedStyle(r).display") == "flex"  # a card, not a table row
    assert WRONG_CELL in first.inner_text() and "错误" in first.inner_text()
    box = phone.locator("#unit-0 .official-box").nth(1)  # 表三
    table = box.locator("table.official")
    font = table.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    [drawn] = [t for t in format_description()["tables"] if t["id"] == "applications"]
    assert table.evaluate("t => t.getBoundingClientRect().width") >= drawn["min_width"] * font - 1
    assert box.locator(".scroll").evaluate("e => e.scrollWidth > e.clientWidth")
    assert phone.evaluate("document.documentElement.scrollHeight") < 6000  # was 7,855 px tall
    if os.environ.get("XXGK_WEB_SCREENSHOT_PHONE"):
        phone.screenshot(path=os.environ["XXGK_WEB_SCREENSHOT_PHONE"], full_page=True)


def test_on_a_phone_nothing_says_drag(phone):
    text = phone.inner_text("body")
    assert "拖" not in text
    assert "点下面的按钮，选择填好的工作簿" in phone.inner_text("#drop")


def test_with_a_mouse_the_drop_zone_says_drag(page):
    assert "拖到这里" in page.inner_text("#drop")
    assert not page.locator("#drop .for-touch").is_visible()


# ---------------------------------------------------------------- a published report (point 6)

PUBLISHED = Path(__file__).resolve().parent / "data" / "published"


def test_a_published_report_dropped_is_named_and_can_be_imported(page, tmp_path):
    drop(page, PUBLISHED / "hongze-2024.pdf")
    wait_checked(page)
    alert = page.inner_text("#unit-0 .alert")
    assert "hongze-2024.pdf 是已发布的年度报告" in alert and "“导入”" in alert
    assert "xxgk" not in alert
    assert page.inner_text("#unit-0 .badge") == "已发布的报告"
    with page.expect_download() as info:
        page.click("#unit-0 button.import")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告（工作簿）.xlsx"
    assert pipeline.check_file(path).report.values["applications.new.total"] == 95
    assert "已下载" in page.inner_text("#unit-0 .import-box")


# ---------------------------------------------------------------- the new-workbook form (point 12)


def test_organ_type_follows_the_name_as_typed_until_chosen(page):
    from converter.core.organs import infer

    for name in (  # each implies another type than the one before, so each wait sees a change
        "某某县某某镇人民政府",
        "某某市人民政府",
        "某某县财政局",
        "某某区某某街道办事处",
        "某某协会",
    ):
        page.fill("input[name=org]", name)
        expected = infer(name)[1]
        page.wait_for_function(
            "want => document.getElementById('organ-type').value === want", arg=expected, timeout=10_000
        )
        note = page.inner_text("#organ-type-note")
        assert f"按机关全称推定为“{expected}”" in note if expected else note == ""
    page.fill("input[name=org]", "某某县某某镇人民政府")
    page.wait_for_function("() => document.getElementById('organ-type').value === '乡镇街道'")
    page.select_option("#organ-type", "部门")  # the clerk's choice stands
    page.fill("input[name=org]", "某某市人民政府")
    page.wait_for_timeout(600)
    assert page.eval_on_selector("#organ-type", "s => s.value") == "部门"


@pytest.mark.parametrize(
    ("today", "year"),
    [("2026-01-05T09:00:00", 2025), ("2026-06-30T18:00:00", 2025), ("2026-07-01T09:00:00", 2026)],
)
def test_year_defaults_to_the_report_a_clerk_is_most_likely_writing(chromium, base, today, year):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.clock.set_fixed_time(today)
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    try:
        assert page.input_value("input[name=year]") == str(year)
        tooltip = page.get_attribute("input[name=year]", "title")
        assert "1 至 6 月为上一年" in tooltip and "7 月起为当年" in tooltip
    finally:
        context.close()


def validation_message(page, name: str) -> str:
    return page.eval_on_selector(f"#new-form [name={name}]", "i => i.validationMessage")


def test_form_validation_speaks_chinese(page):
    page.fill("input[name=year]", "")
    page.click("#new-form button[type=submit]")
    assert validation_message(page, "org") == "请填写机关全称，如：某某县某某局。"
    page.fill("input[name=org]", "某某县某某局")
    assert validation_message(page, "org") == ""
    page.click("#new-form button[type=submit]")
    assert validation_message(page, "year") == "请填写报告年度（四位数字，如 2024）。"
    page.fill("input[name=year]", "1999")
    page.click("#new-form button[type=submit]")
    assert validation_message(page, "year") == "年度应在 2000 至 2100 之间。"
    assert page.inner_text("#new-status") == ""  # nothing was sent


def test_the_api_link_is_not_in_the_clerk_s_footer_line(page):
    footer = page.locator(".page-footer p")
    assert "/api/" not in footer.first.inner_text() and "接口" not in footer.first.inner_text()
    link = page.get_by_role("link", name="接口")
    assert link.get_attribute("href") == "/api/openapi.json"
