"""Rule checks, baseline plus one mutation: break exactly one thing, assert the exact findings."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from factories import consistent_report
from hypothesis import given, settings
from hypothesis import strategies as st

from converter.check import rules as checks
from converter.check.rules import check, chinese_date
from converter.core.findings import Severity
from converter.core.model import Paragraph, Report
from converter.format import layout
from converter.format import official as fmt

BASELINE = consistent_report()
INFO, T2, T3, T4, FEES = "基本信息", "表二", "表三", "表四", "六、其他事项"


def mutated(**values) -> Report:
    """The baseline with some values replaced; keys use `__` for `.`."""
    report = copy.deepcopy(BASELINE)
    for key, value in values.items():
        dotted = key.replace("__", ".")
        assert dotted in report.values, dotted
        report.values[dotted] = value
    return report


def bumped(key: str, delta: int = 1) -> Report:
    report = copy.deepcopy(BASELINE)
    report.values[key] += delta
    return report


LAST_PROBLEMS = (
    "2023年，本机关主动公开的深度和广度仍有不足，依申请公开答复的规范性有待提高。"
    "2024年，本机关将组织答复文书集中评查，扩大重点领域公开范围。"
)


def previous_report() -> Report:
    """Last year's report matching the baseline: its carried-forward and in-force figures line up."""
    last = copy.deepcopy(BASELINE)
    last.info.year = 2023
    last.info.date = dt.date(2024, 1, 22)
    last.sections["problems"] = [Paragraph("", LAST_PROBLEMS)]
    for column in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN):
        last.values[f"applications.carried_forward.{column[0]}"] = BASELINE.values[
            f"applications.carried_over.{column[0]}"
        ]
    for row in ("regulations", "normative_documents"):
        v = BASELINE.values
        last.values[f"proactive.{row}.in_force"] = (
            v[f"proactive.{row}.in_force"] - v[f"proactive.{row}.issued"] + v[f"proactive.{row}.repealed"]
        )
    return last


def where(findings) -> list[tuple[str, str, str]]:
    """(rule, sheet, cell) of each finding, placed in the standard workbook."""
    placed = (f.placed(layout.FIELD_POSITIONS.get) for f in findings)
    return [(f.rule, f.position.sheet, f.position.cell) for f in placed]


# --------------------------------------------------------------------------- baseline


def test_baseline_has_no_findings():
    assert check(BASELINE) == []
    assert check(BASELINE, previous_report()) == []


def test_check_does_not_change_the_report():
    report = bumped("applications.new.natural_person")
    before = copy.deepcopy(report)
    check(report, previous_report())
    assert report == before


# --------------------------------------------------------------------------- R0–R3


def test_one_applicant_cell_breaks_its_row_and_its_column():
    assert where(check(bumped("applications.new.natural_person"))) == [
        ("R2", T3, "J7"),
        ("R0", T3, "D31"),
    ]


def test_r0_total_column_message():
    findings = check(bumped("applications.new.total"))
    assert where(findings) == [("R2", T3, "J7"), ("R0", T3, "J31")]
    r0 = findings[1].placed(layout.FIELD_POSITIONS.get)
    assert r0.text == (
        "表三!J31：表三 总计列：一、本年新收 302 + 二、上年结转 21 = 323，"
        "而（七）总计 313 + 四、结转下年度继续办理 9 = 322"
    )
    assert (r0.expected, r0.actual, r0.severity, r0.code) == ("322", "323", Severity.ERROR, "sum-mismatch")
    assert r0.related == (
        "applications.new.total",
        "applications.carried_over.total",
        "applications.total.total",
    )
    assert [str(p) for p in r0.related_positions] == ["表三!J7", "表三!J8", "表三!J30"]


def test_r1_outcome_counted_in_both_totals_but_not_in_the_grand_total():
    report = bumped("applications.granted.natural_person")
    report.values["applications.granted.total"] += 1
    findings = check(report)
    assert where(findings) == [("R1", T3, "D30"), ("R1", T3, "J30")]
    # 21 outcomes, all of them non-zero: the sum alone (the related cells are outlined on the web page)
    assert findings[0].message == "表三 自然人列：（七）总计 51，而各项之和 52（共 21 项，21 项不为 0）"


