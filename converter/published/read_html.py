"""A page saved from a portal: find the article inside the site's navigation, read its text and tables."""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import UnreadableInput
from ..format import official as fmt
from .document import Document, Grid, GridCell, Para, norm
from .read_text import decode
from .rows import SUPERSCRIPTS

CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "center", "blockquote",
    "ul", "ol", "dl", "dd", "dt", "pre", "td", "th", "tr", "tbody", "form", "main",
}  # fmt: skip
SKIP_TAGS = {"script", "style", "noscript", "head", "iframe", "select", "option", "button", "nav"}
MAX_MHT_PARTS = 50  # multipart parts in a single-file page; a saved page has one, with its images
SUPERSCRIPT_DIGITS = str.maketrans("0123456789", SUPERSCRIPTS)
MAX_HTML_BYTES = 5 * 1024 * 1024  # a saved portal page is well under 1 MiB; parsing takes ~30 × the bytes
SECTION_WORDS = (  # headings without their numbers: what marks the article among a portal's navigation
    *(fmt.SECTION_BY_KEY[key].heading.split("、", 1)[1] for key in ("overview", "proactive", "applications")),
    fmt.SECTION_BY_KEY["problems"].heading.split("、", 1)[1][:7],  # 存在的主要问题
)


def read_html(path: Path) -> Document:
    """The article's paragraphs and tables; GBK/GB2312 as well as UTF-8."""
    import lxml.etree
    import lxml.html

    data = path.read_bytes()
    if len(data) > MAX_HTML_BYTES:
        raise UnreadableInput(
            f"{path.name} 超过 {MAX_HTML_BYTES // 1024 // 1024} MiB，不像是一份年度报告的网页。"
        )
    text = mht_html(data, path) if is_mht(data) else _decode(data, path)
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml: ParserError, ValueError on an empty document
        raise UnreadableInput(f"{path.name} 不是能读取的网页（{type(exc).__name__}）。") from exc
    title = _title(root)
    published = _published(root)
    for sup in root.iter("sup"):  # a footnote marker after a number (71<sup>2</sup>) is not its digit
        marker = sup.text_content().translate(SUPERSCRIPT_DIGITS)
        for child in list(sup):
            sup.remove(child)
        sup.text = marker
    for bad in list(root.iter(*SKIP_TAGS, lxml.etree.Comment)):
        if bad.getparent() is not None:
            bad.drop_tree()
    article = find_article(root)
    blocks: list = []
    _walk(article, blocks)
    return Document("html", blocks, title_hint=title, published=published)


def is_mht(head: bytes) -> bool:
    """A page saved as a single file (.mht/.mhtml): a MIME message holding the HTML."""
    start = head[:2048].lower()
    return b"mime-version:" in start and b"multipart/related" in start


def mht_html(data: bytes, path: Path) -> str:
    """The HTML part of a single-file web page, decoded by its declared charset."""
    import email
    from email import policy

    nesting = len(re.findall(rb"(?im)^content-type:\s*multipart/", data[:MAX_HTML_BYTES]))
    if nesting > MAX_MHT_PARTS:
        raise UnreadableInput(
            f"{path.name} 是单个文件网页（.mht），但其中有 {nesting} 个多部分（multipart）段"
            "（正常网页只有一个），为安全起见已停止读取；请在浏览器中另存为 .html。"
        )
    try:
        parts = list(email.message_from_bytes(data, policy=policy.compat32).walk())
    except RecursionError as exc:  # pragma: no cover - nesting is refused above
        raise UnreadableInput(f"{path.name} 是结构过于复杂的单个文件网页（.mht）；请另存为 .html。") from exc
    for part in parts:
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            if charset:
                charset = "gb18030" if charset.lower() in ("gb2312", "gbk", "x-gbk") else charset
                try:
                    return payload.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    pass
            return _decode(payload, path)
    raise UnreadableInput(
        f"{path.name} 是单个文件网页（.mht），但其中没有网页正文；请在浏览器中另存为 .html。"
    )


