"""What a portal's pages say: the column list (report links, further pages) and a report's detail page
(title, 发布时间, attachments, meta refresh, a table that is only an image). No JavaScript runs: a page
count built by a script is read only where its numbers are written in the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps")
REPORT_WORDS = re.compile(r"年度报告|年报")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
NEXT_WORDS = ("下一页", "下页", "后页", "尾页", "末页", "最后一页", "next", ">>", "»", "›")
PAGE_FILE = re.compile(r"^(?P<stem>.*?)(?:_(?P<number>\d+))?\.(?P<ext>s?html?|jsp|php|aspx?)$", re.I)
CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
COUNT_PATTERNS = (
    re.compile(r"\b(?:countPage|pageCount|totalPage|pageTotal|totalPages|page_count)\s*[=:]\s*['\"]?(\d+)"),
)
RECORD_COUNT = re.compile(r"\brecordCount\s*[=:]\s*['\"]?(\d+)")
PER_PAGE = re.compile(r"\b(?:prepage|pageSize|perPage|pagesize)\s*[=:]\s*['\"]?(\d+)")
MAX_LIST_PAGES = 200
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
DATE_LABELS = ("发布时间", "发布日期", "发文日期", "公开日期", "发布于", "时间", "日期")
LABELLED_DATE = re.compile(
    r"(" + "|".join(DATE_LABELS) + r")\s*[:：]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
META_DATES = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "article:published_time")
SKIP_TAGS = ("script", "style", "noscript", "template")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}


# --------------------------------------------------------------------------- encodings


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # what the bytes were read as: utf-8 or gb18030 (GBK and GB2312 are subsets)
    declared: str  # what the server or the page said, "" when nothing


def decode_page(data: bytes, header_charset: str | None = None) -> Decoded:
    """A page's text: UTF-8 or GBK/GB18030, whether declared (HTTP header or <meta>), undeclared, or
    declared wrongly. The bytes decide: of the encodings they decode in without error (UTF-8, the
    declared one, GB18030), the one that reads as the most Chinese, UTF-8 first on a tie."""
    match = CHARSET.search(data[:4096])
    declared = (header_charset or (match.group(1).decode("ascii") if match else "")).strip().lower()
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", "replace"), "utf-8", declared)
    candidates = ["utf-8"]
    if declared and declared not in GB_FAMILY and declared not in ("utf-8", "utf8"):
        candidates.append(declared)  # big5, iso-8859-1…: only if it reads better
    candidates.append("gb18030")
    best: tuple[float, str, str] | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        score = _chinese_share(text)
        if encoding == "utf-8" and score >= 0.5:
            return Decoded(text, encoding, declared)  # reads as Chinese: no other encoding can beat it
        if best is None or score > best[0]:
            best = (score, encoding, text)
    if best is None:
        return Decoded(data.decode("gb18030", "replace"), "gb18030", declared)
    return Decoded(best[2], best[1], declared)


def _chinese_share(text: str) -> float:
    """Of the characters beyond ASCII, the share that are common Chinese characters and punctuation
    (1.0 for pure ASCII: any encoding reads it)."""
    wide = re.findall(r"[^\x00-\x7f]", text[:200_000])[:20_000]  # a sample is enough
    if not wide:
        return 1.0
    chinese = sum(
        0x4E00 <= ord(c) <= 0x9FFF or 0x3000 <= ord(c) <= 0x303F or 0xFF00 <= ord(c) <= 0xFFEF for c in wide
    )
    return chinese / len(wide)


def is_html(data: bytes, content_type: str = "") -> bool:
    if "html" in content_type.lower():
        return True
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")) or b"<html" in head


def _root(text: str):
    import lxml.html

    try:
        root = lxml.html.document_fromstring(text)
    except Exception:  # lxml's ParserError or ValueError on an empty or broken page
        root = lxml.html.document_fromstring("<html><body></body></html>")
    for bad in list(root.iter(*SKIP_TAGS)):
        if bad.getparent() is not None:
            bad.drop_tree()
    return root


def _scripts(text: str) -> str:
    return " ".join(re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S | re.I))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def canonical(url: str) -> str:
    """A URL without its fragment, with a path ("/" when empty)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _link_url(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href)
    return canonical(url) if urlsplit(url).scheme in ("http", "https") else None


# --------------------------------------------------------------------------- list pages


@dataclass(frozen=True)
class ReportLink:
    url: str
    title: str
    year: int
    listed_date: dt.date | None = None  # the date beside the link in the list, if any

    @property
    def is_file(self) -> bool:
        return attachment_suffix(self.url) != ""


@dataclass
class ListPage:
    reports: list[ReportLink] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # further list pages of the column, in order


def report_year(title: str) -> int | None:
    """The year of an annual report's title (年度报告 / 年报 and a year), else None."""
    if not REPORT_WORDS.search(title):
        return None
    match = YEAR.search(title)
    return int(match.group(1)) if match else None


