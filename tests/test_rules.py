"""The rule registry: every declared rule runs, through its equations or its one checker, and a sum
rule added as data reaches both the workbook's status cell and `xxgk check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import consistent_report
from openpyxl import load_workbook
from typer.testing import CliRunner

from converter.check import rules as checks
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
