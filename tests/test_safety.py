"""Hostile and mistaken inputs: each is refused with a precise Chinese message and left byte-identical."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import struct
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import defusedxml
import docx
import openpyxl
import openpyxl.xml
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.core.errors import ExitCode, UnreadableInput
from converter.read import inspect as safety
from converter.read.inspect import duplicate_entries, inspect_input

MiB = 1024 * 1024
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


# --- builders: every file is made here, in tmp_path --------------------------------------------------


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "基本信息"
    workbook.active["A1"] = "机关名称"
    workbook.active["B1"] = 12
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("政府信息公开工作年度报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            kind = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def rewrite_zip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """A copy of the zip `data` with some parts' content replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: replace.get(name, source.read(name)) for name in source.namelist()}
    return zip_bytes(entries)


def ole2_bytes(*streams: str) -> bytes:
    """The compound-file magic, padding, and directory entries named like streams (UTF-16LE)."""
    body = bytearray(OLE2_MAGIC + bytes(504))
    for name in streams:
        entry = name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64)
        body += entry
    return bytes(body.ljust(4096, b"\x00"))


def owner_file_bytes(user: str = "zhangsan", total: int = 165) -> bytes:
    """An Office lock (owner) file: length byte, ANSI name padded to 54, UTF-16 length and name."""
    ansi = user.encode("ascii")
    head = bytes([len(ansi)]) + ansi.ljust(53, b" ")
    tail = struct.pack("<H", len(user)) + user.encode("utf-16-le")
    return (head + tail).ljust(total, b"\x00")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refuse(path: Path, *phrases: str, expect: str = "workbook", name: str | None = None) -> str:
    """Assert inspect_input refuses `path` naming it and saying each phrase, and leaves it unchanged."""
    before = sha256(path)
    with pytest.raises(UnreadableInput) as caught:
        inspect_input(path, expect=expect)
    message = caught.value.message
    assert (name or path.name) in message
    for phrase in phrases:
        assert phrase in message, message
    assert caught.value.exit_code is ExitCode.UNREADABLE
    assert sha256(path) == before
    return message


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- bad files, one case each ----------------------------------------------------------------------

