"""Look at an input file before any library parses it: what it really is, and whether it is safe to open."""

from __future__ import annotations

import errno
import re
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from ..core.errors import UnreadableInput
from .limits import (
    ACCEPTED,
    CHOOSE,
    CLAIMS,
    CONVERTIBLE,
    ENCRYPTION_MARKERS,
    EXPECTED,
    KIND_NAMES,
    MAX_CENTRAL_DIRECTORY,
    MAX_COMPRESSION_RATIO,
    MAX_JSON_BYTES,
    MAX_TOTAL_UNCOMPRESSED,
    MAX_ZIP_ENTRIES,
    OLE2_MAGIC,
    OLE2_NAMES,
    RATIO_CHECKED_ABOVE,
    REMOVE_PASSWORD,
    SAVE_AS,
    SNIFF_BYTES,
    ZIP_KINDS,
    ZIP_MAGICS,
    Expect,
    MiB,
)
from .ooxml_kind import STRICT_MESSAGE as STRICT_MESSAGE
from .ooxml_kind import is_macro_enabled as is_macro_enabled
from .ooxml_kind import is_strict_ooxml as is_strict_ooxml
from .ooxml_kind import report_problem, template_problem


def inspect_input(path: Path, *, expect: Expect = "workbook", template: bool = True) -> str:
    """What `path` really is: "xlsx" or "json" for expect="workbook", "docx" for expect="docx".

    Anything else (missing, empty, a lock file, an old or encrypted Office file, text, a zip that is not
    the expected Office file, a corrupt or hostile zip, an oversized JSON) raises UnreadableInput with a
    Chinese message that names the file and says what to do. The file is only read, never changed.
    A .docx is held to a template's limits, or with `template=False` to a published report's.
    """
    if expect not in EXPECTED:
        raise ValueError(f"expect must be one of {sorted(EXPECTED)}, not {expect!r}")
    path = Path(path)
    size = _regular_file_size(path)
    if _is_lock_name(path.name):
        raise UnreadableInput(_lock_message(path))
    if size == 0:
        raise UnreadableInput(
            f"{path.name} 是空文件（0 字节），可能没有保存成功或复制不完整；{CHOOSE[expect]}。"
        )
    head = _read_head(path)
    if head.startswith(ZIP_MAGICS):
        return _inspect_zip(path, head, size, expect, template)
    if head.startswith(OLE2_MAGIC):
        raise UnreadableInput(_ole2_message(path, expect))
    if _looks_like_owner_file(head, size):
        raise UnreadableInput(_lock_message(path))
    if _is_json(head) and expect == "workbook":
        return _accept_json(path, size)
    raise UnreadableInput(_other_message(path, head, expect))


def duplicate_entries(path: Path) -> list[str]:
    """Part names that occur more than once in the zip (compared case-insensitively, as OPC does).

    LibreOffice can write such templates; zipfile then reads the last copy while other readers may take
    the first, so the caller decides what to do. Call after `inspect_input` accepted the file.
    """
    path = Path(path)
    infos = _read_directory(path, _regular_file_size(path))
    counts = Counter(info.filename.casefold() for info in infos)
    seen: set[str] = set()
    duplicates = []
    for info in infos:
        key = info.filename.casefold()
        if counts[key] > 1 and key not in seen:
            seen.add(key)
            duplicates.append(info.filename)
    return duplicates


# --- the file itself -------------------------------------------------------------------------------


def _regular_file_size(path: Path) -> int:
    """Size of a regular file; a folder, a device or a pipe (which could block a read) is refused."""
    try:
        if path.is_dir():
            raise UnreadableInput(f"{path} 是一个文件夹，不是文件；请选择文件夹中的具体文件。")
        if not path.exists():
            raise UnreadableInput(f"找不到文件 {path}；请检查文件名和所在文件夹是否正确。")
        if not path.is_file():
            raise UnreadableInput(
                f"{path.name} 不是普通文件（可能是设备或管道）；请选择一个保存在磁盘上的文件。"
            )
        return path.stat().st_size
    except OSError as exc:
        raise UnreadableInput(_os_message(path, exc)) from exc


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableInput(_os_message(path, exc)) from exc


