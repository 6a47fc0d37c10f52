"""Bounded JSON input, and Office files that are not the ordinary kind (macro-enabled, .dotx, Strict)."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import tracemalloc
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from converter.app.limits import limits_markdown
from converter.cli import app
from converter.core.errors import ExitCode, UnreadableInput
from converter.read import inspect as safety
from converter.read.inspect import STRICT_MESSAGE, inspect_input, is_macro_enabled, is_strict_ooxml
from converter.read.json_input import json_path, load_json, parse_json
from converter.read.limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS
from converter.render.docx import default_template_path

MiB = 1024 * 1024
runner = CliRunner()

# --------------------------------------------------------------------------- JSON


def json_file(tmp_path: Path, text: str | bytes, name: str = "报告.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def refused(path: Path, *phrases: str) -> str:
    with pytest.raises(UnreadableInput) as info:
        load_json(path)
    message = info.value.message
    assert path.name in message and info.value.exit_code == ExitCode.UNREADABLE
    for phrase in phrases:
        assert phrase in message, message
    return message


def test_a_dumped_report_loads_as_json_loads_reads_it():
    path = SAMPLES / "huaian-2024.json"
    assert load_json(path) == json.loads(path.read_text(encoding="utf-8"))


def test_bom_is_accepted(tmp_path):
    assert load_json(json_file(tmp_path, b'\xef\xbb\xbf{"a": 1}')) == {"a": 1}


def test_100000_deep_nesting_is_refused_fast_and_small(tmp_path):
    path = json_file(tmp_path, '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refused(path, "嵌套层数超过 64 层")
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 2 and peak < 50 * MiB


def nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[1]" + "}" * (depth - 1)


def test_depth_limit_is_exact_and_names_the_place(tmp_path):
    assert load_json(json_file(tmp_path, nested(MAX_JSON_DEPTH)))
    refused(json_file(tmp_path, nested(MAX_JSON_DEPTH + 1)), "嵌套层数", "$.a.a")


@pytest.mark.parametrize(
    ("literal", "words"),
    [
        ("9" * 5001, ["5,001 位", "上限"]),
        ("-" + "9" * 31, ["31 位"]),
        ("1e400", ["1e400", "超出了可以表示的数值范围"]),
        ("-1E+999", ["超出了可以表示的数值范围"]),
        ("0." + "1" * 40, ["41 位数字"]),
        ("NaN", ["NaN", "不允许"]),
        ("Infinity", ["Infinity", "不允许"]),
        ("-Infinity", ["不允许"]),
    ],
)
def test_impossible_numbers_are_refused_with_their_json_path(tmp_path, literal, words):
    text = '{"values": {"一、主动公开": [1, {"新制作数量": NUMBER}]}}'.replace("NUMBER", literal)
    message = refused(json_file(tmp_path, text), '$.values["一、主动公开"][1].新制作数量', *words)
    assert len(message) < 400  # a 5,001-digit number is not printed in full


@pytest.mark.parametrize("literal", ["9" * MAX_NUMBER_DIGITS, "-" + "9" * MAX_NUMBER_DIGITS, "1e300", "0.5"])
def test_numbers_within_the_limit_load(tmp_path, literal):
    assert load_json(json_file(tmp_path, f'{{"n": {literal}}}')) == {"n": json.loads(literal)}


def test_control_plain_json_loads_does_not_stop_these(tmp_path):
    """Why the hooks: json.loads gives inf for 1e400 and fails deep inside for 5,001 digits."""
    assert json.loads("1e400") == float("inf")
    with pytest.raises(ValueError, match="digits"):
        json.loads("9" * 5001)


def test_malformed_json_names_line_and_column(tmp_path):
    refused(json_file(tmp_path, '{\n  "a": 1,\n  "b": }'), "第 3 行", "列")


def test_not_utf8(tmp_path):
    refused(json_file(tmp_path, '{"机关": "某局"}'.encode("gb18030")), "不是 UTF-8")


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_JSON_BYTES", 100)
    refused(json_file(tmp_path, '{"a": "%s"}' % ("x" * 200)), "超过 JSON 输入")


def test_a_workbook_is_not_json(tmp_path):
    path = tmp_path / "报告.xlsx"
    shutil.copyfile(SAMPLES / "huaian-2024.xlsx", path)
    refused(path, "不是 JSON 文件")


def test_json_path_spelling():
    assert json_path(()) == "$"
    assert json_path(("values", "一、主动公开", 3, "新制作数量", "a b", 'q"')) == (
        '$.values["一、主动公开"][3].新制作数量["a b"]["q\\""]'
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**29), max_value=10**29)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_reasonable_json_round_trips(value):
    assert parse_json(json.dumps(value)) == value


# --------------------------------------------------------------------------- Office variants


def rewrite(
    source: Path, target: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> Path:
    """A copy of the zip at `source` with parts replaced (None: dropped) and added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    new.writestr(info, change[info.filename])
            else:
                new.writestr(info, old.read(info))
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def read_part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
VARIANTS = {
    "docm": b"application/vnd.ms-word.document.macroEnabled.main+xml",
    "dotm": b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "dotx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}


def word_variant(tmp_path: Path, kind: str, name: str = "模板.docx") -> Path:
    template = default_template_path()
    types = read_part(template, "[Content_Types].xml")
    assert DOCUMENT_TYPE in types
    return rewrite(
        template, tmp_path / name, {"[Content_Types].xml": types.replace(DOCUMENT_TYPE, VARIANTS[kind])}
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("docm", "启用宏的 Word 文档（.docm"),
        ("dotm", "启用宏的 Word 模板（.dotm"),
        ("dotx", "Word 模板文件（.dotx）"),
    ],
)
def test_word_variants_are_refused_as_templates_in_chinese(tmp_path, kind, words):
    path = word_variant(tmp_path, kind)
    with pytest.raises(UnreadableInput) as info:
        inspect_input(path, expect="docx")
    assert "模板.docx" in info.value.message and words in info.value.message
    assert "保存为“Word 文档（*.docx）”" in info.value.message


