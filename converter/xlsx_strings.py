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

from .xlsx_parts import PARSE_ERRORS, Package, SheetError, XlsxError, a1, elements, item_text, tags

CHUNK = 1 << 20
MAX_ITEM_BYTES = 16 << 20  # libxml2 refuses a text node over 10 MB anyway
_LOOKBEHIND = 64  # a tag the patterns look for is shorter than this
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
    """The wanted items' text, parsing every item up to the last wanted one."""
    texts: dict[int, str] = {}
    last = max(wanted)
    for index, element in enumerate(elements(stream, tags("si"))):
        if index in wanted:
            texts[index] = item_text(element)
        if index == last:
            break
    return texts


def _counted(stream: IO[bytes], wanted: set[int]) -> dict[int, str] | None:
    """The wanted items' text, found by counting item start tags; None where counting is not safe."""
    buffer = _Buffer(stream)
    head = buffer.fill(CHUNK)
    prolog = _PROLOG.match(head)
    root = _ROOT.match(head, prolog.end())
    if root is None or _OTHER_ENCODING.search(prolog.group(1) or b""):
        return None
    prefix = re.escape(root.group(1) or b"")
    start = re.compile(rb"<(?:([!?])|" + prefix + rb"si\s*(/?)>)")
    end = re.compile(rb"</" + prefix + rb"si\s*>")
    wrap = (head[: root.end()], b"</" + (root.group(1) or b"") + b"sst>")
    buffer.consume(root.end())
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
            item = buffer.take_through(end)
            if b"<!" in item or b"<?" in item:
                return None  # CDATA could hold a "</si>" that is not one
            texts[index] = _item(wrap, item)
    return texts


def _item(wrap: tuple[bytes, bytes], item: bytes) -> str:
    """Parse one <si> inside a copy of the root's start tag, which declares its namespaces."""
    root = etree.fromstring(wrap[0] + item + wrap[1], _FRAGMENT_PARSER)
    return item_text(root[0]) if len(root) else ""


class _Buffer:
    """A part's bytes seen through a window that moves forward: memory holds about one chunk.

    `pos` is where the unread bytes start; the window is compacted only when more is read.
    """

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.data = b""
        self.pos = 0
        self.eof = False

    def fill(self, size: int) -> bytes:
        while len(self.data) < size and not self.eof:
            self._read()
        return self.data

    def consume(self, count: int) -> None:
        self.pos += count

    def search(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """The first match from `pos`, reading on; match positions are in `data`."""
        while True:
            match = pattern.search(self.data, self.pos)
            if match is not None or self.eof:
                return match
            self.pos = max(len(self.data) - _LOOKBEHIND, self.pos)  # a match may start in the last bytes
            self._read()

    def take_through(self, pattern: re.Pattern[bytes]) -> bytes:
        """The bytes from `pos` up to and including the next match, consumed."""
        searched = 0  # bytes after `pos` already searched (positions move when more is read)
        while True:
            match = pattern.search(self.data, self.pos + max(searched - _LOOKBEHIND, 0))
            if match is not None:
                taken = self.data[self.pos : match.end()]
                self.pos = match.end()
                return taken
            if self.eof or len(self.data) - self.pos > MAX_ITEM_BYTES:
                raise ValueError("a shared string item has no end or is too large")
            searched = len(self.data) - self.pos
            self._read()

    def _read(self) -> None:
        more = self.stream.read(CHUNK)
        self.eof = not more
        self.data = self.data[self.pos :] + more
        self.pos = 0
