"""What the importer says about a published report: plain data, positioned in the report's own terms."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ImportPosition:
    """Where in the published report: page, table (表三), row and column labels, paragraph number."""

    page: int | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    paragraph: int | None = None
    section: str | None = None  # an official heading, e.g. 六、其他需要报告的事项

    @property
    def text(self) -> str:
        """第3页 表三“一、本年新收…”行“自然人”列 / 六、其他需要报告的事项 第2段."""
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.table:
            where = self.table
            if self.row:
                where += f"“{short(self.row)}”行"
            if self.column:
                where += f"“{self.column}”列"
            parts.append(where)
        if self.section:
            parts.append(self.section)
        if self.paragraph is not None:
            parts.append(f"第{self.paragraph}段")
        return " ".join(parts) or "全文"

    def __str__(self) -> str:  # findings.Position: printed as the reader of the report reads it
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


@dataclass(frozen=True)
class ImportNote:
    """One departure from the official format, or a figure that could not be read with certainty."""

    field: str | None  # a key of format.VALUES, or info.<key> / sections.<key>
    code: str
    severity: Severity
    message: str  # Chinese
    position: ImportPosition = ImportPosition()

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "position": self.position.to_dict(),
        }


def short(label: str, limit: int = 12) -> str:
    """A long row label cut for a position: 一、本年新收…."""
    return label if len(label) <= limit else label[: limit - 4] + "…"


@dataclass(frozen=True)
class Publication:
    """When the report was published, as its portal page says: for the timeliness of publication."""

    date: dt.date
    printed: str  # e.g. 发布时间：2025-01-20 09:30
    source: str  # where it was found: 网页的 PubDate 元数据, 网页正文上方, 文本开头的“发布时间”行

    def to_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "printed": self.printed, "source": self.source}