def parse_list(text: str, url: str) -> ListPage:
    """Report links (by title) and the column's other list pages: 下一页/尾页 links, `index_N` names,
    and page counts that a CMS script would build from numbers written in the page."""
    root = _root(text)
    page = ListPage()
    seen: set[str] = set()
    for anchor in root.iter("a"):
        target = _link_url(url, anchor.get("href"))
        if target is None:
            continue
        title = _clean(anchor.get("title") or "") or _clean(anchor.text_content())
        year = report_year(title)
        if year is None or target in seen or target == canonical(url):
            continue
        seen.add(target)
        page.reports.append(ReportLink(target, title, year, _row_date(anchor)))
    page.pages = _pages(root, text, url)
    return page


def _row_date(anchor) -> dt.date | None:
    """The date printed in the link's row (li, tr, dl…), when the row holds one link."""
    node = anchor.getparent()
    for _ in range(4):
        if node is None:
            return None
        if node.tag in ("li", "tr", "dl", "p", "div") and len(node.findall(".//a")) == 1:
            found = DATE.search(node.text_content())
            if found:
                return _date(found.groups())
        node = node.getparent()
    return None


def _date(parts) -> dt.date | None:
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _pages(root, text: str, url: str) -> list[str]:
    pages: list[str] = []
    for anchor in root.iter("a"):
        words = _clean(anchor.text_content()).lower() or _clean(anchor.get("title") or "").lower()
        if words and any(words == w or words.startswith(w) for w in NEXT_WORDS):
            target = _link_url(url, anchor.get("href"))
            if target and target != canonical(url):
                pages.append(target)
                if words.startswith(("尾页", "末页", "最后")):
                    pages.extend(_numbered_up_to(url, target))
    count, stem, ext = _script_count(_scripts(text))
    if count:
        pages.extend(_numbered(url, count, stem, ext))
    unique = list(dict.fromkeys(p for p in pages if p != canonical(url)))
    return unique[:MAX_LIST_PAGES]


