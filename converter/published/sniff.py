"""What a published report file really is, by content: docx, pdf, html or text."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UnreadableInput
from ..read import inspect as safety

KINDS = {"docx": "Word 文档", "pdf": "PDF", "html": "网页", "markdown": "Markdown 文本", "text": "文本"}
ACCEPTED = (
    "请选择已发布的年度报告：Word 文档（.docx）、带文字的 PDF、网页（.html）、Markdown（.md）或文本（.txt）"
)


def sniff_published(path: Path) -> str:
    """ "docx" | "pdf" | "html" | "markdown" | "text"; anything else (or unsafe) is UnreadableInput."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"找不到文件 {path}，或它不是一个文件。")
    with path.open("rb") as fh:
        head = fh.read(safety.SNIFF_BYTES)
    if not head:
        raise UnreadableInput(f"{path.name} 是空文件（0 字节）；{ACCEPTED}。")
    if head.startswith(safety.ZIP_MAGICS) or head.startswith(safety.OLE2_MAGIC):
        return safety.inspect_input(path, expect="docx", template=False)  # zip safety, .doc/.wps, .odt
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if not safety._is_text(head):
        raise UnreadableInput(f"{path.name} 不是能识别的报告格式；{ACCEPTED}。")
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"mime-version:" in start[:2048] and b"multipart/related" in start[:2048]:
        return "html"  # a page saved as one file (.mht): read_html takes the HTML out
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<meta", b"<head", b"<body", b"<!--")) or (
        b"<html" in head.lower() or b"<table" in head.lower()
    ):
        return "html"
    if start.startswith(b"{"):
        raise UnreadableInput(f"{path.name} 是 JSON 文件，不是已发布的报告；JSON 可直接用于 `xxgk check`。")
    if path.suffix.lower() in (".md", ".markdown") or _markdown_head(head):
        return "markdown"
    return "text"


def _markdown_head(head: bytes) -> bool:
    from .read_markdown import is_markdown

    return any(is_markdown(head.decode(encoding, errors="ignore")) for encoding in ("utf-8", "gb18030"))
