"""R5: figures in the text agree with the tables; precision first (each known trap is a test)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES

from converter.check.text_figures import check_text
from converter.core.model import Paragraph, Report
from converter.published import import_report
from converter.read.report_json import report_from_dict

DATA = Path(__file__).resolve().parent / "data" / "published"


def sample(name: str) -> Report:
    return report_from_dict(json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def with_text(report: Report, section: str, text: str) -> Report:
    report.sections[section] = [Paragraph("", text)]
    return report


@pytest.mark.parametrize("name", ["huaian-2024", "oumiao-2024"])
def test_samples_text_agrees(name):
    assert check_text(sample(name)) == []


@pytest.mark.parametrize("file", ["hongze-2024.pdf", "pingtan-2022.html", "huaian-2024-report.txt"])
def test_real_reports_have_no_certain_disagreement(file):
    assert check_text(import_report(DATA / file).report) == []


def test_in_force_documents_stated_against_the_table():
    report = sample("huaian-2024")
    report.values["proactive.normative_documents.in_force"] = 470
    text = "截至目前，全市现行有效行政规范性文件470件。2024年，我市现行有效行政规范性文件393件。"
    [finding] = check_text(with_text(report, "proactive", text))
    assert (finding.field, finding.stated, finding.table_value) == (
        "proactive.normative_documents.in_force",
        393,
        470,
    )
    assert finding.sentence == "2024年，我市现行有效行政规范性文件393件。"
    assert (finding.section, finding.paragraph) == ("proactive", 1)
    assert "393" in finding.message and "470" in finding.message


def test_new_applications_stated_wrong():
    report = with_text(
        sample("huaian-2024"), "applications", "2024年，我市新收政府信息公开申请3118件，上年结转34件。"
    )
    [finding] = check_text(report)
    assert (finding.field, finding.stated, finding.table_value) == ("applications.new.total", 3118, 3119)


def test_hotline_work_orders_are_not_applications():
    report = sample("oumiao-2024")  # "2024年，我镇共收到市民热线转办工单959件，答复率100%。" in 六
    assert any("959" in p.body for p in report.sections["other"])
    assert check_text(report) == []


def test_received_may_count_new_plus_carried_over():
    report = with_text(sample("huaian-2024"), "overview", "2024年，全市共受理政府信息公开申请3153件。")
    assert check_text(report) == []  # 3119 新收 + 34 上年结转
    report = with_text(sample("huaian-2024"), "overview", "2024年，全市共受理政府信息公开申请3150件。")
    [finding] = check_text(report)
    assert (finding.stated, finding.table_value) == (3150, 3119)


@pytest.mark.parametrize(
    "text",
    [
        "2024年，区政府办代表区政府受理政府信息公开申请17件，均已在法定期限内予以答复。",
        "市公安局收到政府信息公开申请30件。",
        "上半年，我市收到政府信息公开申请40件。",
        "2024年第一季度，我市新收政府信息公开申请12件。",
        "其中自然人申请3000件。",
        "区政府办代表区政府受理政府信息公开申请17件、办结17件。",
    ],
)
def test_sub_unit_or_part_of_year_is_not_the_total(text):
    assert check_text(with_text(sample("huaian-2024"), "overview", text)) == []


def test_review_litigation_and_fees():
    report = sample("huaian-2024")
    text = (
        "2024年，我市被申请政府信息公开行政复议350件；被提起政府信息公开行政诉讼47件。"
        "全年收取信息处理费3000元。"
    )
    found = {(f.field, f.stated, f.table_value) for f in check_text(with_text(report, "review", text))}
    assert found == {
        ("review.total", 350, 351),
        ("litigation_direct.total", 47, 46),
        ("fees.collected", 3000, Decimal("3940")),
    }


def test_blank_table_value_is_not_compared():
    report = sample("huaian-2024")
    report.values["applications.new.total"] = None
    assert check_text(with_text(report, "overview", "2024年，我市新收政府信息公开申请5件。")) == []


def test_decisions_and_admin_fees():
    report = sample("huaian-2024")
    text = "作出行政许可决定447228件、行政处罚决定3985750件；行政事业性收费96171.60万元。"
    found = {(f.field, f.stated) for f in check_text(with_text(report, "proactive", text))}
    assert found == {("proactive.penalty.decisions", 3985750)}


def test_as_a_check_finding_at_the_paragraph_cell(tmp_path):
    from converter.app.pipeline import check_file
    from converter.write.workbook import write_workbook

    report = sample("huaian-2024")
    report.sections["problems"] = [
        Paragraph("", "无。"),
        Paragraph("", "2024年，我市新收政府信息公开申请3000件。"),
    ]
    book = tmp_path / "有误.xlsx"
    write_workbook(book, report)
    [finding] = [f for f in check_file(book).findings if f.rule == "R5"]
    assert (finding.severity.value, finding.field, finding.location) == (
        "warning",
        "sections.problems.1",
        "五、问题及改进!B5",
    )
    assert (finding.expected, finding.actual, finding.related) == (
        "3119",
        "3000",
        ("applications.new.total",),
    )
    report.info.preamble = "本年度共受理政府信息公开申请1件。"
    report.sections["problems"] = []
    write_workbook(book, report)
    [finding] = [f for f in check_file(book).findings if f.rule == "R5"]
    assert finding.location == "基本信息!B8"


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("2024年，清理并集中发布现行有效行政规范性文件393件。", True),
        ("本年梳理现行有效行政规范性文件393件，并向社会公布。", True),
        ("我市公布现行有效规范性文件393件。", True),
        ("清理并集中发布现行有效行政规范性文件470件。", False),  # agrees
        ("其中，市场监管领域清理现行有效行政规范性文件393件。", False),  # a part of the organ
        ("征求意见后修改现行有效行政规范性文件393件。", False),  # a verb that narrows it
    ],
)
def test_in_force_documents_after_a_publishing_verb(text, flagged):
    """An evaluator flags 清理并集中发布现行有效…393件 against 现行有效 470 (issue 17, point 7)."""
    report = sample("huaian-2024")
    report.values["proactive.normative_documents.in_force"] = 470
    found = check_text(with_text(report, "proactive", text))
    assert [(f.field, f.stated, f.table_value) for f in found] == (
        [("proactive.normative_documents.in_force", 393, 470)] if flagged else []
    )
