"""The yearly cycle: next year's workbook from last year's, and what an organ's name settles."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLES
from factories import consistent_report
from openpyxl import load_workbook
from typer.testing import CliRunner

from converter.app.pipeline import check_file
from converter.cli import app
from converter.core.organs import infer
from converter.format import layout
from converter.format import official as fmt
from converter.read.sources import load
from converter.write.workbook import write_workbook

runner = CliRunner()
COLUMNS = [c for c, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]


@pytest.fixture
def last_year(tmp_path):
    report = consistent_report()
    report.info.custom = {"联系电话": "0710-1234567"}
    path = tmp_path / "2024年报.xlsx"
    write_workbook(path, report)
    return path, report


@pytest.mark.parametrize("kind", ["xlsx", "json"])
def test_next_year_starts_from_last_year(tmp_path, last_year, kind):
    path, last = last_year
    if kind == "json":
        path = tmp_path / "2024年报.json"
        path.write_text(json.dumps(last.to_dict(), ensure_ascii=False), encoding="utf-8")
    new = tmp_path / "2025年报.xlsx"
    result = runner.invoke(app, ["new", str(new), "--previous", str(path)])
    assert result.exit_code == 0, result.stderr
    report = load(new).report
    assert (report.info.org, report.info.self_name, report.info.organ_type) == (
        "某某市某某局",
        "本机关",
        "部门",
    )
    assert (report.info.year, report.info.date, report.info.custom) == (
        2025,
        None,
        {"联系电话": "0710-1234567"},
    )
    for column in COLUMNS:  # R4 holds by construction
        carried = last.values[f"applications.carried_forward.{column}"]
        assert report.values[f"applications.carried_over.{column}"] == carried
    assert all(report.values[k] is None for k in fmt.VALUES if not k.startswith("applications.carried_over."))
    assert all(
        not paragraphs for paragraphs in report.sections.values()
    )  # last year's text is not this year's
    r4 = [f for f in check_file(new, path).findings if f.rule == "R4"]
    assert r4 == []


def test_last_years_text_is_beside_this_years_for_reference(tmp_path, last_year):
    path, last = last_year
    new = tmp_path / "2025年报.xlsx"
    assert runner.invoke(app, ["new", str(new), "--previous", str(path)]).exit_code == 0
    wb = load_workbook(new)
    section = fmt.SECTION_BY_KEY["overview"]
    first = layout.text_first_row(section)
    ws = wb[section.sheet]
    assert ws.cell(first - 1, layout.REFERENCE_COL).value == layout.REFERENCE_HEADER
    assert ws.cell(first, layout.REFERENCE_COL).value == last.sections["overview"][0].body
    assert ws.cell(first, 2).value is None  # this year's column is left to the clerk
    info = wb[layout.INFO_SHEET]
    assert info.cell(layout.INFO_POSITIONS["org"].row, layout.REFERENCE_COL).value == "某某市某某局"


def test_a_broken_previous_is_named(tmp_path):
    bad = tmp_path / "上年.xlsx"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["new", str(tmp_path / "新.xlsx"), "--previous", str(bad)])
    assert result.exit_code == 3
    assert "上年工作簿（--previous）无法读取" in result.stderr
    assert not (tmp_path / "新.xlsx").exists()


def test_from_and_previous_together_is_a_usage_error(tmp_path, last_year):
    path, _ = last_year
    result = runner.invoke(
        app,
        [
            "new",
            str(tmp_path / "新.xlsx"),
            "--previous",
            str(path),
            "--from",
            str(SAMPLES / "huaian-2024.json"),
        ],
    )
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("org", "self_name", "organ_type"),
    [
        ("襄城区欧庙镇人民政府", "我镇", "乡镇街道"),
        ("某某县某某乡人民政府", "我乡", "乡镇街道"),
        ("某某区某某街道办事处", "我街道", "乡镇街道"),
        ("淮安市人民政府", "我市", "人民政府"),
        ("某某县人民政府", "我县", "人民政府"),
        ("某某市某某区人民政府", "我区", "人民政府"),
        ("某某县某某局", "我局", "部门"),
        ("某某县卫生健康委员会", "我委", "部门"),
        ("某某市人民政府办公室", "我办", "部门"),
        ("某某县 某某局 ", "我局", "部门"),
        ("某某研究会", "", ""),
        ("", "", ""),
    ],
)
def test_what_an_organs_name_settles(org, self_name, organ_type):
    assert infer(org) == (self_name, organ_type)


def test_new_with_org_fills_self_name_and_type(tmp_path):
    new = tmp_path / "镇.xlsx"
    assert (
        runner.invoke(app, ["new", str(new), "--org", "某某县某某镇人民政府", "--year", "2025"]).exit_code
        == 0
    )
    info = load(new).report.info
    assert (info.self_name, info.organ_type, info.year) == ("我镇", "乡镇街道", 2025)


def test_a_blank_self_name_the_name_settles_is_a_warning_not_an_error(tmp_path):
    report = consistent_report()
    report.info.org, report.info.self_name, report.info.organ_type = "某某县某某镇人民政府", "", ""
    report.sections["proactive"] = []  # generated from the numbers, in the organ's own words
    book = tmp_path / "镇.xlsx"
    write_workbook(book, report)
    result = check_file(book)
    found = {(f.rule, f.code, f.severity.value, f.field) for f in result.findings if f.rule == "info"}
    assert found == {
        ("info", "inferred", "warning", "info.self_name"),
        ("info", "inferred", "warning", "info.organ_type"),
    }
    assert not result.errors
    built = runner.invoke(app, ["build", str(book), "-o", str(tmp_path / "镇.docx")])
    assert built.exit_code == 0
    from docx_text import docx_text

    assert "2024年，我镇制发规章2件" in docx_text(tmp_path / "镇.docx")


def test_a_blank_self_name_the_name_does_not_settle_is_still_an_error(tmp_path):
    report = consistent_report()
    report.info.org, report.info.self_name = "某某研究会", ""
    book = tmp_path / "会.xlsx"
    write_workbook(book, report)
    assert [(f.rule, f.code, f.field) for f in check_file(book).errors] == [
        ("info", "blank", "info.self_name")
    ]
