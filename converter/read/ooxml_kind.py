"""Variants of an Office Open XML file that look like .xlsx/.docx but are not the ordinary kind.

- macro-enabled (.xlsm/.docm, also renamed): content type `…macroEnabled…` or a `vbaProject.bin` part;
- a Word template (.dotx/.dotm): python-docx refuses its content type (in English);
- Strict Open XML (Word/Excel "Strict Open XML" save option): main part in the `purl.oclc.org/ooxml`
  namespaces, which neither openpyxl nor python-docx reads.

Call only after `safety.inspect_input` has accepted the file (sizes checked, so reading parts is bounded).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

MiB = 1024 * 1024
MAX_TEMPLATE_XML = 4 * MiB
"""Uncompressed size of one XML part of a template that docxtpl renders (body, header, footer, notes,
properties); the default template's body is under 0.1 MiB. docxtpl works on each part as one string
several times over, so a 30 MiB body takes seconds and half a GB before any tag runs."""
RENDERED_PART = re.compile(r"^(word/[^/]+\.xml|docProps/core\.xml)$", re.IGNORECASE)
STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/"
HEAD_BYTES = 64 * 1024
MAIN_PARTS = ("xl/workbook.xml", "word/document.xml")

STRICT_MESSAGE = {
    "workbook": "{name} 是“Strict Open XML 电子表格”格式，本工具无法读取；"
    "请在 Excel 中打开它，用“文件→另存为”保存为“Excel 工作簿（*.xlsx）”"
    "（不要选“Strict Open XML 电子表格”），再使用新保存的文件。",
    "docx": "{name} 是“Strict Open XML 文档”格式，不能用作模板；"
    "请在 Word 中打开它，用“文件→另存为”保存为“Word 文档（*.docx）”"
    "（不要选“Strict Open XML 文档”），再使用新保存的文件。",
}
"""Messages for a Strict OOXML file, by what was expected; format with `name=path.name`."""

WORD_VARIANTS = {
    "macroEnabled.main": "启用宏的 Word 文档（.docm，宏从不执行）",
    "macroEnabledTemplate.main": "启用宏的 Word 模板（.dotm，宏从不执行）",
    "template.main": "Word 模板文件（.dotx）",
}
TEMPLATE_SAVE_AS = (
    "不能直接用作模板；请在 Word 中打开它，用“文件→另存为”保存为“Word 文档（*.docx）”，"
    "再使用新保存的 .docx 文件。"
)
MAIN_OVERRIDE = re.compile(rb'<(?:\w+:)?Override\b[^>]*?PartName="/word/document\.xml"[^>]*>', re.IGNORECASE)
CONTENT_TYPE = re.compile(rb'ContentType="([^"]+)"')


def _head(archive: zipfile.ZipFile, wanted: str) -> bytes:
    """The first `HEAD_BYTES` of the part named `wanted` (case-insensitively); b"" if there is none."""
    for info in archive.infolist():
        if info.filename.casefold() == wanted.casefold():
            with archive.open(info) as part:
                return part.read(HEAD_BYTES)
    return b""


def _read(path: Path, parts: tuple[str, ...]) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            return {name: _head(archive, name) for name in parts}
    except (OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, EOFError):
        return {}


def is_strict_ooxml(path: Path) -> bool:
    """True when the workbook's or document's main part is in the Strict OOXML namespaces."""
    return any(STRICT_NAMESPACE in head for head in _read(Path(path), MAIN_PARTS).values())


def is_macro_enabled(path: Path) -> bool:
    """True for .xlsm/.docm content (a renamed one too): a macro-enabled content type or a VBA part."""
    try:
        with zipfile.ZipFile(path) as archive:
            if any(info.filename.casefold().endswith("vbaproject.bin") for info in archive.infolist()):
                return True
            types = _head(archive, "[Content_Types].xml")
    except (OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, EOFError):
        return False
    return b"macroenabled" in types.lower()


def template_problem(path: Path) -> str | None:
    """Why the .docx at `path` cannot be a template (macro-enabled, a .dotx, Strict), or None."""
    path = Path(path)
    if oversized := _oversized_part(path):
        return oversized
    heads = _read(path, ("[Content_Types].xml", "word/document.xml"))
    if STRICT_NAMESPACE in heads.get("word/document.xml", b""):
        return STRICT_MESSAGE["docx"].format(name=path.name)
    override = MAIN_OVERRIDE.search(heads.get("[Content_Types].xml", b""))
    found = CONTENT_TYPE.search(override.group()) if override else None
    content_type = found.group(1).decode("ascii", "replace") if found else ""
    for marker, description in WORD_VARIANTS.items():
        if content_type.endswith(marker + "+xml"):
            space = " " if description[0].isascii() else ""  # `是 Word 模板`, `是启用宏的`
            return f"{path.name} 是{space}{description}，{TEMPLATE_SAVE_AS}"
    if is_macro_enabled(path):
        return f"{path.name} 含有宏（vbaProject.bin，宏从不执行），{TEMPLATE_SAVE_AS}"
    return None


MAX_REPORT_XML = 16 * MiB
"""Uncompressed size of a published report's body (word/document.xml); a 40-page report is ~2 MiB."""
REPORT_SAVE_AS = "请在 Word 或 WPS 中打开它，用“文件→另存为”保存为“Word 文档（*.docx）”后再导入。"


def report_problem(path: Path) -> str | None:
    """Why the .docx at `path` cannot be read as a published report (too large, Strict, a variant)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
        return None
    body = next((i for i in infos if i.filename.lower() == "word/document.xml"), None)
    if body is not None and body.file_size > MAX_REPORT_XML:
        return (
            f"{path.name} 的正文（word/document.xml）解压后有 {body.file_size / MiB:.1f} MiB，"
            f"超过已发布报告 {MAX_REPORT_XML // MiB} MiB 的上限（一份年度报告通常不到 2 MiB），"
            "为安全起见未读取；请确认选择了正确的文件。"
        )
    heads = _read(path, ("[Content_Types].xml", "word/document.xml"))
    if STRICT_NAMESPACE in heads.get("word/document.xml", b""):
        return f"{path.name} 是“Strict Open XML 文档”格式，无法读取；" + REPORT_SAVE_AS
    override = MAIN_OVERRIDE.search(heads.get("[Content_Types].xml", b""))
    found = CONTENT_TYPE.search(override.group()) if override else None
    content_type = found.group(1).decode("ascii", "replace") if found else ""
    for marker, description in WORD_VARIANTS.items():
        if content_type.endswith(marker + "+xml"):
            space = " " if description[0].isascii() else ""
            return f"{path.name} 是{space}{description}，" + REPORT_SAVE_AS
    return None


def _oversized_part(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
        return None
    for info in infos:
        if RENDERED_PART.match(info.filename) and info.file_size > MAX_TEMPLATE_XML:
            return (
                f"{path.name} 的部件“{info.filename}”解压后有 {info.file_size / MiB:.1f} MiB，"
                f"超过模板每个部件 {MAX_TEMPLATE_XML // MiB} MiB 的上限（默认模板的正文不到 0.1 MiB），"
                "不能用作模板；请删去模板中大段的示例文字或表格后再试。"
            )
    return None