def _decode(data: bytes, path: Path) -> str:
    """By the declared charset; but a page that declares one and is saved in another is read as saved."""
    match = CHARSET.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            return decode(data, path)
        if not any(word in text for word in SECTION_WORDS):
            other = decode(data, path)
            return other if any(word in other for word in SECTION_WORDS) else text
        return text
    return decode(data, path)


def find_article(root):
    """The smallest element holding most of the official section headings (the article body)."""
    best = root
    for el in root.iter("div", "td", "article", "section", "main", "body"):
        words = norm(el.text_content())
        if sum(w in words for w in SECTION_WORDS) >= 3:
            best = el  # iter is in document order: later matches are deeper or siblings
    while best is not root and not _holds_tables(best, root):
        best = best.getparent()
    return best


def _holds_tables(el, root) -> bool:
    return len(el.findall(".//table")) >= min(3, len(root.findall(".//table")))


def _published(root) -> tuple[str, str] | None:
    """The page's 发布时间: its PubDate meta tag (Chinese government portals carry one), or the
    `发布时间：…` line printed above the article."""
    from .sections import PUBLISHED_LINE

    for name in ("PubDate", "pubdate", "publishdate", "PublishDate"):
        meta = root.xpath(f'//meta[@name="{name}"]/@content')
        if meta and meta[0].strip():
            return meta[0].strip(), f"网页的 {name} 元数据"
    body = root.find("body")
    text = body.text_content() if body is not None else ""
    match = PUBLISHED_LINE.search(text[:200_000])
    return (match.group(0).strip(), "网页正文上方") if match else None


def _title(root) -> str:
    meta = root.xpath('//meta[@name="ArticleTitle"]/@content')
    if meta:
        return meta[0].strip()
    title = root.findtext(".//title") or ""
    return re.split(r"[_|-]", title)[0].strip()


def _is_layout(table) -> bool:
    """A table used for page layout (it holds other tables, or the report's own headings)."""
    if table.find(".//table") is not None:
        return True
    words = norm(table.text_content())
    return any(w in words for w in SECTION_WORDS)


def _walk(el, blocks: list) -> None:
    if el.tag == "table" and not _is_layout(el):
        blocks.append(Grid(grid_of(el), sum(isinstance(b, Grid) for b in blocks) + 1))
        return
    children = [c for c in el if isinstance(c.tag, str)]
    if not any(c.tag in BLOCK_TAGS or c.tag == "table" for c in children):
        _paras(el, blocks)
        return
    if (el.text or "").strip():
        blocks.append(Para(el.text.strip()))
    for child in children:
        _walk(child, blocks)
        if (child.tail or "").strip():
            blocks.append(Para(child.tail.strip()))


def _paras(el, blocks: list) -> None:
    """An element without block children: its text, one paragraph per <br>-separated line."""
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for line in el.text_content().split("\n"):
        if line.strip():
            blocks.append(Para(line.strip()))


def grid_of(table) -> list[list[GridCell]]:
    """An HTML table's rows with rowspan/colspan expanded; copies keep the origin cell's position."""
    rows: list[list[GridCell]] = []
    pending: dict[tuple[int, int], GridCell] = {}
    trs = [tr for tr in table.iter("tr") if _own_row(tr, table)]
    for r, tr in enumerate(trs):
        row: list[GridCell] = []
        c = 0
        for td in (x for x in tr if x.tag in ("td", "th")):
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            cell = GridCell(td.text_content(), (r, c))
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr == 0:
                        row.append(cell)
                    else:
                        pending[(r + dr, c + dc)] = cell
            c += colspan
        while (r, c) in pending:
            row.append(pending.pop((r, c)))
            c += 1
        rows.append(row)
    return rows


def _own_row(tr, table) -> bool:
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent is table


def _span(raw: str | None) -> int:
    try:
        return max(1, min(int(str(raw).strip()), 50))
    except ValueError:
        return 1
