"""Headings → the six official sections; title, preamble, sub-heads, paragraphs and the signature."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from ..core.model import Info, Paragraph
from ..format import official as fmt
from .document import Document, Grid, Line, Para, norm, tidy
from .notes import ImportNote, ImportPosition, Publication
from .read_text import PAGE_NUMBER
from .rows import similarity

HEADING_MATCH = 0.7
SUBHEAD = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")
DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN = "一二三四五六七八九十"
CHINESE_DATE = re.compile(rf"^([〇○零一二三四五六七八九]{{4}})年([{_CN}]{{1,3}})月([{_CN}]{{1,3}})日$")
DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


def _chinese_number(text: str) -> int:
    """一 … 三十一 as a number (month and day of a date written in Chinese numerals)."""
    if "十" not in text:
        return DIGITS[text]
    tens, _, units = text.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[units] if units else 0)


def date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of `2025年1月17日` or `二〇二五年一月十七日`; None for anything else."""
    text = re.sub(r"\s+", "", text)
    if match := DATE.match(text):
        return tuple(int(x) for x in match.groups())  # type: ignore[return-value]
    if match := CHINESE_DATE.match(text):
        year = int("".join(str(DIGITS[c]) for c in match.group(1)))
        return year, _chinese_number(match.group(2)), _chinese_number(match.group(3))
    return None


PUBLISHED_LINE = re.compile(
    r"(?:发布时间|发布日期|发文日期|公开日期|发布于)\s*[:：]?\s*"
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
HEADER_KEYS = (
    "标题", "题目", "发布时间", "发布日期", "发文日期", "发布机构", "发文机关", "发布单位", "来源",
    "信息来源", "索引号", "文号", "发文字号", fmt.INFO_BY_KEY["date"].label, "主题分类", "公开方式",
    "公开范围", "浏览次数", "字号",
)  # fmt: skip
HEADER_FIELD = re.compile(rf"({'|'.join(HEADER_KEYS)})\s*[:：]\s*")
HEADER_ORG_KEYS = ("发布机构", "发文机关", "发布单位", "来源", "信息来源")


def header_fields(text: str) -> dict[str, str] | None:
    """A portal's header line (`标题：…`, `发布时间：… 来源：…`) as its fields; None for any other line."""
    if not HEADER_FIELD.match(text):
        return None
    marks = list(HEADER_FIELD.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return {m.group(1): text[m.end() : end].strip() for m, end in zip(marks, ends, strict=True)}


def publication(printed: str, source: str) -> Publication | None:
    """The 发布时间 printed (`发布时间：2025-01-20 09:30`, or a PubDate `2025-01-20 09:30`) as a date."""
    match = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", printed)
    if not match:
        return None
    try:
        return Publication(dt.date(*(int(g) for g in match.groups())), printed, source)
    except ValueError:
        return None


SELF_NAMES = ("我市", "我区", "我县", "我镇", "我乡", "我街道", "我局", "我委", "我办", "本机关")
TABLE_START = {
    "proactive": ("第二十条", "信息内容"),
    "applications": ("申请人情况", "本列数据", "一、本年新收"),
    "review": ("行政复议", "行政复议行政诉讼"),
}


@dataclass
class Layout:
    """Where each section starts (block index), and the text found, before tables are read."""

    starts: dict[str, int] = field(default_factory=dict)
    info: Info = field(default_factory=Info)
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)
    notes: list[ImportNote] = field(default_factory=list)
    rest: dict[str, str] = field(default_factory=dict)  # text printed after a heading on its line
    header: dict[str, str] = field(default_factory=dict)  # a portal text copy's 标题/发布时间/发布机构 lines
    published: Publication | None = None

    def region(self, key: str, total: int) -> tuple[int, int]:
        """Block range of a section: from its heading to the next found heading."""
        if key not in self.starts:
            return (0, total)
        start = self.starts[key]
        later = [i for i in self.starts.values() if i > start]
        return (start + 1, min(later, default=total))


def block_text(block) -> str:
    return block.text if isinstance(block, Para | Line) else ""


def match_heading(text: str) -> tuple[fmt.Section, float] | None:
    """The official section a heading names (variants and stray words tolerated), with its likeness."""
    t = _key(text)
    if not t or t[0] not in "一二三四五六七八九十":
        return None
    if len(t) > 40:
        return _run_in(t)
    best = None
    for section in fmt.SECTIONS:
        if not t.startswith(norm(section.heading)[:2]):
            continue
        score = max(similarity(t, h) for h in (section.heading, *section.variants))
        if score >= HEADING_MATCH and (best is None or score > best[1]):
            best = (section, score)
    return best or _renumbered(t)


RENUMBERED_MATCH = 0.85
_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")


def _renumbered(t: str) -> tuple[fmt.Section, float] | None:
    """An official heading under another number (三、政府信息公开行政复议、行政诉讼情况): by its words."""
    words = _NUMBER.sub("", t)
    if words == t or len(words) < 4:
        return None
    best = None
    for section in fmt.SECTIONS:
        score = max(similarity(words, _NUMBER.sub("", norm(h))) for h in (section.heading, *section.variants))
        if score >= RENUMBERED_MATCH and (best is None or score > best[1]):
            best = (section, score)
    return best


LEAD = re.compile(r"^([一二三四五六])[.,、]?")


def _key(heading: str) -> str:
    """A heading for comparison: `一．总体情况`, `一、 总体情况` and `一、总体情况` alike."""
    return LEAD.sub(r"\1、", norm(heading))


def _run_in(t: str) -> tuple[fmt.Section, float] | None:
    """A heading with its first paragraph in the same line: only an exact official heading counts."""
    for section in fmt.SECTIONS:
        if any(t.startswith(norm(h)) for h in (section.heading, *section.variants)):
            return section, 1.0
    return None


def split_run_in(text: str, section: fmt.Section) -> tuple[str, str]:
    """(heading as printed, the text after it) for a heading that runs into its first paragraph."""
    text = tidy(text)
    heads = {_key(h) for h in (section.heading, *section.variants)}
    for k in range(1, len(text) + 1):
        if _key(text[:k]) in heads:
            return text[:k], text[k:].lstrip("：:，, ")
    return text, ""


def find_headings(doc: Document, layout: Layout) -> None:
    """The six headings, in order; a heading printed differently is a warning, a missing one too."""
    order = [s.key for s in fmt.SECTIONS]
    last = -1
    for i, block in enumerate(doc.blocks):
        found = match_heading(block_text(block))
        if not found or order.index(found[0].key) <= last:
            continue
        section = found[0]
        last = order.index(section.key)
        layout.starts[section.key] = i
        text = block_text(block)
        printed, rest = split_run_in(text, section) if len(_key(text)) > 40 else (tidy(text), "")
        if rest:
            layout.rest[section.key] = rest
        if _key(printed) not in {_key(h) for h in (section.heading, *section.variants)}:
            layout.notes.append(ImportNote(
                f"sections.{section.key}", "heading_variant", "warning",
                f"标题印作“{printed}”，按“{section.heading}”读入",
                ImportPosition(_page(block), section=section.heading),
            ))  # fmt: skip
    for section in fmt.SECTIONS:
        if section.key not in layout.starts:
            layout.notes.append(ImportNote(
                f"sections.{section.key}", "section_missing", "warning",
                f"未找到“{section.heading}”部分的标题",
                ImportPosition(section=section.heading),
            ))  # fmt: skip


def _page(block) -> int | None:
    return getattr(block, "page", None)


def texts(doc: Document, lo: int, hi: int, stop: tuple[str, ...] = ()) -> list[str]:
    """Paragraph texts of blocks lo..hi; text lines joined back into paragraphs; stops at a table."""
    out: list[str] = []
    layout_text = (
        doc.kind in ("pdf", "text")
        and sum(1 for b in doc.blocks if isinstance(b, Line) and b.indent >= 2) >= 5
    )
    for block in doc.blocks[lo:hi]:
        if isinstance(block, Grid):
            continue
        text = tidy(block_text(block))
        if not text or PAGE_NUMBER.match(text):
            continue
        if stop and isinstance(block, Line) and norm(text).lstrip("(（").startswith(stop):  # a table as text
            break
        if doc.kind == "markdown" and isinstance(block, Line) and len(block.cells) > 1:
            break  # a pipe table's first row
        if isinstance(block, Line) and out and _continues(out[-1], text, block, layout_text):
            out[-1] += text
        else:
            out.append(text)
    return out


ENDS_SENTENCE = tuple("。；！？：;!?:")
STARTS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]是)"
)


