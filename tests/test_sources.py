"""Sources: a workbook, a JSON report; each gives the report, what reading noted, and its positions."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from factories import consistent_report
from openpyxl import load_workbook
from typer.testing import CliRunner

from converter.app.pipeline import check_file
from converter.cli import app
from converter.core.errors import UnreadableInput
from converter.format import layout
from converter.format import official as fmt
from converter.read.sources import load
from converter.write.workbook import write_workbook

runner = CliRunner()
COUNT = "applications.new.natural_person"
AMOUNT = "proactive.admin_fees.amount"


def json_report(tmp_path: Path, **changes) -> Path:
    data = consistent_report().to_dict()
    for dotted, value in changes.items():
        section, key = dotted.split("__", 1)
        data[section][key.replace("__", ".")] = value
    path = tmp_path / "报告.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def found(path: Path) -> list[tuple[str, str, str, str]]:
    return [(f.rule, f.code, f.field, f.location) for f in check_file(path).findings]


@pytest.mark.parametrize("field", ["title", "preamble", "self_name", "org", "organ_type", "date", "year"])
def test_null_in_json_means_blank_never_the_word_none(tmp_path, field):
    path = json_report(tmp_path, **{f"info__{field}": None})
    report = load(path).report
    assert getattr(report.info, field) in ("", None)
    book = tmp_path / "工作簿.xlsx"
    assert runner.invoke(app, ["new", str(book), "--from", str(path)]).exit_code == 0
    values = [c.value for row in load_workbook(book)[layout.INFO_SHEET].iter_rows() for c in row]
    assert "None" not in values


def test_null_paragraph_text_is_blank(tmp_path):
    data = consistent_report().to_dict()
    data["sections"]["overview"] = [{"heading": None, "body": "正文"}]
    path = tmp_path / "报告.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load(path).report.sections["overview"][0].heading == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12.5", "not-integer"),
        (12.5, "not-integer"),
        ("十二", "not-number"),
        (-3, "negative"),
        (1e400, "not-number"),
    ],
)
def test_a_bad_json_count_is_a_finding_at_its_path(tmp_path, value, code):
    path = json_report(tmp_path, **{f"values__{COUNT}": value})
    assert ("R6", code, COUNT, f"values.{COUNT}") in found(path)


def test_a_json_amount_as_text_is_exact_and_not_a_warning(tmp_path):
    path = json_report(tmp_path, **{f"values__{AMOUNT}": "96171.6"})
    assert found(path) == []
    assert str(load(path).report.values[AMOUNT]) == "96171.6"


def test_a_json_count_of_thousands_of_digits_is_refused_by_name(tmp_path):
    path = json_report(tmp_path, **{f"values__{COUNT}": "9" * 5001})
    assert ("R6", "too-large", COUNT, f"values.{COUNT}") in found(path)


def test_an_unknown_json_value_key_names_it(tmp_path):
    path = json_report(tmp_path, **{"values__applications.new.robots": 1})
    with pytest.raises(UnreadableInput, match=r"applications\.new\.robots"):
        load(path)


def test_a_json_section_that_is_not_a_list_names_it(tmp_path):
    data = consistent_report().to_dict()
    data["sections"]["review"] = "无"
    path = tmp_path / "报告.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UnreadableInput, match=r"sections\.review"):
        load(path)


def with_raw_number(book: Path, key: str, raw: str) -> None:
    """Write `raw` as the stored number of a value's cell, as another program could have saved it."""
    pos = layout.position(key)
    part = f"xl/worksheets/sheet{layout.sheet_order().index(pos.sheet) + 1}.xml"
    with zipfile.ZipFile(book) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[part].decode("utf-8")
    xml, count = re.subn(rf'(<c r="{pos.cell}"[^>]*>)<v>[^<]*</v>', rf"\g<1><v>{raw}</v>", xml)
    assert count == 1
    parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(book, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1e400", "not-number"),
        ("-1e400", "not-number"),
        ("9" * 5001, "too-large"),
    ],
)
def test_an_absurd_number_in_a_workbook_is_a_finding_at_its_cell(tmp_path, raw, code):
    book = tmp_path / "无穷.xlsx"
    write_workbook(book, consistent_report())
    with_raw_number(book, COUNT, raw)
    assert (("R6", code, COUNT, str(layout.position(COUNT)))) in found(book)


