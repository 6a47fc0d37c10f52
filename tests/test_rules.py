"""The rule registry: every declared rule runs, through its equations or its one checker, and a sum
rule added as data reaches both the workbook's status cell and `xxgk check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import consistent_report
from openpyxl import load_workbook
from typer.testing import CliRunner

from converter.check import rules as checks
from converter.check.copying import BATCH
from converter.cli import app
from converter.format import layout
from converter.format import official as fmt
from converter.render import template_check
from converter.write.workbook import write_workbook

# An extra sum rule, declared as data only: 表四's 行政复议 总计 equals 结果维持 (true of no real report,
# which is the point: it must show wherever rules show).
EXTRA = fmt.Rule(
    "X9",
    "error",
    "测试用规则：行政复议总计等于结果维持",
    "只在测试中声明。",
    "行政复议总计（{left}）不等于结果维持（{right}）",
    (fmt.Equation(("review.total",), ("review.upheld",), "review.total"),),
)


def test_every_declared_rule_has_one_checker_and_every_checker_a_declaration():
    report_rules = {r.id for r in fmt.RULES.values() if r.scope.of_reports and not r.equations}
    template_rules = {r.id for r in fmt.rules_of(fmt.Scope.TEMPLATE)}
    assert set(checks.CHECKERS) == report_rules
    assert set(template_check.CHECKERS) == template_rules
    assert set(BATCH.checkers) == {r.id for r in fmt.rules_of(fmt.Scope.BATCH)} == {"P2"}
    equation_rules = {r.id for r in fmt.RULES.values() if r.equations}
    assert equation_rules == {"R0", "R1", "R2", "R3"}
    assert not equation_rules & set(checks.CHECKERS)


def test_rules_are_declared_with_their_scopes():
    scopes = {r.id: r.scope for r in fmt.RULES.values()}
    assert scopes["R4"] is scopes["S1"] is fmt.Scope.YEARS
    assert scopes["R6"] is scopes["R8"] is scopes["info"] is fmt.Scope.VALUE
    assert [r.id for r in fmt.RULES.values() if r.only_if_clean] == ["T6"]
    assert all(r.severity in ("error", "warning") for r in fmt.RULES.values())


def test_a_rule_without_a_checker_fails_loudly(monkeypatch):
    monkeypatch.setitem(
        fmt.RULES, "Z1", fmt.Rule("Z1", "error", "无", "无", "{message}", scope=fmt.Scope.REPORT)
    )
    with pytest.raises(KeyError):
        checks.check(consistent_report())


@pytest.fixture
def extra_rule(monkeypatch):
    monkeypatch.setitem(fmt.RULES, EXTRA.id, EXTRA)
    return EXTRA


def test_an_extra_sum_rule_is_run_by_check(extra_rule):
    report = consistent_report()
    findings = [f for f in checks.check(report) if f.rule == "X9"]
    assert [(f.field, f.message) for f in findings] == [
        (
            "review.total",
            f"行政复议总计（{report.values['review.total']}）不等于结果维持（{report.values['review.upheld']}）",
        )
    ]


def test_an_extra_sum_rule_is_in_the_workbook_status_and_in_xxgk_check(extra_rule, tmp_path: Path, soffice):
    book = tmp_path / "多一条规则.xlsx"
    write_workbook(book, consistent_report())
    status = load_workbook(book)["表四"].cell(layout.TABLE_STATUS_ROW, 1).value
    upheld, total = layout.position("review.upheld"), layout.position("review.total")
    assert f"SUM({total.cell})=SUM({upheld.cell})" in status
    computed = load_workbook(soffice(book, "xlsx", tmp_path / "lo"), data_only=True)
    assert computed["表四"].cell(layout.TABLE_STATUS_ROW, 1).value.startswith("✘")
    assert computed["表三"].cell(layout.TABLE_STATUS_ROW, 1).value.startswith("✔")
    result = CliRunner().invoke(app, ["check", str(book)])
    assert result.exit_code == 1
    assert f"  错误  X9    {total}" in result.stdout


def test_without_the_extra_rule_the_same_workbook_passes(tmp_path: Path):
    book = tmp_path / "标准.xlsx"
    write_workbook(book, consistent_report())
    upheld, total = layout.position("review.upheld"), layout.position("review.total")
    status = load_workbook(book)["表四"].cell(layout.TABLE_STATUS_ROW, 1).value
    assert f"SUM({total.cell})=SUM({upheld.cell})" not in status
    assert CliRunner().invoke(app, ["check", str(book)]).exit_code == 0


def test_each_finding_has_the_severity_declared_for_its_rule_and_code():
    """The README's levels come from the declarations (`Rule.levels`): what check reports must match."""
    import copy
    import datetime as dt
    from decimal import Decimal

    from converter.core.organs import fill_in
    from converter.read import values as cv

    report = consistent_report()
    report.info.self_name = ""  # inferred from the 机关全称: a warning
    report.values["fees.notices"] = None  # R7 not-stated: a warning of an error rule
    report.values["proactive.admin_fees.amount"] = Decimal("6000000")  # R8 implausible: a warning
    report.values["review.upheld"] = None  # R6 blank: an error
    report.info.date = dt.date(2026, 5, 1)  # D1 too late: a warning rule
    last = copy.deepcopy(consistent_report())
    last.info.year = 2021  # R4 not-previous-year: a warning of an error rule
    notes = {
        "applications.new.research": cv.read_number("7", fmt.Kind.COUNT).notes,
        "proactive.admin_fees.amount": cv.read_number(6000000, fmt.Kind.WAN_YUAN).notes,
        **fill_in(report),
    }
    findings = checks.check(report, last, notes)
    codes = {(f.rule, f.code, f.severity.value) for f in findings}
    assert {
        ("R7", "not-stated", "warning"),
        ("R8", "implausible", "warning"),
        ("R6", "text-number", "warning"),
        ("R6", "blank", "error"),
        ("R4", "not-previous-year", "warning"),
        ("info", "inferred", "warning"),
        ("D1", "too-late", "warning"),
    } <= codes
    for f in findings:
        assert f.severity.value == fmt.RULES[f.rule].severity_of(f.code), (f.rule, f.code)


def test_the_readme_levels_name_the_codes_of_another_severity():
    assert fmt.RULES["R7"].levels == "错误；警告：第六部分没有填写发出收费通知的件数"
    assert fmt.RULES["R0"].levels == "错误"
    assert fmt.RULES["R5"].levels == "警告"
