"""Headings → the six official sections; title, preamble, sub-heads, paragraphs and the signature."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from ..core.model import Info, Paragraph
from ..format import official as fmt
from .document import Document, Grid, Line, Para, norm, tidy
from .notes import ImportNote, ImportPosition
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
    if not t or t[0] not in "一二三四五六":
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
        if stop and isinstance(block, Line) and norm(text).startswith(stop):  # a table laid out as text
            break
        if isinstance(block, Line) and layout_text and out and block.indent < 2 and not SUBHEAD.match(text):
            out[-1] += text
        else:
            out.append(text)
    return out


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


def _front(doc: Document, items: list[str], layout: Layout) -> None:
    """Title (one or two short lines ending in 报告) and the preamble after it."""
    info = layout.info
    for i, text in enumerate(items):
        if text.endswith("报告") and len(text) <= 60:
            prev = items[i - 1] if i else ""
            joined = (
                prev + text
                if prev and len(prev) <= 30 and not re.search(r"\d{4}", prev) and "。" not in prev
                else ""
            )
            info.title = joined or text
            info.preamble = "\n".join(items[i + 1 :])
            return
    info.title = doc.title_hint
    info.preamble = "\n".join(items)
    if not info.title:
        layout.notes.append(
            ImportNote("info.title", "title_missing", "warning", "未找到报告标题", ImportPosition())
        )


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
        match = re.match(r"(.+?)\d{4}\s*年", info.title)
        info.org = match.group(1).strip() if match else ""
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