def test_r1_lists_the_outcomes_that_are_not_zero():
    report = consistent_report()
    for row in fmt.OUTCOME_ROWS:
        report.values[f"applications.{row}.natural_person"] = 0
    report.values["applications.granted.natural_person"] = 3
    report.values["applications.withheld.state_secret.natural_person"] = 2
    report.values["applications.other.no_correction.natural_person"] = 1
    report.values["applications.total.natural_person"] = 7
    (r1,) = [f for f in check(report) if f.rule == "R1"]
    assert r1.message == (
        "表三 自然人列：（七）总计 7，而（一）予以公开 3 + （三）1.属于国家秘密 2 + "
        "（六）1.申请人无正当理由逾期不补正 1 = 6（其余 18 项为 0）"
    )
    assert len(r1.related) == 21


def test_r1_all_outcomes_zero():
    report = consistent_report()
    for row in fmt.OUTCOME_ROWS:
        report.values[f"applications.{row}.research"] = 0
    (r1,) = [f for f in check(report) if f.rule == "R1" and f.field.endswith(".research")]
    assert r1.message.endswith("，而各项均为 0（共 21 项）")


def test_r2_names_the_row_and_every_applicant_column():
    (r2,) = [f for f in check(bumped("applications.carried_over.commercial")) if f.rule == "R2"]
    assert r2.message.startswith("表三 “二、上年结转”行：总计 21，而自然人 1 + 商业企业 3 + 科研机构 3 + ")
    assert r2.message.endswith("= 22")


def test_r2_on_the_grand_total_row():
    assert where(check(bumped("applications.total.total"))) == [
        ("R1", T3, "J30"),
        ("R2", T3, "J30"),
        ("R0", T3, "J31"),
    ]


@pytest.mark.parametrize(
    ("key", "cell"),
    [
        ("review.upheld", "E7"),
        ("litigation_direct.corrected", "J7"),
        ("litigation_after_review.total", "O7"),
    ],
)
def test_r3_each_group(key, cell):
    findings = check(bumped(key, -1))
    assert where(findings) == [("R3", T4, cell)]
    group = {"review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）"}
    title = group.get(key.split(".")[0], "行政诉讼（复议后起诉）")
    assert findings[0].message.startswith(f"表四 {title}：总计 ")
    assert "，而结果维持 " in findings[0].message


def test_r3_related_cells_are_the_four_outcomes():
    (finding,) = check(bumped("review.pending"))
    assert finding.related == ("review.upheld", "review.corrected", "review.other", "review.pending")


# --------------------------------------------------------------------------- R4


def test_r4_carry_over_matches_last_year():
    assert check(BASELINE, previous_report()) == []


def test_r4_carry_over_differs_from_last_year():
    last = previous_report()
    last.values["applications.carried_forward.commercial"] += 3
    findings = check(BASELINE, last)
    assert where(findings) == [("R4", T3, "E8")]
    assert findings[0].message == "上年结转（2）不等于上年报告的结转下年度继续办理（5）"
    assert (findings[0].expected, findings[0].actual) == ("5", "2")


def test_r4_previous_report_of_another_year_is_a_warning():
    last = previous_report()
    last.info.year = 2022
    findings = check(BASELINE, last)
    assert where(findings) == [("R4", INFO, "B5")]
    assert findings[0].severity is Severity.WARNING
    assert findings[0].code == "not-previous-year"


def test_r4_and_s1_need_a_previous_report():
    report = bumped("applications.carried_over.natural_person", 0)
    report.values["proactive.regulations.in_force"] += 7
    assert check(report) == []


# --------------------------------------------------------------------------- S1


def test_s1_in_force_follows_from_last_year():
    assert [f for f in check(BASELINE, previous_report()) if f.rule == "S1"] == []


def test_s1_in_force_does_not_follow_from_last_year():
    last = previous_report()
    last.values["proactive.normative_documents.in_force"] += 1
    findings = check(BASELINE, last)
    assert where(findings) == [("S1", T2, "D7")]
    assert findings[0].severity is Severity.WARNING
    assert (
        findings[0].message
        == "上年现行有效（38）+本年制发（8）−本年废止（3）=43，与本年现行有效件数（42）不一致"
    )


