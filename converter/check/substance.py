"""Substance: 总体情况 covers the format's topics (Q1), 六 reports the fees and the items the format lists
(Q3); 五's problems and measures (Q2) are checked in rules. Keyword sets are data in converter.format."""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Finding
from ..format import official as fmt
from .report_text import first_hit, text_of
from .rules import Subject, checker, finding

GOVERNMENT = "人民政府"


def _words(words: tuple[str, ...]) -> str:
    return "、".join(words)


@checker("Q1")
def check_overview_topics(subject: Subject) -> Iterator[Finding]:
    """Q1: a warning per topic of 一 that no keyword shows; the found topics' sentences quoted with it."""
    text = text_of(subject.report, "overview")
    if not text:
        return  # an empty 一 is C1's (published) or the empty-section rule's (workbook)
    topics = fmt.OVERVIEW_TOPICS
    if subject.report.info.organ_type == GOVERNMENT:
        topics += fmt.GOVERNMENT_TOPICS
    hits = {topic: first_hit(text, words) for topic, words in topics}
    found = tuple(f"{topic}：{hit}" for topic, hit in hits.items() if hit)
    field = fmt.section_field("overview")
    for topic, words in topics:
        if hits[topic] is None:
            message = fmt.RULES["Q1"].message.format(topic=topic, words=_words(words))
            yield finding("Q1", "topic-missing", field, topic, "", message, evidence=found)


@checker("Q3")
def check_other_items(subject: Subject) -> Iterator[Finding]:
    """Q3: 六 reports the 信息处理费 and each item the format lists for it (or says there is none)."""
    text = text_of(subject.report, "other")  # as published (Q3 runs on published reports only)
    if not text:
        return  # empty: C1
    field = fmt.section_field("other")
    for item, words in fmt.OTHER_ITEMS:
        if first_hit(text, words) is None:
            message = fmt.RULES["Q3"].message.format(item=item, words=_words(words))
            yield finding("Q3", "item-missing", field, item, "", message)