def _os_message(path: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"没有权限读取 {path}；请把文件复制到自己有权限的文件夹（如“文档”）后再试。"
    return f"无法读取 {path}（{exc.strerror or exc}）；请把文件复制到本机磁盘后再试。"


def _is_lock_name(name: str) -> bool:
    """`~$book.xlsx` (Excel, Word, WPS) or `.~lock.book.xlsx#` (LibreOffice)."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def _looks_like_owner_file(head: bytes, size: int) -> bool:
    """An Office owner (lock) file even when renamed.

    Layout: a length byte and the user name in the ANSI code page, blank padding to byte 54, then a
    two-byte little-endian length and the name again in UTF-16LE (162 or 165 bytes in all). Byte 55 is
    NUL, so no text file matches.
    """
    if not 56 <= size <= 512 or len(head) < 56:
        return False
    length = head[0]
    if not 1 <= length <= 52 or not 1 <= head[54] <= 52 or head[55] != 0:
        return False
    user, padding = head[1 : 1 + length], head[1 + length : 54]
    return all(byte >= 0x20 for byte in user) and all(byte in (0x00, 0x20) for byte in padding)


def _lock_message(path: Path) -> str:
    libreoffice = path.name.startswith(".~lock.")
    real = "去掉开头的“.~lock.”和末尾的“#”" if libreoffice else "不带开头的“~$”"
    return (
        f"{path.name} 是 Excel/Word/WPS/LibreOffice 在文档打开期间生成的临时锁定文件，不是文档本身；"
        f"请先关闭正在打开的文档，再选择真正的文件（通常在同一文件夹，文件名{real}）。"
    )


# --- old binary Office files -----------------------------------------------------------------------


def _ole2_message(path: Path, expect: Expect) -> str:
    with path.open("rb") as stream:
        encrypted = _contains_any(stream, ENCRYPTION_MARKERS)
    if encrypted:
        return f"{path.name} 设置了打开密码（文件已加密），无法读取；{REMOVE_PASSWORD[expect]}。"
    suffix = path.suffix.lower()
    family, description = OLE2_NAMES.get(suffix, (expect, "Office 97-2003 旧版二进制文件"))
    if family != expect:
        return f"{path.name} 是 {description}，不是 {EXPECTED[expect]}；{CHOOSE[expect]}。"
    renamed = f"（扩展名虽为 {path.suffix}，内容却是旧格式）" if suffix in CLAIMS[expect] else ""
    return f"{path.name} 是 {description}{renamed}，本工具只能读取 {EXPECTED[expect]}；{SAVE_AS[expect]}。"


def _contains_any(stream: BinaryIO, needles: tuple[bytes, ...], chunk: int = MiB) -> bool:
    """Read in chunks (overlapping by a needle's length) so memory stays bounded."""
    overlap = max(len(needle) for needle in needles) - 1
    tail = b""
    while block := stream.read(chunk):
        window = tail + block
        if any(needle in window for needle in needles):
            return True
        tail = window[-overlap:]
    return False


# --- zip files -------------------------------------------------------------------------------------


def _inspect_zip(path: Path, head: bytes, size: int, expect: Expect, template: bool = True) -> str:
    infos = _read_directory(path, size)
    _check_entries(path, infos, size)
    kind = _zip_kind(infos, head)
    if kind not in ACCEPTED[expect]:
        raise UnreadableInput(_zip_mismatch_message(path, kind, expect))
    _check_no_doctype(path, infos)
    if kind == "docx" and (problem := (template_problem if template else report_problem)(path)):
        raise UnreadableInput(problem)  # .docm, .dotx, Strict: python-docx refuses; sizes
    return kind


def _read_directory(path: Path, size: int) -> list[zipfile.ZipInfo]:
    """The central directory's entries, refusing one too large to hold in memory first."""
    try:
        with path.open("rb") as stream:
            _check_directory_size(path, stream, size)
            with zipfile.ZipFile(stream) as archive:
                return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError) as exc:
        raise UnreadableInput(_corrupt_message(path)) from exc
    except UnicodeDecodeError as exc:  # a part name flagged UTF-8 that is not
        raise UnreadableInput(_corrupt_message(path)) from exc
    except OSError as exc:
        raise UnreadableInput(_zip_os_message(path, exc)) from exc


def _check_directory_size(path: Path, stream: BinaryIO, size: int) -> None:
    """Bound the entries zipfile will build: it reads `size_cd` bytes of them, at least 46 bytes each,
    whatever count the end record claims."""
    directory_size = central_directory_size(stream)
    if directory_size > size:
        raise UnreadableInput(_corrupt_message(path))
    if directory_size > MAX_CENTRAL_DIRECTORY:
        raise UnreadableInput(_too_many_message(path, f"目录区达 {directory_size // MiB} MiB"))


def central_directory_size(stream: BinaryIO) -> int:
    """The size the zip's end record gives its central directory (0 when there is no end record).

    zipfile has no public way to it; `_EndRecData` is the function ZipFile itself calls. A test
    (tests/test_drift.py) fails loudly if an upgrade moves it: there is no silent fallback.
    """
    record = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
    stream.seek(0)
    return record[zipfile._ECD_SIZE] if record else 0  # type: ignore[attr-defined]


def _zip_os_message(path: Path, exc: OSError) -> str:
    """A seek to an impossible offset (EINVAL) is a corrupt directory, not a failing disk."""
    return _corrupt_message(path) if exc.errno == errno.EINVAL else _os_message(path, exc)


def _corrupt_message(path: Path) -> str:
    return (
        f"{path.name} 已损坏或不完整（压缩包结构无法读取），可能是下载或复制中断；"
        "请重新获取原文件，或在 Excel/WPS 中打开后另存为新的 .xlsx/.docx 文件再试。"
    )


def _too_many_message(path: Path, what: str) -> str:
    return (
        f"{path.name} 内含的部件过多（{what}，上限 {MAX_ZIP_ENTRIES} 个），不是正常的报告文件，"
        "为安全起见已拒绝打开；请确认选择了正确的文件。"
    )


def _check_entries(path: Path, infos: list[zipfile.ZipInfo], size: int) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableInput(_too_many_message(path, f"{len(infos)} 个"))
    for info in infos:
        _check_entry(path, info, size)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnreadableInput(
            f"{path.name} 解压后共 {total // MiB} MiB，超过 {MAX_TOTAL_UNCOMPRESSED // MiB} MiB 的安全上限"
            "（报告工作簿通常不到 1 MiB），为安全起见已拒绝打开；请确认选择了正确的文件。"
        )


UNSAFE_NAME = re.compile(r"^/|^[A-Za-z]:|\\|(^|/)\.\.(/|$)|\x00")


def _check_entry(path: Path, info: zipfile.ZipInfo, size: int) -> None:
    if UNSAFE_NAME.search(info.orig_filename) or UNSAFE_NAME.search(info.filename):
        raise UnreadableInput(
            f"{path.name} 内含不安全的部件名“{info.filename}”（绝对路径、“..”或反斜杠），"
            "可能是被恶意构造的文件，为安全起见已拒绝打开；请使用 Excel/WPS 正常保存的文件。"
        )
    if info.flag_bits & 0x1:
        raise UnreadableInput(
            f"{path.name} 是加了密码的压缩包，不是正常保存的 Office 文件；请使用 Excel/WPS 正常保存的文件。"
        )
    if info.header_offset < 0 or info.header_offset + info.compress_size > size:
        raise UnreadableInput(_corrupt_message(path))
    if info.file_size > RATIO_CHECKED_ABOVE and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
        raise UnreadableInput(
            f"{path.name} 中的部件“{info.filename}”解压后达 {info.file_size // MiB} MiB，"
            f"压缩比超过 {MAX_COMPRESSION_RATIO}:1（疑似“压缩炸弹”），为安全起见已拒绝打开；"
            "请使用 Excel/WPS 正常保存的文件。"
        )


def _zip_kind(infos: list[zipfile.ZipInfo], head: bytes) -> str:
    names = {info.filename.casefold() for info in infos}
    for part, kind in ZIP_KINDS.items():
        if part in names:
            return kind
    # OpenDocument stores an uncompressed `mimetype` part first, so its value is in the first bytes.
    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
        return "ods"
    if b"mimetypeapplication/vnd.oasis.opendocument.text" in head:
        return "odt"
    return "zip"


def _zip_mismatch_message(path: Path, kind: str, expect: Expect) -> str:
    if kind == "zip":
        part = "xl/workbook.xml" if expect == "workbook" else "word/document.xml"
        return (
            f"{path.name} 是一个压缩包，里面没有 {part}，不是 {EXPECTED[expect]}；"
            f"如果是下载的压缩包，请先解压，再从中选择文件；{CHOOSE[expect]}。"
        )
    actual = KIND_NAMES[kind]
    renamed = f"扩展名虽为 {path.suffix}，内容却" if path.suffix.lower() in CLAIMS[expect] else ""
    if kind in CONVERTIBLE[expect]:
        return f"{path.name} {renamed}是 {actual}，本工具只能读取 {EXPECTED[expect]}；{SAVE_AS[expect]}。"
    return f"{path.name} {renamed}是 {actual}，不是 {EXPECTED[expect]}；{CHOOSE[expect]}。"


# --- XML parts: no DTD, so no entity tricks, whatever parser a library picks ---------------------

XML_PARTS = (".xml", ".rels")
DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def _check_no_doctype(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse any XML part with a document type declaration (which OPC forbids).

    openpyxl parses sheets and shared strings with defusedxml, but with lxml installed it parses
    workbook.xml and styles.xml with lxml (entities unresolved, not forbidden); python-docx uses lxml.
    A DTD is what billion-laughs and external-entity attacks need, and Excel, WPS and LibreOffice never
    write one. Runs only after the size checks, so decompressing here is bounded; it streams each part.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                if info.filename.casefold().endswith(XML_PARTS) and _part_has_doctype(archive, info):
                    raise UnreadableInput(
                        f"{path.name} 的部件“{info.filename}”含有文档类型声明（<!DOCTYPE>），"
                        "正常保存的 Office 文件不会有，可能是被恶意构造的文件，为安全起见已拒绝打开；"
                        "请使用 Excel/WPS 正常保存的文件。"
                    )
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, EOFError) as exc:
        raise UnreadableInput(_corrupt_message(path)) from exc
    except OSError as exc:
        raise UnreadableInput(_zip_os_message(path, exc)) from exc


def _part_has_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DOCTYPE can only stand in the prolog, before the root element: for UTF-8 (and ASCII) parts only
    the prolog is read (a 190 MiB sheet costs nothing); a UTF-16 part is searched whole."""
    with archive.open(info) as part:
        head = part.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
            with archive.open(info) as whole:
                return _contains_any(whole, DOCTYPE_MARKERS, chunk=64 * 1024)
        return _prolog_has_doctype(_Bytes(part, head))


class _Bytes:
    """A part's bytes read forward in chunks, with what was already read in front (bounded memory)."""

    def __init__(self, stream: BinaryIO, head: bytes = b""):
        self.stream, self.buffer = stream, head

    def fill(self, size: int) -> bool:
        """At least `size` bytes buffered, unless the part ends first; False when nothing more came."""
        while len(self.buffer) < size:
            chunk = self.stream.read(64 * 1024)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def skip_past(self, end: bytes) -> bool:
        """Drop bytes up to and including `end`; False when the part ends first."""
        while True:
            found = self.buffer.find(end)
            if found >= 0:
                self.buffer = self.buffer[found + len(end) :]
                return True
            self.buffer = self.buffer[-(len(end) - 1) :]
            if not self.fill(len(self.buffer) + 1):
                return False


def _prolog_has_doctype(part: _Bytes) -> bool:
    """Walk the prolog (BOM, whitespace, `<?…?>`, `<!--…-->`) up to the first element: a DOCTYPE there?"""
    while True:
        part.fill(16)
        stripped = part.buffer.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped != part.buffer or not stripped:  # whitespace dropped: look at what follows it
            part.buffer = stripped
            if not stripped and not part.fill(1):
                return False
            continue
        if part.buffer.startswith(b"<?"):
            if not part.skip_past(b"?>"):
                return False
        elif part.buffer.startswith(b"<!--"):
            if not part.skip_past(b"-->"):
                return False
        else:
            return part.buffer[:9].upper() == b"<!DOCTYPE"


# --- text and everything else ----------------------------------------------------------------------


def _is_json(head: bytes) -> bool:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"{")


