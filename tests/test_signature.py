"""The 落款 as GB/T 9704 lays it out: the organ's name centred over the date, moved left as needed."""

from __future__ import annotations

import json
import os
import shutil
import zipfile

import pdfplumber
import pytest
from conftest import SAMPLES
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from converter.cli import app
from converter.render.signature import DATE_RIGHT, ORG_RIGHT_AT_LEAST, axis, chars, right_space

LINE = 8845 / 320  # the default template's type area, in 三号 characters (27.6)
DATE = "2025年1月20日"
NAMES = {
    6: "某某县交通局",
    12: "某某市某某区生态环境分局",
    20: "某某自治区某某市某某区人力资源社会保障局",
    28: "某某省某某市某区人力资源和社会保障局社会保险事业管理中心",
}
assert [len(name) for name in NAMES.values()] == list(NAMES)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.mark.parametrize("length", [6, 12, 20])
def test_the_name_is_centred_over_the_date_within_the_line(length):
    org, date = float(length), chars(DATE)
    centre = axis(org, date, LINE)
    assert centre is not None
    assert centre - org / 2 >= 0  # starts inside the line
    assert centre + org / 2 <= LINE - ORG_RIGHT_AT_LEAST + 1e-9  # 右空 at least two characters
    assert centre + date / 2 <= LINE - ORG_RIGHT_AT_LEAST + 1e-9
    if length == 6:  # a short name leaves the date 右空四字
        assert centre + date / 2 == pytest.approx(LINE - DATE_RIGHT)


def test_a_name_as_long_as_the_line_is_centred_on_it():
    assert axis(28.0, chars(DATE), LINE) is None


def test_widths_count_digits_as_half():
    assert chars(DATE) == 6.5 and chars("某某局") == 3


@given(st.integers(1, 60), st.integers(4, 30))
def test_the_right_space_is_what_the_docx_centre_leaves(half_org, half_date):
    org, date = half_org / 2, half_date / 2
    centre = axis(org, date, LINE)
    if centre is not None:
        assert centre + max(org, date) / 2 + right_space(org, date) == pytest.approx(LINE)
    assert ORG_RIGHT_AT_LEAST <= right_space(org, date) <= DATE_RIGHT


def _build(tmp_path, name: str, *options: str):
    data = json.loads((SAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))
    data["info"].update(org=name, date="2025-01-20")
    source = tmp_path / f"{len(name)}.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / f"{len(name)}.docx"
    result = CliRunner().invoke(app, ["build", str(source), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


def _signature(docx):
    body = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml")).find(f"{W}body")
    paragraphs = [
        p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}pStyle[@{W}val='Signature']") is not None
    ]
    return paragraphs[-2:]


@pytest.mark.parametrize("name", [NAMES[6], NAMES[12], NAMES[20]])
def test_the_docx_puts_both_lines_on_one_centre_tab(tmp_path, name):
    org, date = _signature(_build(tmp_path, name))
    stops = [p.find(f"{W}pPr/{W}tabs/{W}tab") for p in (org, date)]
    assert all(s is not None and s.get(f"{W}val") == "center" for s in stops)
    assert stops[0].get(f"{W}pos") == stops[1].get(f"{W}pos")
    expected = axis(chars(name), chars(DATE), LINE)
    assert int(stops[0].get(f"{W}pos")) == round(expected * 320)


def test_the_docx_centres_a_full_line_name_set_closer(tmp_path):
    org, date = _signature(_build(tmp_path, NAMES[28]))
    for p in (org, date):
        assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
        assert p.find(f".//{W}tab") is None
    assert int(org.find(f".//{W}rPr/{W}spacing").get(f"{W}val")) < 0


@pytest.mark.soffice
def test_printed_pages_centre_the_name_over_the_date(tmp_path, soffice):
    """Looked at as LibreOffice prints the report: the name on one line, inside the margins, its centre
    over the date's."""
    for name in NAMES.values():
        pdf = soffice(_build(tmp_path, name), "pdf", tmp_path / "pdf")
        with pdfplumber.open(pdf) as document:
            page = document.pages[-1]
            lines = {}
            for word in page.extract_words(keep_blank_chars=True):
                lines.setdefault(round(word["top"]), []).append(word)
        found = {}
        for words in lines.values():
            text = "".join(w["text"] for w in words).replace(" ", "")
            found[text] = (min(w["x0"] for w in words), max(w["x1"] for w in words))
        assert name in found, sorted(found)
        date = next(text for text in found if text.startswith("2025年1月20日"))
        (org_left, org_right), (date_left, date_right) = found[name], found[date]
        assert abs((org_left + org_right) / 2 - (date_left + date_right) / 2) < 3, name
        left_margin, right_margin = 1587 / 20, page.width - 1474 / 20
        assert org_left >= left_margin - 1 and org_right <= right_margin + 1, name


# --------------------------------------------------------------------------- the page (--html)

PAGE_LINES = """() => {
  const range = document.createRange();
  const lines = [...document.querySelectorAll(".signature p")].map((p) => {
    range.selectNodeContents(p);
    const box = range.getBoundingClientRect();
    return [box.left, box.right];
  });
  const article = document.querySelector("article");
  const right = article.getBoundingClientRect().right - parseFloat(getComputedStyle(article).paddingRight);
  return {lines, right, em: parseFloat(getComputedStyle(document.querySelector(".signature")).fontSize)};
}"""


@pytest.fixture(scope="module")
def chromium():
    under_ci = os.environ.get("CI") == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        if under_ci:
            raise
        pytest.skip("playwright not installed")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if under_ci:
            pytest.fail("chromium is required under CI=true (scripts/setup.sh installs it)")
        pytest.skip("chromium not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path)
        yield browser
        browser.close()


def _page_lines(chromium, tmp_path, name: str, width: int) -> dict:
    page_path = _build(tmp_path, name, "--html").with_suffix(".html")
    page = chromium.new_page(viewport={"width": width, "height": 800})
    page.goto(page_path.as_uri())
    found = page.evaluate(PAGE_LINES)
    page.close()
    return found


@pytest.mark.parametrize(
    "length, width", [(6, 1000), (12, 1000), (20, 1000), (28, 1000), (6, 400), (12, 400)]
)
def test_the_page_centres_the_name_over_the_date_as_the_docx(tmp_path, chromium, length, width):
    """In Chromium, as in the .docx: one centre for both lines, the longer one right_space() characters
    from the right of the text (the date 右空四字 under a short name; a long name 右空二字)."""
    name = NAMES[length]
    found = _page_lines(chromium, tmp_path, name, width)
    (org_left, org_right), (date_left, date_right) = found["lines"]
    em = found["em"]
    assert abs((org_left + org_right) / 2 - (date_left + date_right) / 2) < 1
    assert (org_right - org_left) / em == pytest.approx(length, abs=0.1)  # on one line
    expected = right_space(chars(name), chars(DATE))
    assert (found["right"] - max(org_right, date_right)) / em == pytest.approx(expected, abs=0.1)


def test_on_a_narrow_screen_a_long_name_wraps_within_the_text(tmp_path, chromium):
    found = _page_lines(chromium, tmp_path, NAMES[20], 400)
    (org_left, org_right), (date_left, date_right) = found["lines"]
    em = found["em"]
    assert abs((org_left + org_right) / 2 - (date_left + date_right) / 2) < 1
    assert (found["right"] - org_right) / em >= ORG_RIGHT_AT_LEAST - 0.1
    assert (org_right - org_left) / em < 20 and org_left >= found["right"] - 400