def _script_count(scripts: str) -> tuple[int, str, str]:
    """How many list pages a pagination script would draw, and their file name and extension when the
    script names them: createPageHTML([div,] count, current, name, ext[, records]), a page-count
    variable, or a record count and a page size."""
    match = CREATE_PAGE.search(scripts)
    if match:
        args = [a.strip().strip("'\"") for a in match.group(1).split(",")]
        numbers = [i for i, a in enumerate(args) if a.isdigit()]
        if numbers:
            count = min(int(args[numbers[0]]), MAX_LIST_PAGES)
            names = [a for a in args[numbers[0] + 1 :] if a and not a.isdigit()]
            return count, *(names[:2] if len(names) >= 2 else ("", ""))  # type: ignore[return-value]
    for pattern in COUNT_PATTERNS:
        match = pattern.search(scripts)
        if match:
            return min(int(match.group(1)), MAX_LIST_PAGES), "", ""
    records = RECORD_COUNT.search(scripts)
    per_page = PER_PAGE.search(scripts)
    if records and per_page and int(per_page.group(1)) > 0:
        return min(-(-int(records.group(1)) // int(per_page.group(1))), MAX_LIST_PAGES), "", ""
    return 0, "", ""


def _page_name(url: str) -> tuple[str, str, str]:
    """(folder URL, stem, extension) of a list page: `…/col/index_2.htm` → (`…/col/`, index, htm); a
    folder URL is its `index.htm`."""
    parts = urlsplit(url)
    folder, _, name = parts.path.rpartition("/")
    match = PAGE_FILE.match(name) if name else None
    stem, ext = (match.group("stem"), match.group("ext")) if match else ("index", "htm")
    base = urlunsplit((parts.scheme, parts.netloc, folder + "/", "", ""))
    return base, stem, ext


def _numbered(url: str, count: int, stem: str = "", ext: str = "") -> list[str]:
    """The TRS-style names of a column's pages: index.htm, index_1.htm … index_{count-1}.htm."""
    base, own_stem, own_ext = _page_name(url)
    stem, ext = stem or own_stem, ext or own_ext
    first = [] if urlsplit(url).path.endswith("/") else [canonical(f"{base}{stem}.{ext}")]  # the folder is it
    return first + [canonical(f"{base}{stem}_{n}.{ext}") for n in range(1, count)]


def _numbered_up_to(url: str, last: str) -> list[str]:
    """Pages between this one and a 尾页 link named like `index_9.htm`."""
    name = urlsplit(last).path.rpartition("/")[2]
    match = PAGE_FILE.match(name)
    if not match or not match.group("number"):
        return []
    base, stem, ext = _page_name(last)
    if _page_name(url)[0] != base:
        return []
    return [
        canonical(f"{base}{stem}_{n}.{ext}")
        for n in range(1, min(int(match.group("number")), MAX_LIST_PAGES))
    ]


# --------------------------------------------------------------------------- detail pages


@dataclass(frozen=True)
class Attachment:
    url: str
    text: str
    suffix: str  # .pdf .docx .doc .wps


@dataclass
class Detail:
    title: str = ""
    published: dt.date | None = None
    published_from: str = ""  # where the date was read: 页面元数据 PubDate, 页面“发布时间”…
    attachments: list[Attachment] = field(default_factory=list)
    refresh: str | None = None  # a meta refresh to another page
    images: int = 0  # pictures in the article
    tables: int = 0  # tables in the article
    fingerprint: str = ""  # sha256 of the article's text, tables and pictures (what a change changes)

    @property
    def image_only(self) -> bool:
        """The article's tables are pictures: images, and not one table to read."""
        return self.images > 0 and self.tables == 0


def attachment_suffix(url_or_name: str) -> str:
    path = urlsplit(url_or_name).path.lower() if "://" in url_or_name else url_or_name.lower().strip()
    return next((s for s in ATTACHMENT_SUFFIXES if path.endswith(s)), "")


def meta_refresh(text: str, url: str) -> str | None:
    match = re.search(
        r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*[;,]?\s*url\s*=\s*['"]?([^"'>\s]+)""",
        text[:20000],
        re.I,
    )
    if not match:
        return None
    return _link_url(url, match.group(1))


def parse_detail(text: str, url: str) -> Detail:
    """A report's page: its title, 发布时间 (with where it was read), attached report files, a meta
    refresh, and whether its tables are only pictures."""
    from ...published.read_html import find_article

    detail = Detail(refresh=meta_refresh(text, url))
    root = _root(text)
    detail.title = _title(root)
    detail.published, detail.published_from = _published(root)
    article = find_article(root)
    if article is root:
        article = _densest(root)
    detail.tables = len(article.findall(".//table"))
    pictures = [img.get("src", "") for img in article.iter("img")]
    detail.images = len(pictures)
    detail.attachments = _attachments(root, article, url)
    digest = hashlib.sha256()
    digest.update(_clean(article.text_content()).encode("utf-8"))
    for src in pictures:
        digest.update(b"\0img:" + src.encode("utf-8", "replace"))
    for attachment in detail.attachments:
        digest.update(b"\0file:" + attachment.url.encode("utf-8"))
    detail.fingerprint = digest.hexdigest()
    return detail


def _title(root) -> str:
    meta = root.xpath('//meta[@name="ArticleTitle"]/@content')
    if meta and meta[0].strip():
        return _clean(meta[0])
    title = root.findtext(".//title") or ""
    return _clean(re.split(r"[_|]| - ", title)[0])


def _published(root) -> tuple[dt.date | None, str]:
    for name in META_DATES:
        for value in root.xpath(f'//meta[@name="{name}" or @property="{name}"]/@content'):
            found = DATE.search(value)
            if found and _date(found.groups()):
                return _date(found.groups()), f"页面元数据 {name}"
    body = root.find("body")
    words = _clean((body if body is not None else root).text_content())
    best: tuple[int, dt.date, str] | None = None
    for match in LABELLED_DATE.finditer(words):
        label = match.group(1)
        day = _date(DATE.search(match.group(2)).groups())  # type: ignore[union-attr]
        if day is None:
            continue
        rank = DATE_LABELS.index(label)
        if best is None or rank < best[0]:
            best = (rank, day, label)
    if best:
        return best[1], f"页面“{best[2]}”"
    return None, ""


def _densest(root):
    """The element with the most text of its own paragraphs: the article of a page that is not laid out
    as a report (an old report, a notice)."""
    best, best_len = root, 0
    for el in root.iter("div", "td", "article", "section", "main"):
        own = sum(len(_clean(p.text_content())) for p in el.findall("./p"))
        if own > best_len:
            best, best_len = el, own
    return best


def _attachments(root, article, url: str) -> list[Attachment]:
    """Report files: linked (.pdf/.docx/.doc/.wps in the address) or named only by the link's text; in
    the article, or anywhere when the text names an annual report or an attachment."""
    inside = set(article.iter("a"))
    found: dict[str, Attachment] = {}
    for anchor in root.iter("a"):
        target = _link_url(url, anchor.get("href"))
        if target is None:
            continue
        text = _clean(anchor.text_content()) or _clean(anchor.get("title") or "")
        suffix = attachment_suffix(target) or attachment_suffix(text)
        if not suffix:
            continue
        wanted = anchor in inside or REPORT_WORDS.search(text) or re.search(r"附件|下载|全真版|原文", text)
        if wanted and target not in found:
            found[target] = Attachment(target, text, suffix)
    return list(found.values())
