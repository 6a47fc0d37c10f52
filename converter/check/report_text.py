"""Report text for the evaluators' rules: a section as one string, its sentences, and keyword hits."""

from __future__ import annotations

import re
import unicodedata

from ..core.model import Paragraph, Report

SENTENCE_END = re.compile(r"(?<=[。；！？!?;])|\n")


def section_text(rows: list[Paragraph]) -> str:
    """A section's sub-heads and bodies as one text, paragraphs on their own lines."""
    return "\n".join(part for p in rows for part in (p.heading.strip(), p.body.strip()) if part)


def text_of(report: Report, key: str) -> str:
    return section_text(report.sections.get(key, []))


def sentences(text: str) -> list[str]:
    """The sentences of a text (split after 。；！？ and at line ends), blank ones left out."""
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


SUBHEAD = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）][^。]{0,20}。?$")


def first_hit(text: str, words: tuple[str, ...]) -> str | None:
    """The first sentence that holds one of the words, as a quote (shortened past 60 characters); a
    sentence of the body rather than a bare sub-head (（一）主动公开。) when there is one."""
    hits = [s for s in sentences(text) if any(word in s for word in words)]
    body = [s for s in hits if not SUBHEAD.match(s)]
    return quote((body or hits)[0]) if hits else None


def quote(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", "", text)
    return f"“{text}”" if len(text) <= limit else f"“{text[: limit - 1]}…”"


def bare(text: str) -> str:
    """Only the characters that carry meaning: NFKC, no spaces nor punctuation."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch.isalnum())
