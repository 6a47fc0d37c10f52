"""The limits an input is held to before any library parses it, and the Chinese advice the inspection
gives (what the file should have been, how to save it as that, how to remove a password)."""

from __future__ import annotations

from typing import Literal

# Detection is by content (magic bytes, the zip's central directory), never by the extension alone.
# The zip limits below are checked on the central directory only (the declared ZipInfo.file_size), so
# nothing is decompressed to decide; zipfile never returns more than an entry's declared size, so a
# directory that lies about sizes cannot smuggle more data past them.
MiB = 1024 * 1024

MAX_ZIP_ENTRIES = 10_000
"""More parts than this is not an Office file a person made (a large report has a few dozen)."""
MAX_TOTAL_UNCOMPRESSED = 200 * MiB
"""Sum of the declared uncompressed sizes of all parts; a filled report workbook is well under 1 MiB."""
MAX_COMPRESSION_RATIO = 100
"""A part larger than `RATIO_CHECKED_ABOVE` that shrank more than this is treated as a zip bomb."""
RATIO_CHECKED_ABOVE = 10 * MiB
"""Small parts may compress very well (empty XML); only large ones are held to `MAX_COMPRESSION_RATIO`."""
MAX_CENTRAL_DIRECTORY = 4 * MiB
"""Size of the zip's table of contents, checked before `zipfile` builds one object per entry."""
MAX_JSON_BYTES = 20 * MiB
"""A JSON report written by `xxgk dump` is a few dozen KiB."""
MAX_JSON_DEPTH = 64
"""Nesting of objects and lists; a report written by `xxgk dump` is 4 deep."""
MAX_NUMBER_DIGITS = 30
"""Digits in one number literal; the largest real figure (an amount in 元) has fewer than 15."""

SNIFF_BYTES = 8192
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty zip
ENCRYPTION_MARKERS = tuple(name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))

Expect = Literal["workbook", "docx"]
EXPECTED = {"workbook": "Excel 工作簿（.xlsx）", "docx": "Word 文档（.docx）"}
ACCEPTED = {"workbook": ("xlsx", "json"), "docx": ("docx",)}

SAVE_AS = {
    "workbook": "请在 Excel 或 WPS 中打开它，用“文件→另存为”保存为“Excel 工作簿（*.xlsx）”，"
    "再使用新保存的 .xlsx 文件",
    "docx": "请在 Word 或 WPS 中打开它，用“文件→另存为”保存为“Word 文档（*.docx）”，"
    "再使用新保存的 .docx 文件",
}
CHOOSE = {
    "workbook": "请选择填好的 Excel 工作簿（.xlsx），或 `xxgk dump` 输出的 .json 文件",
    "docx": "请选择 Word 模板文件（.docx）",
}
REMOVE_PASSWORD = {
    "workbook": "请在 Excel 中打开它，点“文件→信息→保护工作簿→用密码进行加密”，清空密码后保存"
    "（WPS：“文件→文档加密→密码加密”，清空打开密码后保存），再使用该文件",
    "docx": "请在 Word 中打开它，点“文件→信息→保护文档→用密码进行加密”，清空密码后保存"
    "（WPS：“文件→文档加密→密码加密”，清空打开密码后保存），再使用该文件",
}

# Parts that identify what an Office Open XML or OpenDocument zip holds (names compared case-insensitively).
ZIP_KINDS = {
    "xl/workbook.xml": "xlsx",
    "word/document.xml": "docx",
    "xl/workbook.bin": "xlsb",
    "ppt/presentation.xml": "pptx",
}
KIND_NAMES = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "docx": "Word 文档（.docx）",
    "xlsb": "Excel 二进制工作簿（.xlsb）",
    "pptx": "PowerPoint 演示文稿（.pptx）",
    "ods": "OpenDocument 表格（.ods）",
    "odt": "OpenDocument 文本（.odt）",
}
CLAIMS = {"workbook": (".xlsx", ".xlsm", ".xltx", ".xltm"), "docx": (".docx", ".docm", ".dotx", ".dotm")}
CONVERTIBLE = {"workbook": {"xlsb", "ods"}, "docx": {"odt"}}  # same content, another format: save as

# Old binary (OLE2 compound) formats, told apart by extension only: their content looks alike.
OLE2_NAMES = {
    ".xls": ("workbook", "Excel 97-2003 工作簿（.xls）"),
    ".xlt": ("workbook", "Excel 97-2003 模板（.xlt）"),
    ".et": ("workbook", "WPS 表格文件（.et）"),
    ".ett": ("workbook", "WPS 表格模板（.ett）"),
    ".doc": ("docx", "Word 97-2003 文档（.doc）"),
    ".dot": ("docx", "Word 97-2003 模板（.dot）"),
    ".wps": ("docx", "WPS 文字文件（.wps）"),
    ".wpt": ("docx", "WPS 文字模板（.wpt）"),
}