def test_control_python_docx_refuses_them_in_english(tmp_path):
    with pytest.raises(ValueError, match="not a Word file"):
        docx.Document(str(word_variant(tmp_path, "docm")))


def test_a_vba_part_alone_marks_a_macro_template(tmp_path):
    path = rewrite(
        default_template_path(), tmp_path / "模板.docx", {}, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}
    )
    assert is_macro_enabled(path)
    with pytest.raises(UnreadableInput, match="含有宏"):
        inspect_input(path, expect="docx")


def test_the_default_template_is_ordinary():
    template = default_template_path()
    assert inspect_input(template, expect="docx") == "docx"
    assert not is_macro_enabled(template) and not is_strict_ooxml(template)


@pytest.mark.parametrize("command", ["build", "template"])
def test_commands_refuse_a_docm_template_in_chinese(tmp_path, command):
    template = word_variant(tmp_path, "docm", "宏模板.docm")
    if command == "build":
        source = tmp_path / "report.json"
        shutil.copyfile(SAMPLES / "huaian-2024.json", source)
        args = ["build", str(source), "--template", str(template), "-o", str(tmp_path / "o.docx")]
        expected = ExitCode.TEMPLATE
    else:
        args, expected = ["template", "check", str(template)], ExitCode.UNREADABLE
    result = runner.invoke(app, args)
    assert result.exit_code == expected, result.output
    assert "宏模板.docm 是启用宏的 Word 文档" in result.output and "not a Word file" not in result.output


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "机关名称"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_macro_enabled_workbooks_are_recognised_but_still_read(tmp_path):
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(xlsx_bytes())
    types = read_part(plain, "[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = rewrite(
        plain,
        tmp_path / "宏.xlsx",
        {"[Content_Types].xml": types.replace(main, b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")},
    )
    assert not is_macro_enabled(plain) and is_macro_enabled(macro)
    assert inspect_input(macro) == "xlsx"  # openpyxl reads the cells; the macros never run


STRICT_WORD = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
TRANSITIONAL_WORD = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_strict_word_template_is_refused(tmp_path):
    template = default_template_path()
    document = read_part(template, "word/document.xml")
    assert TRANSITIONAL_WORD in document
    path = rewrite(
        template,
        tmp_path / "严格.docx",
        {"word/document.xml": document.replace(TRANSITIONAL_WORD, STRICT_WORD)},
    )
    assert is_strict_ooxml(path)
    with pytest.raises(UnreadableInput) as info:
        inspect_input(path, expect="docx")
    assert info.value.message == STRICT_MESSAGE["docx"].format(name="严格.docx")
    assert "Strict Open XML" in info.value.message


def test_strict_workbook_is_detected_and_has_a_message(tmp_path):
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(xlsx_bytes())
    workbook = read_part(plain, "xl/workbook.xml")
    transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    assert transitional in workbook
    strict = rewrite(
        plain,
        tmp_path / "严格.xlsx",
        {"xl/workbook.xml": workbook.replace(transitional, b"http://purl.oclc.org/ooxml/spreadsheetml/main")},
    )
    assert is_strict_ooxml(strict) and not is_strict_ooxml(plain)
    message = STRICT_MESSAGE["workbook"].format(name=strict.name)
    assert "严格.xlsx" in message and "Excel 工作簿（*.xlsx）" in message


def test_an_oversized_template_part_is_refused_before_docxtpl(tmp_path, monkeypatch):
    from converter.read import ooxml_kind

    template = default_template_path()
    assert inspect_input(template, expect="docx") == "docx"
    size = len(read_part(template, "word/document.xml"))
    monkeypatch.setattr(ooxml_kind, "MAX_TEMPLATE_XML", size - 1)
    with pytest.raises(UnreadableInput) as info:
        inspect_input(template, expect="docx")
    assert "word/document.xml" in info.value.message and "上限" in info.value.message
    workbook = tmp_path / "plain.xlsx"
    workbook.write_bytes(xlsx_bytes())
    assert inspect_input(workbook) == "xlsx"  # workbooks are not templates


def test_damaged_zip_is_neither_strict_nor_macro(tmp_path):
    path = tmp_path / "坏.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert not is_strict_ooxml(path) and not is_macro_enabled(path)


def test_a_workbook_as_template_is_refused_in_chinese_only(tmp_path):
    path = tmp_path / "模板.docx"
    shutil.copyfile(SAMPLES / "huaian-2024.xlsx", path)
    with pytest.raises(UnreadableInput) as info:
        inspect_input(path, expect="docx")
    message = info.value.message
    assert "扩展名虽为 .docx，内容却是 Excel 工作簿" in message
    assert not re.search(r"\b(?!Excel|Word|docx|xlsx)[A-Za-z]{4,}\b", message.replace("模板.docx", "")), (
        message
    )


# --------------------------------------------------------------------------- README


def test_limits_markdown_lists_the_new_limits():
    from converter.render import limits

    text = limits_markdown()
    for limit in (MAX_JSON_DEPTH, MAX_NUMBER_DIGITS, f"{limits.MAX_LOOP_STEPS:,}", f"{limits.MAX_WIDTH:,}"):
        assert f"| {limit} |" in text
    assert "模板填充限制" in text and "255 字节" in text and "磁盘空间不足" in text


@pytest.mark.parametrize(
    ("prolog", "refused"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><x/>', True),
        ("<!--" + "注释" * 200_000 + "-->\n<!DOCTYPE x><x/>", True),  # past the first chunks
        (" " * 300_000 + "<!doctype x><x/>", True),
        ('<?xml version="1.0"?><?pi data?><!-- c --><x><y>&lt;!DOCTYPE</y></x>', False),
        ("<x/>" + "<!DOCTYPE x>", False),  # not in the prolog: no parser takes it as a declaration
    ],
)
def test_a_doctype_is_found_wherever_the_prolog_allows_it(tmp_path, prolog, refused):
    from converter.read.inspect import _Bytes, _prolog_has_doctype

    data = prolog.encode("utf-8")
    assert _prolog_has_doctype(_Bytes(io.BytesIO(data))) is refused


def test_only_the_prolog_of_a_huge_part_is_read(tmp_path):
    from converter.read.inspect import _Bytes, _prolog_has_doctype

    class Counting(io.BytesIO):
        taken = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.taken += len(chunk)
            return chunk

    stream = Counting(b'<?xml version="1.0"?><worksheet>' + b"<row/>" * 5_000_000 + b"</worksheet>")
    assert _prolog_has_doctype(_Bytes(stream)) is False
    assert Counting.taken <= 64 * 1024
