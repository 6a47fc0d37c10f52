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
