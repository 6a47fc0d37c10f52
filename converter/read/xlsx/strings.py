"""Shared strings for the bounded .xlsx reader: only the items the wanted cells use, found by counting.

A pasted register can put hundreds of thousands of strings into sharedStrings.xml, before or between the
report's. Parsing them all costs a second and more; instead the item start tags are counted in the
decompressed bytes (a regular expression, at the speed of zlib) and only the wanted items are parsed,
each on its own. Counting is exact because `<` cannot occur in XML text or attribute values; where the
part holds what could hide one (a comment, CDATA, a processing instruction) or is not UTF-8, every item
up to the last wanted one is parsed instead.
"""

from __future__ import annotations

import re
from typing import IO, Any

from lxml import etree

from .parts import (
    PARSE_ERRORS,
    ByteWindow,
    Package,
    SheetError,
    XlsxError,
    a1,
    elements,
    item_text,
    tags,
)

MAX_ITEM_BYTES = 16 << 20  # libxml2 refuses a text node over 10 MB anyway
MAX_PARSED_ITEMS = 250_000  # where items cannot be counted; no office suite writes such a part
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(<\?xml\s[^>]*\?>)?\s*")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]{0,40}:)?sst(?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*\s*>")
_OTHER_ENCODING = re.compile(rb"encoding\s*=\s*[\"'](?!utf-?8[\"'])", re.IGNORECASE)
_FRAGMENT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def fill_shared_strings(
    package: Package, part: str, needs: dict[int, list[tuple[Any, tuple[int, int]]]]
) -> None:
    """Put the needed shared strings into their cells: `needs` maps an item's index to (Sheet, cell)s.

    Raises SheetError naming the first cell whose string does not exist, XlsxError for a damaged part.
    """
    texts: dict[int, str] = {}
    if part and package.has(part):
        try:
            with package.open(part) as stream:
                found = _counted(stream, set(needs))
            texts = found if found is not None else _parsed(package.open(part), set(needs))
        except PARSE_ERRORS as exc:
            raise XlsxError(f"shared strings: {type(exc).__name__}: {exc}") from exc
    for index in sorted(needs):
        if index not in texts:
            sheet, key = needs[index][0]
            raise SheetError(sheet.title, f"{a1(*key)}: shared string {index} does not exist")
        text = texts[index].replace("x005F_", "")  # as openpyxl's read_string_table
        for sheet, key in needs[index]:
            sheet.cells[key] = text


def _parsed(stream: IO[bytes], wanted: set[int]) -> dict[int, str]:
    """The wanted items' text, parsing every item up to the last wanted one (at most MAX_PARSED_ITEMS)."""
    texts: dict[int, str] = {}
    last = max(wanted)
    if last >= MAX_PARSED_ITEMS:
        raise ValueError(f"more than {MAX_PARSED_ITEMS:,} string items to parse")
    for index, element in enumerate(elements(stream, tags("si"))):
        if index in wanted:
            texts[index] = item_text(element)
        if index == last:
            break
    return texts


def _counted(stream: IO[bytes], wanted: set[int]) -> dict[int, str] | None:
    """The wanted items' text, found by counting item start tags; None where counting is not safe."""
    buffer = ByteWindow(stream)
    head = buffer.fill(1 << 16)
    prolog = _PROLOG.match(head)
    root = _ROOT.match(head, prolog.end())
    if root is None or _OTHER_ENCODING.search(prolog.group(1) or b""):
        return None
    prefix = re.escape(root.group(1) or b"")
    start = re.compile(rb"<(?:([!?])|" + prefix + rb"si\s*(/?)>)")
    end = re.compile(rb"</" + prefix + rb"si\s*>")
    wrap = (head[: root.end()], b"</" + (root.group(1) or b"") + b"sst>")
    buffer.pos = root.end()
    texts: dict[int, str] = {}
    last = max(wanted)
    for index in range(last + 1):
        match = buffer.search(start)
        if match is None:
            break
        if match.group(1):
            return None  # a comment, CDATA or processing instruction could hold a "<si>" that is not one
        if index not in wanted or match.group(2):  # not shown, or <si/>
            buffer.pos = match.end()
            if index in wanted:
                texts[index] = ""
        else:
            buffer.pos = match.start()
            item = buffer.take_through(end, MAX_ITEM_BYTES)
            if b"<!" in item or b"<?" in item:
                return None  # CDATA could hold a "</si>" that is not one
            texts[index] = _item(wrap, item)
    return texts


def _item(wrap: tuple[bytes, bytes], item: bytes) -> str:
    """Parse one <si> inside a copy of the root's start tag, which declares its namespaces."""
    root = etree.fromstring(wrap[0] + item + wrap[1], _FRAGMENT_PARSER)
    return item_text(root[0]) if len(root) else ""