# --------------------------------------------------------------------------- R6, R8


def test_r6_blank_is_reported_once_without_cascading_into_sums():
    findings = check(mutated(review__pending=None))
    assert where(findings) == [("R6", T4, "D7")]
    assert (findings[0].code, findings[0].message) == ("blank", "数值为空，没有发生请填 0")


def test_r6_negative_count():
    findings = check(mutated(proactive__licensing__decisions=-1))
    assert where(findings) == [("R6", T2, "B10")]
    assert findings[0].code == "negative"


def test_r6_not_integer_count():
    findings = check(mutated(proactive__penalty__decisions=Decimal("2.5")))
    assert where(findings) == [("R6", T2, "B13")]
    assert (findings[0].code, findings[0].actual) == ("not-integer", "2.5")


def test_r6_optional_fee_figures_may_be_blank():
    assert check(mutated(fees__notice_amount=None, fees__collected=None)) == []


def test_r8_amounts_may_have_decimals():
    assert check(mutated(proactive__admin_fees__amount=Decimal("5949.088667"))) == []


def test_r8_negative_admin_fees():
    findings = check(mutated(proactive__admin_fees__amount=Decimal("-0.5")))
    assert where(findings) == [("R8", T2, "B17")]
    # the same words as a workbook cell gets
    assert findings[0].message == "填的是负数 -0.5；金额不能为负数，请填实际金额，没有发生的填 0"


def test_r8_negative_fee_collected():
    assert where(check(mutated(fees__collected=Decimal("-1")))) == [("R8", FEES, "B5")]


# --------------------------------------------------------------------------- R7


def no_unpaid_fee_report() -> Report:
    """The baseline with the 逾期未缴费 applications moved to （六）3.其他: every total still holds."""
    report = copy.deepcopy(BASELINE)
    for column in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN):
        unpaid, other = (f"applications.other.{item}.{column[0]}" for item in ("unpaid_fee", "other"))
        report.values[other] += report.values[unpaid]
        report.values[unpaid] = 0
    report.values["fees.notices"] = 0
    return report


def test_r7_no_unpaid_fee_no_notices_needed():
    assert check(no_unpaid_fee_report()) == []


def test_r7_unpaid_fee_without_notices_is_an_error():
    findings = check(mutated(fees__notices=0))
    assert where(findings) == [("R7", FEES, "B3")]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].message == "表三（六）2 为 15，说明发出过收费通知，但发出收费通知的件数为 0"
    assert findings[0].related == ("applications.other.unpaid_fee.total",)
    assert [str(p) for p in findings[0].placed(layout.FIELD_POSITIONS.get).related_positions] == ["表三!J28"]


def test_r7_unpaid_fee_with_notices_not_stated_is_a_warning():
    findings = check(mutated(fees__notices=None))
    assert where(findings) == [("R7", FEES, "B3")]
    assert (findings[0].severity, findings[0].code) == (Severity.WARNING, "not-stated")
    assert "第六部分应报告发出收费通知的件数和总金额" in findings[0].message


# --------------------------------------------------------------------------- D1


def dated(date: dt.date, organ_type: str = "部门") -> Report:
    report = copy.deepcopy(BASELINE)
    report.info.date, report.info.organ_type = date, organ_type
    return report


def test_d1_date_within_the_deadline():
    assert check(dated(dt.date(2025, 1, 31))) == []
    assert check(dated(dt.date(2025, 1, 1))) == []


def test_d1_date_in_the_report_year():
    findings = check(dated(dt.date(2024, 12, 30)))
    assert where(findings) == [("D1", INFO, "B6")]
    assert findings[0].message == "成文日期2024年12月30日应晚于报告年度2024年"
    assert findings[0].severity is Severity.WARNING


def test_d1_too_late_for_a_department():
    findings = check(dated(dt.date(2025, 3, 15)))
    assert where(findings) == [("D1", INFO, "B6")]
    assert findings[0].message == "成文日期2025年3月15日晚于部门的发布时限2025年1月31日"


def test_d1_in_time_for_a_government():
    assert check(dated(dt.date(2025, 3, 15), "人民政府")) == []


