"""Titles, portal header lines and the 发布时间 (issue 17, point 3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from converter.cli import app
from converter.published import import_report
from converter.published.sections import org_in_title

DATA = Path(__file__).resolve().parent / "data" / "published"
OUMIAO = (DATA / "oumiao-2024-report.txt").read_text(encoding="utf-8")
TITLE = "襄城区欧庙镇2024年政府信息公开年度工作报告"


def imported_text(tmp_path: Path, head: str, signature: bool = True) -> object:
    text = OUMIAO.replace(TITLE, head, 1)
    if not signature:
        text = text.replace("襄城区欧庙镇人民政府\n2025年1月17日", "")
    path = tmp_path / "报告.txt"
    path.write_text(text, encoding="utf-8")
    return import_report(path)


def test_title_split_over_two_lines_with_the_organ_after_the_year(tmp_path):
    imported = imported_text(tmp_path, "2024 年襄城区欧庙镇政府信息公开工作\n年度报告", signature=False)
    info = imported.report.info
    assert (info.title, info.year, info.org) == (
        "2024年襄城区欧庙镇政府信息公开工作年度报告",
        2024,
        "襄城区欧庙镇",
    )
    assert not any(n.code == "year_missing" for n in imported.notes)


def test_title_split_with_the_organ_in_the_first_line_only(tmp_path):
    imported = imported_text(
        tmp_path, "襄城区欧庙镇人民政府\n2024年政府信息公开工作年度报告", signature=False
    )
    info = imported.report.info
    assert (info.title, info.year, info.org) == (
        "襄城区欧庙镇人民政府2024年政府信息公开工作年度报告",
        2024,
        "襄城区欧庙镇人民政府",
    )


def test_portal_text_copy_header_lines(tmp_path):
    head = f"标题：{TITLE}\n发布时间：2025-01-20 09:30  来源：襄城区欧庙镇人民政府\n{TITLE}"
    imported = imported_text(tmp_path, head)
    info = imported.report.info
    assert info.title == TITLE and "发布时间" not in info.preamble and "标题" not in info.preamble
    published = imported.published
    assert published.date == dt.date(2025, 1, 20)
    assert published.printed == "发布时间：2025-01-20 09:30" and "发布时间" in published.source
    assert info.date == dt.date(2025, 1, 17)  # the signing date is another date


def test_portal_header_gives_title_and_organ_when_the_text_has_none(tmp_path):
    head = f"标题：{TITLE}\n发布日期：2025年1月20日\n发布机构：襄城区欧庙镇人民政府"
    imported = imported_text(tmp_path, head, signature=False)
    info = imported.report.info
    assert (info.title, info.year, info.org) == (TITLE, 2024, "襄城区欧庙镇")  # the title names it
    assert imported.published.date == dt.date(2025, 1, 20)


def test_the_portal_page_pubdate_is_the_publication_date():
    imported = import_report(DATA / "pingtan-2022.html")
    assert imported.published.date == dt.date(2023, 2, 20)
    assert imported.published.source == "网页的 PubDate 元数据"


def test_a_report_without_a_portal_header_has_no_publication_date():
    assert import_report(DATA / "huaian-2024-report.txt").published is None


@pytest.mark.parametrize(
    ("title", "org"),
    [
        ("淮安市人民政府2024年政府信息公开工作年度报告", "淮安市人民政府"),
        ("2024年XX市XX委政府信息公开工作年度报告", "XX市XX委"),
        ("2024年度XX区政务公开工作年度报告", "XX区"),
        ("政府信息公开工作年度报告", ""),
    ],
)
def test_organ_in_title(title, org):
    assert org_in_title(title) == org


# --------------------------------------------------------------------------- paragraphs, not lines (point 5)


def hard_wrapped(text: str, width: int = 31) -> str:
    """Every long line of running text cut at `width` characters, as text taken from a PDF comes."""
    out = []
    for line in text.splitlines():
        long = len(line) > 40 and "|" not in line
        out += [line[i : i + width] for i in range(0, len(line), width)] if long else [line]
    return "\n".join(out) + "\n"


def test_hard_wrapped_text_keeps_one_paragraph_per_paragraph(tmp_path):
    from converter.read.sources import load

    path = tmp_path / "wrapped.txt"
    path.write_text(hard_wrapped(OUMIAO), encoding="utf-8")
    imported = import_report(path)
    whole = import_report(DATA / "oumiao-2024-report.txt")
    assert imported.report.sections == whole.report.sections
    assert imported.report.info == whole.report.info and imported.report.values == whole.report.values
    assert len(imported.report.sections["overview"]) == len(whole.report.sections["overview"])
    out = tmp_path / "next-year.xlsx"
    result = CliRunner().invoke(app, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load(out).report.sections["problems"] == whole.report.sections["problems"]  # readable next year


def test_a_line_ending_a_sentence_or_starting_an_item_is_not_joined(tmp_path):
    text = OUMIAO.replace(
        "2024年,我镇未收到相关政府信息公开申请诉求。",
        "2024年,我镇未收到相关政府信息公开申请诉求。\n一是申请渠道畅通\n二是答复规范",
    )
    path = tmp_path / "items.txt"
    path.write_text(text, encoding="utf-8")
    bodies = [p.body for p in import_report(path).report.sections["applications"]]
    assert bodies == ["2024年,我镇未收到相关政府信息公开申请诉求。", "一是申请渠道畅通", "二是答复规范"]


def test_the_portal_date_is_the_one_the_timeliness_rule_uses(tmp_path):
    from converter.published.audit import publication

    imported = imported_text(tmp_path, f"标题：{TITLE}\n发布时间：2025-01-20 09:30\n{TITLE}")
    assert publication(imported) == (dt.date(2025, 1, 20), "文字开头的“发布时间”行")
    page = import_report(DATA / "pingtan-2022.html")
    assert publication(page) == (dt.date(2023, 2, 20), "网页的 PubDate 元数据")
