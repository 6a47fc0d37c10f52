"""Bad and hostile input through the commands: a clear message, non-zero exit, nothing written."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES
from docx_text import docx_text
from factories import consistent_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from typer.testing import CliRunner

from converter.cli import app
from converter.format import layout
from converter.format import official as fmt
from converter.write.workbook import write_workbook

runner = CliRunner()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def xxgk(*args):
    return runner.invoke(app, [str(a) for a in args])


def _truncated(path: Path) -> None:
    data = (SAMPLES / "oumiao-2024.xlsx").read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _docx_renamed(path: Path) -> None:
    import docx

    docx.Document().save(str(path))


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/huge.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(260):
                fh.write(chunk)


def _evil_name(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("../evil.txt", "x")


BAD_FILES = {
    "empty.xlsx": lambda p: p.write_bytes(b""),
    "truncated.xlsx": _truncated,
    "renamed docx.xlsx": _docx_renamed,
    "old.xls": lambda p: p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1024),
    "wps.et": lambda p: p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1024),
    "data.csv": lambda p: p.write_text("信息内容,本年制发件数\n规章,1\n", encoding="utf-8"),
    "~$锁定.xlsx": lambda p: p.write_bytes(b"\x05clerk" + b"\x20" * 160),
    "bomb.xlsx": _bomb,
    "evil.xlsx": _evil_name,
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> Path:
    """Each bad file made once (the bomb takes a second to compress)."""
    folder = tmp_path_factory.mktemp("bad")
    for name, make in BAD_FILES.items():
        make(folder / name)
    return folder


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["check", "build", "dump"])
def test_bad_files_exit_3_and_change_nothing(tmp_path, bad_files, name, command):
    bad = tmp_path / name
    bad.write_bytes((bad_files / name).read_bytes())
    before = digest(bad)
    result = xxgk(command, bad)
    assert result.exit_code == 3, result.output
    assert bad.name in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert digest(bad) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_text_hazards_print_literally(tmp_path):
    report = consistent_report()
    hazards = "控制\x0b字符\x01，<b>&amp; ]]> 😀 {{ 7*7 }} {% if true %}x{% endif %}"
    report.sections["overview"][0].body = hazards  # 五 this short would be Q2
    report.sections["other"][0].body = "长" * 32_767  # the most an Excel cell holds
    book = tmp_path / "输入 工作簿.xlsx"
    write_workbook(book, report)
    out = tmp_path / "报告 2024.docx"
    result = xxgk("build", book, "-o", out)
    assert result.exit_code == 0, result.output
    text = docx_text(out)
    assert "控制字符，<b>&amp; ]]> 😀 {{ 7*7 }} {% if true %}x{% endif %}" in text
    assert "长" * 32_767 in text
    assert "49" not in text.split("😀")[1][:20]


def _rename_sheet(wb):
    wb["表三"].title = "表3"


def _edit_label(wb):
    wb["表三"]["A7"] = "一、新收申请数量"


def _insert_rows(wb):
    wb["表二"].insert_rows(1, 2)


def _unmerge(wb):
    wb["表四"].unmerge_cells("A4:E4")


def _label_2019(wb):
    wb["表二"]["B5"] = "本年新制作数量"


NOT_STANDARD = {
    "renamed": (_rename_sheet, "表三"),
    "label": (_edit_label, "表三!A7"),
    "rows": (_insert_rows, "表二!"),
    "unmerged": (_unmerge, "表四"),
    "2019": (_label_2019, "2019"),
}


@pytest.mark.parametrize("case", sorted(NOT_STANDARD))
def test_a_workbook_no_longer_standard_is_refused_untouched(tmp_path, case):
    edit, expected = NOT_STANDARD[case]
    book = tmp_path / "改过的.xlsx"
    write_workbook(book, consistent_report())
    wb = openpyxl.load_workbook(book)
    edit(wb)
    wb.save(book)
    before = digest(book)
    result = xxgk("build", book)
    assert result.exit_code == 3, result.output
    assert book.name in result.stderr and expected in result.stderr
    assert "xxgk new" in result.stderr or "2021" in result.stderr
    assert digest(book) == before
    assert [p.name for p in tmp_path.iterdir()] == [book.name]


def test_an_impossible_signing_date_is_a_finding(tmp_path):
    book = tmp_path / "date.xlsx"
    write_workbook(book, consistent_report())
    wb = openpyxl.load_workbook(book)
    pos = layout.position("info.date")
    wb[pos.sheet][pos.cell] = "2025年2月30日"
    wb.save(book)
    result = xxgk("check", book)
    assert result.exit_code == 1
    assert f"{pos.sheet}!{pos.cell}" in result.stdout


# --------------------------------------------------------------------------- fuzz

CELL_VALUES = st.one_of(
    st.integers(-(10**13), 10**13),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["无", "/", "-", "十二", " 12 ", "#REF!", "=1/0", "=SUM(A1:A2)", "{{ x }}", "\x0b"]),
    st.none(),
)
SHEETS = layout.sheet_order()


@pytest.fixture(scope="module")
def valid_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "valid.xlsx"
    write_workbook(path, consistent_report())
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(SHEETS), st.integers(1, 40), st.integers(1, 16), CELL_VALUES),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_workbooks_never_crash(tmp_path, valid_book, edits):
    book = tmp_path / "mutated.xlsx"
    book.write_bytes(valid_book.read_bytes())
    wb = openpyxl.load_workbook(book)
    for sheet, row, col, value in edits:
        cell = wb[sheet].cell(row, col)
        if type(cell).__name__ == "MergedCell":
            continue
        with contextlib.suppress(IllegalCharacterError):  # a value no office suite could save
            cell.value = value
    wb.save(book)
    out = tmp_path / "out.docx"
    for args in (["check", book], ["dump", book], ["build", book, "-o", out, "--force"]):
        result = xxgk(*args)
        assert result.exit_code in (0, 1, 3), (args[0], result.exit_code, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats()  # NaN and infinities included: json writes them as NaN / Infinity
    | st.text(max_size=20)
    | st.sampled_from(["9" * 5001, "1e400", "-0", "12\u200b", "无", "2025-02-30"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
JSON_PLACES = st.sampled_from(
    [("values", key) for key in list(fmt.VALUES)[::7]]
    + [("info", f.key) for f in fmt.INFO_FIELDS]
    + [("info", "custom"), ("sections", "overview"), ("root", "values"), ("root", "info")]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(JSON_PLACES, JSON_VALUES), min_size=1, max_size=3))
def test_mutated_json_reports_never_crash_any_command(tmp_path, edits):
    data = consistent_report().to_dict()
    for (part, key), value in edits:
        if part == "root":
            data[key] = value
        elif isinstance(data.get(part), dict):
            data[part][key] = value
    source = tmp_path / "mutated.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    book, out = tmp_path / "book.xlsx", tmp_path / "out.docx"
    for args in (
        ["check", source],
        ["dump", source],
        ["build", source, "-o", out, "--force"],
        ["new", book, "--from", source, "--force"],
    ):
        result = xxgk(*args)
        assert result.exit_code in (0, 1, 3), (args[0], result.exit_code, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


def test_json_nested_a_hundred_thousand_deep_is_refused_by_name(tmp_path):
    source = tmp_path / "深.json"
    source.write_text('{"values": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    for args in (["check", source], ["dump", source], ["new", tmp_path / "x.xlsx", "--from", source]):
        result = xxgk(*args)
        assert result.exit_code == 3, (args[0], result.stderr)
        assert "深.json" in result.stderr