def test_d1_blank_date_is_a_warning():
    report = copy.deepcopy(BASELINE)
    report.info.date = None
    findings = check(report)
    assert where(findings) == [("D1", INFO, "B6")]
    assert findings[0].severity is Severity.WARNING
    assert findings[0].code == "not-stated"


def test_d1_skipped_without_organ_type():
    findings = check(dated(dt.date(2026, 1, 1), ""))
    assert [f for f in findings if f.rule == "D1"] == []
    assert where(findings) == [("info", INFO, "B9")]  # the blank 机关类型 itself is the info rule's


def test_chinese_date_has_no_leading_zeros():
    assert chinese_date(dt.date(2025, 1, 7)) == "2025年1月7日"


# --------------------------------------------------------------------------- all at once


def test_keys_named_by_the_checks_exist():
    assert {checks.UNPAID_FEE, checks.FEE_NOTICES} <= set(fmt.VALUES)
    for column in checks.APPLICATION_COLUMNS:
        assert f"{checks.CARRIED_OVER}.{column}" in fmt.VALUES
        assert f"{checks.CARRIED_FORWARD}.{column}" in fmt.VALUES
    in_force = [k for k in fmt.VALUES if k.endswith(".in_force")]
    assert in_force == ["proactive.regulations.in_force", "proactive.normative_documents.in_force"]


def test_all_findings_in_one_pass_in_workbook_order():
    report = mutated(review__pending=None, proactive__licensing__decisions=-1, fees__notices=0)
    report.info.date = dt.date(2025, 6, 1)
    assert where(check(report)) == [
        ("D1", INFO, "B6"),
        ("R6", T2, "B10"),
        ("R6", T4, "D7"),
        ("R7", FEES, "B3"),
    ]


# --------------------------------------------------------------------------- property

COUNT_KEYS = sorted(k for k, v in fmt.VALUES.items() if v.table in ("applications", "review"))


@settings(max_examples=150)
@given(key=st.sampled_from(COUNT_KEYS), delta=st.integers(-60, 60).filter(bool))
def test_any_single_count_change_is_caught(key, delta):
    errors = [f for f in check(bumped(key, delta)) if f.severity is Severity.ERROR]
    assert any(f.field == key or key in f.related for f in errors)


def test_r6_a_total_blank_because_of_a_blank_part_is_not_reported_twice():
    report = copy.deepcopy(BASELINE)
    report.values["review.upheld"] = None
    report.values["review.total"] = None  # a formula over a blank part, read without a cached value
    assert where(check(report)) == [("R6", T4, "A7")]


def test_r6_a_blank_total_with_filled_parts_is_reported():
    report = copy.deepcopy(BASELINE)
    report.values["review.total"] = None
    assert where(check(report)) == [("R6", T4, "E7")]


# --------------------------------------------------------------------------- R6: blank cells grouped


def test_r6_blank_cells_of_one_table_are_one_finding_covering_them_all():
    report = copy.deepcopy(BASELINE)
    blank = [k for k in fmt.APPLICATIONS.keys if not fmt.VALUES[k].sum_of][:40]
    blank += ["review.upheld", "proactive.licensing.decisions"]
    for key in blank:
        report.values[key] = None
    findings = [f.placed(layout.FIELD_POSITIONS.get) for f in check(report)]
    assert [(f.rule, f.location) for f in findings] == [
        ("R6", "表二!B10"),
        ("R6", "表三!D7 等 40 处"),
        ("R6", "表四!A7"),
    ]
    t3 = findings[1]
    assert t3.message == "表三有 40 个空格；没有发生的请填 0，不要留空"
    assert t3.field == t3.covers[0] == "applications.new.natural_person"
    assert sorted(t3.covers) == sorted(blank[:40])
    assert [str(p) for p in t3.covered_positions][:3] == ["表三!D7", "表三!E7", "表三!F7"]
    data = t3.to_dict()
    assert len(data["covers"]) == len(data["covered_positions"]) == 40
    assert findings[0].covers == () and findings[0].message == "数值为空，没有发生请填 0"


def test_r6_grouped_blanks_keep_the_other_faults_of_the_table_apart():
    report = mutated(review__upheld=None, review__corrected=None, review__other=-1)
    assert [(f.rule, f.code, f.field) for f in check(report)] == [
        ("R6", "blank", "review.upheld"),
        ("R6", "negative", "review.other"),
    ]