def test_an_invisible_character_in_a_number_is_shown_escaped(tmp_path):
    book = tmp_path / "零宽.xlsx"
    write_workbook(book, consistent_report())
    wb = load_workbook(book)
    pos = layout.position(COUNT)
    wb[pos.sheet][pos.cell].value = "12\u200b"
    wb.save(book)
    (finding,) = [f for f in check_file(book).findings if f.field == COUNT]
    assert "12\\u200b" in finding.message


def test_each_source_places_fields_its_own_way(tmp_path):
    book = tmp_path / "工作簿.xlsx"
    write_workbook(book, consistent_report())
    assert str(load(book).locate(COUNT)) == str(layout.position(COUNT)) == "表三!D7"
    assert str(load(json_report(tmp_path)).locate(COUNT)) == f"values.{COUNT}"
    assert str(load(book).locate("sections.overview.0")) == "一、总体情况!B4"


@pytest.mark.parametrize(
    ("key", "value", "code", "severity"),
    [
        (AMOUNT, "96171.6", None, None),  # 淮安市: 9.6 亿元, in 万元
        (AMOUNT, "961716000", "implausible", "warning"),  # the same figure typed in 元
        (AMOUNT, "5000000", None, None),  # the limit itself passes…
        (AMOUNT, "5000000.01", "implausible", "warning"),  # …a cent over it warns
        ("fees.collected", "1000000", None, None),
        ("fees.collected", "1000000.01", "implausible", "warning"),
        (AMOUNT, "1000000000001", "too-large", "error"),
        ("fees.collected", "3940", None, None),
        ("fees.collected", "1500000", "implausible", "warning"),
    ],
)
def test_an_amount_that_looks_typed_in_the_wrong_unit_is_a_warning(tmp_path, key, value, code, severity):
    path = json_report(tmp_path, **{f"values__{key}": value})
    findings = [(f.code, f.severity.value) for f in check_file(path).findings if f.field == key]
    assert findings == ([] if code is None else [(code, severity)])


@pytest.mark.parametrize(
    ("written", "advice"),
    [
        ("12件", "只填阿拉伯数字，如 12，不带“件”"),
        ("１２ 件", "只填阿拉伯数字，如 12，不带“件”"),
        ("3.5万元", "只填阿拉伯数字，如 3.5，不带“万元”"),
        ("一百五十六", "只填阿拉伯数字，如 156，不用汉字数字"),
        ("十二件", "只填阿拉伯数字，如 156，不带“件”，不用汉字数字"),
        ("无", "没有发生请填 0"),
        ("/", "没有发生请填 0"),
    ],
)
def test_advice_fits_what_was_written(written, advice):
    from converter.read import values as cv

    (note,) = cv.read_number(written, fmt.Kind.COUNT).notes
    assert (note.code, note.message) == ("not-number", f"“{written}”不是数字；{advice}")


def test_a_negative_count_says_what_to_write():
    from converter.read import values as cv

    (note,) = cv.judge(-1, fmt.Kind.COUNT)
    assert note.message == "填的是负数 -1；统计数不能为负数，请填实际件数，没有发生的填 0"


def test_a_json_date_as_an_excel_day_number(tmp_path):
    """45674 is 2025-01-17 in Excel's day numbers (JSON has no date type; a spreadsheet exported as
    JSON keeps the number)."""
    import datetime as dt

    path = json_report(tmp_path, info__date=45674)
    assert load(path).report.info.date == dt.date(2025, 1, 17)
    assert [f for f in check_file(path).findings if f.field == "info.date"] == []