def _is_json_list(head: bytes) -> bool:
    """A JSON array (`check --json` output, or a list of reports): `[` then a JSON value, not CSV text."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    following = text[1:].lstrip(b" \t\r\n")[:1]
    return text.startswith(b"[") and bool(following) and following in b'{["]-0123456789tfn'


def _accept_json(path: Path, size: int) -> str:
    if size > MAX_JSON_BYTES:
        raise UnreadableInput(
            f"{path.name} 有 {size // MiB} MiB，超过 JSON 输入 {MAX_JSON_BYTES // MiB} MiB 的上限"
            "（`xxgk dump` 输出的报告 JSON 通常只有几十 KiB）；请确认选择了正确的文件。"
        )
    return "json"


def _other_message(path: Path, head: bytes, expect: Expect) -> str:
    if head.startswith(b"%PDF"):
        return f"{path.name} 是 PDF 文件，不是 {EXPECTED[expect]}；{CHOOSE[expect]}。"
    if _is_json(head):
        return f"{path.name} 是 JSON 文本文件，不是 {EXPECTED[expect]}；{CHOOSE[expect]}。"
    if _is_json_list(head):
        return (
            f"{path.name} 是 JSON 文本文件，但内容是一个列表（以“[”开头），不是一份报告的数据"
            f"（报告数据以“{{”开头）；{CHOOSE[expect]}。"
        )
    if not _is_text(head):
        return f"{path.name} 不是 {EXPECTED[expect]}，也不是能识别的其他格式；{CHOOSE[expect]}。"
    if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return (
            f"{path.name} 是网页（HTML）或 XML 文本（常见于从业务系统导出的“伪 .xls”），"
            f"不是 {EXPECTED[expect]}；{SAVE_AS[expect]}。"
        )
    kind = "CSV 文本文件" if path.suffix.lower() == ".csv" else "纯文本文件（如 CSV 或 TXT）"
    return f"{path.name} 是 {kind}，不是 {EXPECTED[expect]}；{SAVE_AS[expect]}。"


def _is_text(head: bytes) -> bool:
    """UTF-16 with a byte-order mark, or NUL-free bytes that decode as UTF-8 or GB18030."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sniffed bytes
                return True
    return False
