"""Markdown as converters make it from PDF or Word (issue 17, point 2): the samples rendered to Markdown
with tables split, headers degraded or repeated, labels pulled out and wrapped, paragraphs hard-wrapped,
come back with every number, heading and paragraph right."""

from __future__ import annotations

import pytest
from published_inputs import markdown_table3, report_markdown, table3_rows
from test_published import NAMES, sample

from converter.published import import_report, sniff_published
from converter.render.prose import effective_sections

VARIANTS = {
    "plain": {},
    "one table per row under ###": {"split": True},
    "degraded, repeated header, page footer": {"degraded": True, "repeat_header_at": 12, "footer_at": 7},
    "labels pulled out and wrapped": {"pulled": set(range(2, 25, 2)), "wrap": 9},
    "all labels pulled out": {"pulled": set(range(25)), "wrap": 13},
}


def flat(paragraphs) -> list[str]:
    """A section's text as printed: each sub-head, then each paragraph of its body."""
    return [
        t
        for p in paragraphs
        for t in ([p.heading] if p.heading else []) + (p.body.split("\n") if p.body else [])
    ]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", NAMES)
def test_markdown_round_trip(tmp_path, name, variant):
    report = sample(name)
    table3 = markdown_table3(table3_rows(report), **VARIANTS[variant])
    path = tmp_path / f"{name}.md"
    path.write_text(report_markdown(report, table3, width=23, bold=True), encoding="utf-8")
    imported = import_report(path)
    assert imported.kind == "markdown"
    assert imported.report.values == report.values
    assert imported.errors == []
    got, want = imported.report.info, report.info
    assert (got.title, got.year, got.org, got.date, got.preamble) == (
        want.title, want.year, want.org, want.date, want.preamble,
    )  # fmt: skip
    sections = effective_sections(report)
    for key, paragraphs in imported.report.sections.items():
        assert flat(paragraphs) == flat(sections[key]), key  # hard-wrapped lines joined back


def test_text_file_holding_markdown_is_read_as_markdown(tmp_path):
    report = sample("oumiao-2024")
    path = tmp_path / "转换结果.txt"
    path.write_text(report_markdown(report), encoding="utf-8")
    assert sniff_published(path) == "markdown"
    assert import_report(path).report.values == report.values


def test_plain_text_is_not_taken_for_markdown(tmp_path):
    path = tmp_path / "报告.txt"
    path.write_text(
        "某某局2024年政府信息公开工作年度报告\n一、总体情况\n| 规章 | 0 | 0 | 0 |\n", encoding="utf-8"
    )
    assert sniff_published(path) == "text"


def test_markdown_marks_are_not_read_as_text(tmp_path):
    report = sample("huaian-2024")
    text = (
        report_markdown(report)
        .replace("| 行政许可 |", "| **行政许可** |")
        .replace("| 规章 |", "| 规<br>章 |")
    )
    path = tmp_path / "报告.md"
    path.write_text(text, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values
    assert imported.notes == []
