"""Published reports back into the report model: `import_report(path) -> Imported`.

One reader per input kind (docx, pdf, html, text) turns the file into a generic `Document`; sections
and tables are then recognised once, by their official labels from `converter.format`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UnreadableInput
from ..core.model import Report
from .notes import ImportNote, ImportPosition, Publication
from .sniff import sniff_published

NOT_A_REPORT = {
    "html": "{name} 中没有找到年度报告的正文和表格（报告可能是网页上的附件或图片）；请打开附件另存后再导入。",
    "pdf": "{name} 中没有找到年度报告的标题和表格（可能是扫描件，或不是政府信息公开工作年度报告）。",
    "docx": "{name} 中没有找到年度报告的标题和表格，不像是政府信息公开工作年度报告。",
    "markdown": "{name} 中没有找到年度报告的标题和表格，不像是政府信息公开工作年度报告的文字。",
    "text": "{name} 中没有找到年度报告的标题和表格，不像是政府信息公开工作年度报告的文字。",
}

__all__ = ["ImportNote", "ImportPosition", "Imported", "Publication", "import_report", "sniff_published"]


@dataclass
class Imported:
    """The report read back, and every note about what departed from the format or could not be read."""

    report: Report
    notes: list[ImportNote] = field(default_factory=list)
    kind: str = ""
    positions: dict[str, ImportPosition] = field(default_factory=dict)  # value key → where it was printed
    dates: dict[str, dt.date] = field(default_factory=dict)  # publication dates found, by source (D2)
    published: Publication | None = None  # the 发布时间 of a portal page or its text copy

    @property
    def errors(self) -> list[ImportNote]:
        return [n for n in self.notes if n.severity == "error"]

    def locate(self, field: str) -> ImportPosition | None:
        """Where a field is in this report (page where it was read, table, row and column labels)."""
        from .labels import position_of

        key = field.removeprefix("values.")
        if key in self.positions:
            return self.positions[key]
        position = position_of(key)
        return None if position == ImportPosition() else position


def import_report(path: Path) -> Imported:
    """Read a published report (.docx, .pdf with text, .html, .txt), identified by content."""
    from . import fees
    from .recognise import read_tables
    from .sections import read_layout

    path = Path(path)
    kind = sniff_published(path)
    document = _reader(kind)(path)
    layout = read_layout(document)
    tables = read_tables(document, layout)
    if not layout.starts and not tables.values and not is_report_title(layout.info.title):
        raise UnreadableInput(NOT_A_REPORT[kind].format(name=path.name))
    report = Report(info=layout.info)
    for key, rows in layout.sections.items():
        report.sections[key] = rows
    report.values.update(tables.values)  # type: ignore[arg-type]
    report.values.update(fees.read_fees(report.sections.get("other", [])))
    dates = dict(document.dates)
    if layout.published is not None:  # the portal's 发布时间 before the PDF's creation date (D2)
        dates[layout.published.source] = layout.published.date
    return Imported(
        report, layout.notes + tables.notes, kind, tables.positions, dates=dates, published=layout.published
    )


def is_report_title(title: str) -> bool:
    """A title that says it is an annual report on government information disclosure."""
    from .document import norm

    text = norm(title)
    return ("政府信息公开" in text or "政务公开" in text) and ("年度报告" in text or "年报" in text)


def _reader(kind: str):
    if kind == "docx":
        from .read_docx import read_docx

        return read_docx
    if kind == "pdf":
        from .read_pdf import read_pdf

        return read_pdf
    if kind == "html":
        from .read_html import read_html

        return read_html
    if kind == "markdown":
        from .read_markdown import read_markdown

        return read_markdown
    from .read_text import read_text

    return read_text