def _continues(previous: str, text: str, line: Line, layout_text: bool) -> bool:
    """A hard-wrapped line of text from a PDF or a text copy goes on with the paragraph before it.

    Laid out with indents: a line not indented continues. Without: a line continues when the line before
    ends without 。；！？： and this one is not a heading, a numbered item, a sub-head's body or a date."""
    if SUBHEAD.match(text) or date_parts(text):
        return False
    if layout_text:
        return line.indent < 2
    if previous.endswith(ENDS_SENTENCE) or STARTS_ITEM.match(text):
        return False
    if previous.endswith(TITLE_END) and len(previous) <= 60:
        return False  # the title above the preamble
    heading_above = SUBHEAD.match(previous) and len(previous) <= 40 and "。" not in previous
    return not heading_above and len(previous) >= 15


def paragraphs(items: list[str]) -> list[Paragraph]:
    """Sub-heads (（一）…) as headings: run-in (ending at the first 。) or on their own line."""
    out: list[Paragraph] = []
    open_head = False
    for text in items:
        if SUBHEAD.match(text):
            stop = text.find("。")
            if 0 < stop <= 30 and stop < len(text) - 1:
                out.append(Paragraph(text[: stop + 1], text[stop + 1 :]))
                open_head = False
            elif len(text) <= 40 and "。" not in text[:-1]:
                out.append(Paragraph(text, ""))
                open_head = True
            else:
                out.append(Paragraph("", text))
                open_head = False
        elif open_head:
            last = out[-1]
            last.body = f"{last.body}\n{text}" if last.body else text
        else:
            out.append(Paragraph("", text))
    return out