# --------------------------------------------------------------------------- C1, Q2: the sections' text


def without_text(*sections: str) -> Report:
    report = copy.deepcopy(BASELINE)
    for key in sections:
        report.sections[key] = [checks_paragraph("", " \n ")]
    return report


def checks_paragraph(heading: str, body: str):
    from converter.core.model import Paragraph

    return Paragraph(heading, body)


def test_p1_overview_and_problems_must_be_written_by_the_clerk():
    findings = check(without_text("overview", "problems"))
    assert [(f.rule, f.code, f.field) for f in findings] == [
        ("C1", "not-written", "sections.overview"),
        ("C1", "not-written", "sections.problems"),
    ]
    assert all(f.severity is Severity.ERROR for f in findings)
    assert findings[0].message == "“一、总体情况”没有填写内容；这一部分必须由填报人撰写，报告不能缺少这一部分"
    assert where(findings) == [("C1", "一、总体情况", "A4"), ("C1", "五、问题及改进", "A4")]


def test_p1_generated_sections_may_be_left_to_the_tables():
    # 二、三、四 from the tables; 六 from the fee figures
    assert check(without_text("proactive", "applications", "review", "other")) == []


def test_p1_a_section_with_neither_text_nor_generated_text_is_an_error():
    report = without_text("other")
    for value in fmt.FEE_VALUES:
        report.values[value.key] = None
    (found,) = [f for f in check(report) if f.rule != "R7"]
    assert (found.rule, found.code, found.field, found.severity) == (
        "C1",
        "empty",
        "sections.other",
        Severity.ERROR,
    )
    assert found.message.startswith(
        "“六、其他需要报告的事项”没有内容：既没有填写文字，也没有可由表格生成的文字；"
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("一是政策解读质量有待提高；二是人员配备不足。", "no-measures"),
        ("下一步，我镇将加强培训，完善制度。", "no-problems"),
        ("存在的问题：队伍建设不足。改进措施：加强培训。", None),
        ("", None),  # C1's
    ],
)
def test_p2_problems_need_measures_and_measures_problems(text, code):
    report = copy.deepcopy(BASELINE)
    report.sections["problems"] = [checks_paragraph("", text)]
    found = [(f.rule, f.code, f.severity) for f in check(report) if f.rule == "Q2"]
    assert found == ([("Q2", code, Severity.WARNING)] if code else [])


def test_p2_reads_the_sub_heads_too():
    report = copy.deepcopy(BASELINE)
    report.sections["problems"] = [
        checks_paragraph("（一）存在的主要问题", "队伍建设有待加强。"),
        checks_paragraph("（二）下一步工作", "抓好培训。"),
    ]
    assert [f for f in check(report) if f.rule == "Q2"] == []


def test_p2_keywords_are_declared_as_data():
    assert "问题" in fmt.PROBLEM_WORDS and "下一步" in fmt.MEASURE_WORDS
    assert not set(fmt.PROBLEM_WORDS) & set(fmt.MEASURE_WORDS)
    assert [s.key for s in fmt.SECTIONS if s.written] == ["overview", fmt.PROBLEMS_SECTION]


@given(
    blank=st.sets(st.sampled_from([s.key for s in fmt.SECTIONS])),
    fees=st.lists(st.none() | st.integers(0, 5), min_size=3, max_size=3),
)
@settings(max_examples=60)
def test_p1_empty_agrees_with_the_text_the_report_prints(blank, fees):
    """check (which may not import the renderer) decides what the renderer prints in a blank section
    as render.prose does."""
    from converter.render.prose import effective_sections, is_blank

    report = copy.deepcopy(BASELINE)
    for key in blank:
        report.sections[key] = []
    for value, fee in zip(fmt.FEE_VALUES, fees, strict=True):
        report.values[value.key] = fee
    printed = effective_sections(report)
    empty = {f.field for f in check(report) if (f.rule, f.code) == ("C1", "empty")}
    expected = {fmt.section_field(s.key) for s in fmt.SECTIONS if not s.written and is_blank(printed[s.key])}
    assert empty == expected