CASES: list[tuple[str, str, Callable[[], bytes], str, tuple[str, ...]]] = [
    ("empty", "报表.xlsx", lambda: b"", "workbook", ("空文件", "0 字节")),
    (
        "truncated",
        "报表.xlsx",
        lambda: xlsx_bytes()[: len(xlsx_bytes()) // 2],
        "workbook",
        ("已损坏或不完整",),
    ),
    ("random", "报表.xlsx", lambda: random.Random(7).randbytes(4096), "workbook", ("不是 Excel 工作簿",)),
    ("docx-as-xlsx", "报表.xlsx", docx_bytes, "workbook", ("扩展名虽为 .xlsx", "Word 文档", "不是 Excel")),
    ("xlsx-as-docx", "模板.docx", xlsx_bytes, "docx", ("扩展名虽为 .docx", "Excel 工作簿", "不是 Word")),
    ("xls", "报表.xls", ole2_bytes, "workbook", ("Excel 97-2003", "另存为", ".xlsx")),
    ("et", "报表.et", ole2_bytes, "workbook", ("WPS 表格", "另存为", ".xlsx")),
    ("xls-renamed", "报表.xlsx", ole2_bytes, "workbook", ("旧格式", "另存为")),
    ("doc", "模板.doc", ole2_bytes, "docx", ("Word 97-2003", "另存为", ".docx")),
    ("doc-as-workbook", "报表.doc", ole2_bytes, "workbook", ("Word 97-2003", "不是 Excel")),
    (
        "encrypted",
        "报表.xlsx",
        lambda: ole2_bytes("EncryptionInfo", "EncryptedPackage"),
        "workbook",
        ("密码", "保护工作簿", "清空密码"),
    ),
    (
        "encrypted-docx",
        "模板.docx",
        lambda: ole2_bytes("EncryptedPackage"),
        "docx",
        ("密码", "保护文档", "清空密码"),
    ),
    (
        "csv",
        "报表.csv",
        lambda: "机关,申请数\n某某局,12\n".encode("gb18030"),
        "workbook",
        ("CSV", "不是 Excel"),
    ),
    ("csv-utf16", "报表.txt", lambda: "机关\t申请数\n".encode("utf-16"), "workbook", ("文本文件",)),
    (
        "html-xls",
        "导出.xls",
        lambda: b"<html><table><tr><td>1</td></tr></table></html>",
        "workbook",
        ("网页",),
    ),
    ("pdf", "报告.xlsx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "workbook", ("PDF",)),
    ("lock-named", "~$book.xlsx", owner_file_bytes, "workbook", ("锁定文件", "关闭", "~$")),
    ("lock-word", "~$模板.docx", lambda: owner_file_bytes(total=162), "docx", ("锁定文件",)),
    ("lock-renamed", "book.xlsx", owner_file_bytes, "workbook", ("锁定文件",)),
    (
        "lock-libreoffice",
        ".~lock.book.xlsx#",
        lambda: b",zhangsan,host,01.01.2025 09:00,file://;",
        "workbook",
        ("锁定文件",),
    ),
    (
        "zip-not-xlsx",
        "报表.xlsx",
        lambda: zip_bytes({"readme.txt": b"hello"}),
        "workbook",
        ("压缩包", "xl/workbook.xml"),
    ),
    ("zip-not-docx", "模板.docx", lambda: zip_bytes({"a.txt": b"x"}), "docx", ("word/document.xml",)),
    ("empty-zip", "报表.xlsx", lambda: zip_bytes({}), "workbook", ("压缩包",)),
    ("xlsb", "报表.xlsb", lambda: zip_bytes({"xl/workbook.bin": b"\x00"}), "workbook", (".xlsb", "另存为")),
    (
        "ods",
        "报表.ods",
        lambda: zip_bytes(
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
            stored_first="mimetype",
        ),
        "workbook",
        (".ods", "另存为"),
    ),
    ("json-as-docx", "模板.docx", lambda: b'{"info": {}}', "docx", ("JSON", "不是 Word")),
    (
        "dot-dot",
        "报表.xlsx",
        lambda: zip_bytes({"xl/workbook.xml": b"<x/>", "../evil": b"x"}),
        "workbook",
        ("../evil", "不安全"),
    ),
    (
        "dot-dot-inside",
        "报表.xlsx",
        lambda: zip_bytes({"xl/workbook.xml": b"<x/>", "xl/../../evil.txt": b"x"}),
        "workbook",
        ("xl/../../evil.txt", "不安全"),
    ),
    (
        "absolute",
        "报表.xlsx",
        lambda: zip_bytes({"xl/workbook.xml": b"<x/>", "/etc/evil": b"x"}),
        "workbook",
        ("不安全",),
    ),
    (
        "backslash",
        "报表.xlsx",
        lambda: zip_bytes({"xl/workbook.xml": b"<x/>", "..\\evil": b"x"}),
        "workbook",
        ("不安全",),
    ),
    (
        "drive",
        "报表.xlsx",
        lambda: zip_bytes({"xl/workbook.xml": b"<x/>", "C:/evil": b"x"}),
        "workbook",
        ("不安全",),
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "expect", "phrases"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_file_is_refused_and_left_untouched(tmp_path, name, data, expect, phrases):
    refuse(write(tmp_path, name, data()), *phrases, expect=expect)


def test_missing_file(tmp_path):
    refuse_path = tmp_path / "没有 这个.xlsx"
    with pytest.raises(UnreadableInput, match="找不到文件") as caught:
        inspect_input(refuse_path)
    assert str(refuse_path) in caught.value.message


def test_directory(tmp_path):
    folder = tmp_path / "报表.xlsx"
    folder.mkdir()
    with pytest.raises(UnreadableInput, match="文件夹") as caught:
        inspect_input(folder)
    assert "报表.xlsx" in caught.value.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "报表.xlsx"
    os.mkfifo(pipe)
    with pytest.raises(UnreadableInput, match="不是普通文件"):
        inspect_input(pipe)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "报表.xlsx", xlsx_bytes())
    path.chmod(0)
    with pytest.raises(UnreadableInput, match="没有权限读取"):
        inspect_input(path)


def test_unknown_expectation_is_a_bug(tmp_path):
    with pytest.raises(ValueError):
        inspect_input(write(tmp_path, "a.xlsx", xlsx_bytes()), expect="pdf")


# --- good files ------------------------------------------------------------------------------------


def test_xlsx_from_openpyxl(tmp_path):
    path = write(tmp_path, "2024年 报表.xlsx", xlsx_bytes())
    assert inspect_input(path) == "xlsx"
    assert duplicate_entries(path) == []


def test_kind_is_read_from_content_not_extension(tmp_path):
    assert inspect_input(write(tmp_path, "报表.dat", xlsx_bytes())) == "xlsx"
    assert inspect_input(write(tmp_path, "模板.bin", docx_bytes()), expect="docx") == "docx"


def test_docx_template(tmp_path):
    assert inspect_input(write(tmp_path, "模板.docx", docx_bytes()), expect="docx") == "docx"


@pytest.mark.parametrize("data", [b'{"info": {}}', b'\xef\xbb\xbf \n\t{"info": {}}'], ids=["plain", "bom"])
def test_json_report(tmp_path, data):
    assert inspect_input(write(tmp_path, "报告.json", data)) == "json"


def test_json_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_JSON_BYTES", 1024)
    path = write(tmp_path, "报告.json", json.dumps({"note": "x" * 2000}).encode())
    refuse(path, "超过 JSON 输入")


def test_limits_are_as_documented():
    limits = (safety.MAX_TOTAL_UNCOMPRESSED, safety.MAX_COMPRESSION_RATIO, safety.RATIO_CHECKED_ABOVE)
    assert limits == (200 * MiB, 100, 10 * MiB)
    assert (10_000, 20 * MiB) == (safety.MAX_ZIP_ENTRIES, safety.MAX_JSON_BYTES)


@pytest.mark.soffice
def test_files_saved_by_libreoffice(tmp_path, soffice):
    source = write(tmp_path, "source.xlsx", xlsx_bytes())
    (tmp_path / "lo").mkdir()
    converted = soffice(source, "xlsx", tmp_path / "lo")
    assert inspect_input(converted) == "xlsx"
    template = soffice(write(tmp_path, "template.docx", docx_bytes()), "docx", tmp_path / "lo")
    assert inspect_input(template, expect="docx") == "docx"


# --- zip hardening ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """One part of 300 MiB of zeros, streamed so neither memory nor disk holds it (about 300 KiB)."""
    path = tmp_path_factory.mktemp("bomb") / "报表.xlsx"
    chunk = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(300):
                part.write(chunk)
    return path


def test_zip_bomb_is_refused_fast_in_bounded_memory(zip_bomb):
    assert zip_bomb.stat().st_size < 2 * MiB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refuse(zip_bomb, "压缩炸弹", "sheet1.xml")
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 50 * MiB


def test_total_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 1000)
    refuse(write(tmp_path, "报表.xlsx", xlsx_bytes()), "解压后共", "安全上限")


def test_too_many_entries(tmp_path):
    entries = {f"xl/media/{i}.bin": b"" for i in range(safety.MAX_ZIP_ENTRIES + 1)}
    entries["xl/workbook.xml"] = b"<workbook/>"
    refuse(write(tmp_path, "报表.xlsx", zip_bytes(entries)), "部件过多")


def test_central_directory_is_bounded_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_CENTRAL_DIRECTORY", 100)
    refuse(write(tmp_path, "报表.xlsx", xlsx_bytes()), "部件过多")


def test_zip_level_encryption(tmp_path):
    data = bytearray(zip_bytes({"xl/workbook.xml": b"<workbook/>"}))
    entry = data.index(b"PK\x01\x02")
    data[entry + 8] |= 0x1  # general purpose flag: encrypted
    refuse(write(tmp_path, "报表.xlsx", bytes(data)), "加了密码的压缩包")


def test_size_and_name_checks_never_decompress(tmp_path, zip_bomb, monkeypatch):
    evil = write(tmp_path, "报表.xlsx", zip_bytes({"xl/workbook.xml": b"<x/>", "../evil": b"x"}))

    def forbidden(*args, **kwargs):
        raise AssertionError("the zip checks must not decompress")

    monkeypatch.setattr(zipfile.ZipFile, "open", forbidden)
    monkeypatch.setattr(zipfile.ZipFile, "read", forbidden)
    refuse(zip_bomb, "压缩炸弹")
    refuse(evil, "不安全")
    assert duplicate_entries(zip_bomb) == []


def test_damaged_part_data(tmp_path):
    data = bytearray(zip_bytes({"xl/workbook.xml": b"<workbook>" + b"<sheet/>" * 2000 + b"</workbook>"}))
    middle = data.index(b"xl/workbook.xml") + 40  # inside the compressed data of the part
    data[middle : middle + 8] = bytes(8)
    refuse(write(tmp_path, "报表.xlsx", bytes(data)), "已损坏")


def test_duplicate_entries_are_reported_not_refused(tmp_path):
    data = docx_bytes()
    buffer = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns "Duplicate name" while writing
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("word/document.xml", b"<w:document/>")
            archive.writestr("[content_types].XML", b"<Types/>")
    path = write(tmp_path, "模板.docx", buffer.getvalue())
    assert inspect_input(path, expect="docx") == "docx"
    assert duplicate_entries(path) == ["[Content_Types].xml", "word/document.xml"]


# --- any bytes: only UnreadableInput, never a crash, never a change --------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def inspect_or_refuse(path: Path, expect: str = "workbook") -> str | None:
    before = sha256(path)
    try:
        return inspect_input(path, expect=expect)
    except UnreadableInput as exc:
        assert path.name in exc.message
        return None
    finally:
        assert sha256(path) == before


@FUZZ
@given(data=st.binary(max_size=2048))
def test_any_bytes(tmp_path, data):
    path = write(tmp_path, "报表.xlsx", data)
    assert inspect_or_refuse(path) in ("json", None)
    assert inspect_or_refuse(path, "docx") is None


XLSX = xlsx_bytes()


@FUZZ
@given(
    cut=st.integers(0, len(XLSX) - 1),
    flips=st.lists(st.tuples(st.integers(0, len(XLSX) - 1), st.integers(1, 255))),
)
def test_damaged_xlsx(tmp_path, cut, flips):
    data = bytearray(XLSX)
    for position, mask in flips:
        data[position] ^= mask
    path = write(tmp_path, "报表.xlsx", bytes(data[: len(data) - cut]))
    assert inspect_or_refuse(path) in ("xlsx", None)


# --- XML attacks are stopped by openpyxl's defusedxml parser ---------------------------------------

LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)
EXTERNAL = b'<!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
ATTACKS = {"billion-laughs": (LAUGHS, b"&lol9;"), "external-entity": (EXTERNAL, b"&x;")}
SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def with_shared_strings(text: bytes, doctype: bytes = b"") -> bytes:
    """XLSX with A1 moved from an inline string (openpyxl) to xl/sharedStrings.xml (as Excel writes it)."""
    with zipfile.ZipFile(io.BytesIO(XLSX)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", SST_TYPE + b"</Types>")
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        rb'<c r="A1" t="inlineStr">.*?</c>', b'<c r="A1" t="s"><v>0</v></c>', sheet
    )
    parts["xl/sharedStrings.xml"] = (
        doctype + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>" + text + b"</t></si></sst>"
    )
    return zip_bytes(parts)


def with_sheet_name(name: bytes, doctype: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(XLSX)) as source:
        original = source.read("xl/workbook.xml")
    return rewrite_zip(XLSX, {"xl/workbook.xml": doctype + original.replace(b'name="', b'name="' + name, 1)})


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_shared_strings_are_really_read(tmp_path):
    """The control for the attacks below: the part they poison is the one openpyxl reads."""
    path = write(tmp_path, "报表.xlsx", with_shared_strings("申请数".encode()))
    workbook = openpyxl.load_workbook(path)
    assert workbook.active["A1"].value == "申请数"
    workbook.close()


@pytest.mark.parametrize(("doctype", "reference"), ATTACKS.values(), ids=ATTACKS.keys())
@pytest.mark.parametrize("build", [with_shared_strings, with_sheet_name], ids=["sharedStrings", "workbook"])
def parser_refused(error: BaseException) -> bool:
    """defusedxml (sheets, shared strings) or lxml/expat (workbook.xml) somewhere in the chain."""
    while error is not None:
        if isinstance(error, (defusedxml.DefusedXmlException, SyntaxError)):
            return True
        error = error.__cause__ or error.__context__
    return False


@pytest.mark.parametrize(("doctype", "reference"), ATTACKS.values(), ids=ATTACKS.keys())
@pytest.mark.parametrize("build", [with_shared_strings, with_sheet_name], ids=["sharedStrings", "workbook"])
def test_xml_entity_attacks(tmp_path, build, doctype, reference):
    """Refused by inspect_input (any DTD); and openpyxl alone would fail too (defence in depth)."""
    path = write(tmp_path, "报表.xlsx", build(reference, doctype))
    refuse(path, "<!DOCTYPE", "恶意构造")
    before = sha256(path)
    with pytest.raises((ValueError, SyntaxError)) as caught:
        openpyxl.load_workbook(path)
    assert parser_refused(caught.value)
    assert sha256(path) == before


def test_external_entity_openpyxl_would_silently_accept(tmp_path):
    """With lxml present, openpyxl parses workbook.xml with lxml: an entity in element text is neither
    resolved nor refused, and the workbook loads. inspect_input is the layer that refuses it."""
    with zipfile.ZipFile(io.BytesIO(XLSX)) as source:
        original = source.read("xl/workbook.xml")
    leak = b'<definedNames><definedName name="leak">&x;</definedName></definedNames></workbook>'
    path = write(
        tmp_path,
        "报表.xlsx",
        rewrite_zip(XLSX, {"xl/workbook.xml": EXTERNAL + original.replace(b"</workbook>", leak)}),
    )
    refuse(path, "xl/workbook.xml", "<!DOCTYPE")
    openpyxl.load_workbook(path).close()  # no error: this is why inspect_input checks


def test_doctype_in_a_utf16_part(tmp_path):
    part = ('<?xml version="1.0" encoding="UTF-16"?>' + EXTERNAL.decode() + "<Types/>").encode("utf-16-le")
    path = write(tmp_path, "报表.xlsx", rewrite_zip(XLSX, {"[Content_Types].xml": part}))
    refuse(path, "[Content_Types].xml", "<!DOCTYPE")