def read_layout(doc: Document) -> Layout:
    """Headings, title, preamble, sections' paragraphs, signature and date."""
    layout = Layout()
    find_headings(doc, layout)
    total = len(doc.blocks)
    first = min(layout.starts.values(), default=total)
    _front(doc, texts(doc, 0, first), layout)
    for section in fmt.SECTIONS:
        if section.key not in layout.starts:
            layout.sections[section.key] = []
            continue
        lo, hi = layout.region(section.key, total)
        items = texts(doc, lo, hi, tuple(norm(s) for s in TABLE_START.get(section.key, ())))
        if section.key in layout.rest:
            items.insert(0, layout.rest[section.key])
        if section.key == "other":
            items = _signature(items, layout)
        layout.sections[section.key] = paragraphs(items)
    _complete_info(doc, layout)
    return layout


TITLE_END = ("报告", "年报")


def _front(doc: Document, items: list[str], layout: Layout) -> None:
    """Portal header lines, the title (one or two short lines ending in 报告) and the preamble after it."""
    info = layout.info
    body = []
    for text in items:
        fields = header_fields(text) if len(body) < 3 else None  # only above the title
        if fields is None:
            body.append(text)
        else:
            layout.header.update({k: v for k, v in fields.items() if v})
    _publication(doc, layout)
    for i, text in enumerate(body):
        if text.endswith(TITLE_END) and len(text) <= 60:
            prev = body[i - 1] if i else ""
            info.title = prev + text if _title_continues(prev, text) else text
            info.preamble = "\n".join(body[i + 1 :])
            return
    info.title = layout.header.get("标题") or layout.header.get("题目") or doc.title_hint
    info.preamble = "\n".join(body)
    if not info.title:
        layout.notes.append(
            ImportNote("info.title", "title_missing", "warning", "未找到报告标题", ImportPosition())
        )


def _title_continues(prev: str, text: str) -> bool:
    """A title printed over two lines: `2024 年XX市XX委政府信息公开工作` / `年度报告`."""
    if not prev or len(prev) > 40 or "。" in prev or "〔" in prev or prev.endswith("号"):
        return False
    return not re.search(r"\d{4}", prev) or not re.search(r"\d{4}", text)  # the year is printed once


def _publication(doc: Document, layout: Layout) -> None:
    """The 发布时间 of a portal page (its meta tag or header) or of its text copy (a `发布时间：` line)."""
    for key in ("发布时间", "发布日期", "发文日期"):
        if key in layout.header:
            layout.published = publication(f"{key}：{layout.header[key]}", f"文字开头的“{key}”行")
            if layout.published:
                return
    if doc.published:
        layout.published = publication(*doc.published)


def _signature(items: list[str], layout: Layout) -> list[str]:
    """The 机关 and 成文日期 printed at the end, taken out of 六."""
    parts = date_parts(items[-1]) if items else None
    if parts:
        y, m, d = parts
        try:
            layout.info.date = dt.date(y, m, d)
        except ValueError:
            message = f"落款日期“{items[-1]}”不是有效日期"
            layout.notes.append(ImportNote("info.date", "date_invalid", "warning", message, ImportPosition()))
        items = items[:-1]
    if items and len(items[-1]) <= 30 and not re.search(r"[。，；：！？,]", items[-1]):
        layout.info.org = items[-1]
        items = items[:-1]
    return items


def org_in_title(title: str) -> str:
    """The organ a title names: before the year (XX市XX委2024年…), or after it (2024年XX委政府信息公开…)."""
    if match := re.match(r"(.+?)\d{4}\s*年", title):
        return match.group(1).strip()
    if match := re.match(r"\d{4}\s*年度?(.+?)(?:政府信息公开|信息公开|政务公开)", title):
        return match.group(1).strip()
    return ""


def _complete_info(doc: Document, layout: Layout) -> None:
    info = layout.info
    year = re.search(r"(\d{4})\s*年", info.title) or re.search(r"统计期限自\s*(\d{4})\s*年", info.preamble)
    info.year = int(year.group(1)) if year else None
    if info.year is None:
        layout.notes.append(
            ImportNote(
                "info.year",
                "year_missing",
                "warning",
                f"未能从标题确定{fmt.INFO_BY_KEY['year'].label}",
                ImportPosition(),
            )
        )
    if not info.org:
        info.org = org_in_title(info.title) or next(
            (layout.header[k] for k in HEADER_ORG_KEYS if layout.header.get(k)), ""
        )
    from ..core.organs import infer

    info.organ_type = infer(info.org)[1]  # only when the name settles it (format.ORG_NAMING)
    if not info.organ_type:
        label = fmt.INFO_BY_KEY["organ_type"].label
        message = f"无法从机关名称“{info.org}”确定{label}，请在工作簿中选择"
        layout.notes.append(
            ImportNote("info.organ_type", "organ_type_unknown", "warning", message, ImportPosition())
        )
    words = Counter()
    for rows in layout.sections.values():
        for p in rows:
            for name in SELF_NAMES:
                words[name] += (p.heading + p.body).count(name)
    common = words.most_common(1)
    info.self_name = common[0][0] if common and common[0][1] else ""
