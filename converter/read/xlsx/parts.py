"""The low level of the bounded .xlsx reader: parts found by name or relationship, parsed as a stream.

Every parse here uses lxml's pull parser with entities unresolved, no network and libxml2's default size
limits, and clears what it has read, so memory holds one element at a time whatever a part's size.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # Transitional
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict
)
RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
PARSE_ERRORS = (etree.LxmlError, ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, zlib.error)
"""What zipfile and lxml raise for a damaged part."""
MAX_PART_ELEMENTS = 1_000_000
"""XML elements parsed of workbook.xml, its relationships, styles.xml or sharedStrings.xml (where the
items cannot be counted): a workbook bloated with 64,000 cell formats has a few hundred thousand."""
CHUNK = 1 << 20
"""Bytes decompressed at a time where a part is scanned rather than parsed."""
PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False, "remove_comments": True}


class XlsxError(Exception):
    """The workbook's package or one of its shared parts cannot be read; `reason` says why (English)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SheetError(XlsxError):
    """A wanted sheet cannot be read: its part is missing or its XML is damaged. `sheet` is its name."""

    def __init__(self, sheet: str, reason: str):
        super().__init__(reason)
        self.sheet = sheet


class SheetTooLarge(SheetError):
    """A wanted sheet holds more elements within its wanted rows than `limit`: refused, not parsed on."""

    def __init__(self, sheet: str, limit: int):
        super().__init__(sheet, f"more than {limit:,} XML elements in the rows read")
        self.limit = limit


class Package:
    """Parts by name, found case-insensitively (writers differ), and the relationships between them."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names: dict[str, str] = {}
        for name in archive.namelist():
            self.names.setdefault(name.lower(), name)

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def open(self, part: str) -> IO[bytes]:
        return self.archive.open(self.names[part.lower()])

    def size(self, part: str) -> int:
        """The part's uncompressed size as the zip directory declares it (zipfile never yields more)."""
        return self.archive.getinfo(self.names[part.lower()]).file_size

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, target part) of `part`'s internal relationships (empty when it has none)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        found: dict[str, tuple[str, str]] = {}
        if not self.has(rels):
            return found
        tag = (f"{{{PACKAGE_RELATIONSHIPS}}}Relationship",)
        for element in elements(self.open(rels), tag):
            target = element.get("Target", "")
            if element.get("TargetMode") != "External" and target:
                found[element.get("Id", "")] = (element.get("Type", ""), resolve(folder, target))
        return found


def resolve(folder: str, target: str) -> str:
    """A relationship target as a part name, as openpyxl resolves it."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


def of_type(rel_type: str, name: str) -> bool:
    """Whether a relationship type (Transitional or Strict URI) is `name`, e.g. "worksheet"."""
    return rel_type.rsplit("/", 1)[-1] == name


CHUNK = 64 * 1024


def events(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """("start"|"end", element) as parsed, in chunks: the events parsed before a syntax error come first,
    then the error is raised (lxml's iterparse may raise before handing out a chunk's earlier events, so
    broken XML below the wanted rows would be an error although it is never needed)."""
    parser = etree.XMLPullParser(events=("start", "end"), **PARSER_OPTIONS)
    while True:
        chunk = stream.read(CHUNK)
        try:
            parser.feed(chunk) if chunk else parser.close()
        except etree.XMLSyntaxError:
            yield from parser.read_events()
            raise
        yield from parser.read_events()
        if not chunk:
            return


def elements(stream: IO[bytes], tag: tuple[str, ...], root: str = "") -> Iterator[Any]:
    """Each `tag` element once parsed; every element is then cleared and dropped with its earlier
    siblings. With `root`, the root element must be SpreadsheetML (`root` names the part in the error).
    At most MAX_PART_ELEMENTS are parsed (the caller stops early where it can)."""
    inside = 0  # depth within a wanted element, whose descendants are kept until it ends
    parsed = 0
    with stream:
        for event, element in events(stream):
            wanted = element.tag in tag
            if event == "start":
                parsed += 1
                if parsed > MAX_PART_ELEMENTS:
                    raise XlsxError(f"more than {MAX_PART_ELEMENTS:,} XML elements to parse in a part")
                if root and element.getparent() is None and not is_main(element.tag):
                    raise XlsxError(f"the {root} part is not SpreadsheetML (root element {element.tag})")
                inside += wanted or inside > 0
                continue
            if wanted:
                yield element
            if inside:
                inside -= 1
            if not inside:
                drop(element)


def drop(element: Any) -> None:
    """Free a parsed element and the siblings parsed before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


_LOCAL: dict[Any, str] = {}  # a part has a few dozen distinct tags, met thousands of times


def local(tag: Any) -> str:
    """`c` of `{namespace}c` (and "" for a comment or processing instruction)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(_LOCAL) < 10_000:  # bounded: a hostile part may invent tags
            _LOCAL[tag] = name
    return name


def namespace(tag: str) -> str:
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def is_main(tag: str) -> bool:
    return namespace(tag) in MAIN_NAMESPACES


def tags(name: str) -> tuple[str, ...]:
    """`name` in each SpreadsheetML namespace, as iterparse reports tags."""
    return tuple(f"{{{ns}}}{name}" for ns in MAIN_NAMESPACES)


def item_text(element: Any) -> str:
    """The plain text of a string item (<si> or <is>) as openpyxl's `Text.content`: its <t>, then each
    run's <t>. Phonetic runs (<rPh>) are left out; as in openpyxl the last of repeated <t> counts."""
    plain = None
    runs = []
    for child in element:
        name = local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            run = None
            for part in child:
                if local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return "".join(([plain] if plain is not None else []) + runs)


def a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


class ByteWindow:
    """A part's decompressed bytes, scanned forward through a window of about one chunk.

    `pos` is where the unscanned bytes start in `data`; when more is read, `keep` bytes before `pos`
    stay (for a look back) and positions move. A match is found whole if shorter than `lookbehind`.
    """

    def __init__(self, stream: IO[bytes], lookbehind: int = 64, keep: int = 0):
        self.stream, self.lookbehind, self.keep = stream, lookbehind, keep
        self.data = b""
        self.pos = 0
        self.eof = False

    def fill(self, size: int) -> bytes:
        while len(self.data) < size and not self.eof:
            self._read()
        return self.data

    def search(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """The first match from `pos`, reading on as needed (None at the end)."""
        while True:
            match = pattern.search(self.data, self.pos)
            if match is not None or self.eof:
                return match
            self.pos = max(len(self.data) - self.lookbehind, self.pos)  # a match may start in the last bytes
            self._read()

    def take_through(self, pattern: re.Pattern[bytes], limit: int) -> bytes:
        """The bytes from `pos` up to and including the next match (at most `limit`), consumed."""
        searched = 0  # bytes after `pos` already searched
        while True:
            match = pattern.search(self.data, self.pos + max(searched - self.lookbehind, 0))
            if match is not None:
                taken = self.data[self.pos : match.end()]
                self.pos = match.end()
                return taken
            if self.eof or len(self.data) - self.pos > limit:
                raise ValueError("an element has no end or is too large")
            searched = len(self.data) - self.pos
            self._read()

    def _read(self) -> None:
        more = self.stream.read(CHUNK)
        self.eof = not more
        start = max(self.pos - self.keep, 0)
        self.data = self.data[start:] + more
        self.pos -= start
