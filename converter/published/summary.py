"""`xxgk audit -o 汇总.xlsx`: one row per report with its key figures, the findings on a second sheet."""

from __future__ import annotations

from pathlib import Path

from ..format import official as fmt
from .audit import AuditResult

KEY_FIGURES = (
    "applications.new.total",
    "applications.carried_over.total",
    "applications.total.total",
    "applications.carried_forward.total",
    "review.total",
    "litigation_direct.total",
    "litigation_after_review.total",
    "proactive.normative_documents.issued",
    "proactive.normative_documents.in_force",
    "proactive.licensing.decisions",
    "proactive.penalty.decisions",
    "proactive.enforcement.decisions",
    "proactive.admin_fees.amount",
)
LEVEL = {"error": "错误", "warning": "警告"}


def figure_title(key: str) -> str:
    return fmt.VALUES[key].description.replace(" / ", "·")


def write_summary(path: Path, results: list[AuditResult]) -> None:
    """Write the summary workbook to `path` (the caller makes it atomic)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..write.summary import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["机关", "年度", "来源文件", "错误", "警告", *(figure_title(k) for k in KEY_FIGURES)])
    for result in results:  # text from the reports as string cells: an organ named `=…` is no formula
        append_row(ws, _summary_row(result))
    found = wb.create_sheet("问题")
    found.append(["来源文件", "机关", "级别", "规则", "代码", "位置", "说明"])
    for result in results:
        org = result.imported.report.info.org if result.imported else ""
        if result.imported is None:
            append_row(found, [result.path.name, org, "错误", "", "unreadable", "", result.unreadable])
        for f in result.findings:
            row = [result.path.name, org, LEVEL[f.severity], f.rule, f.code, f.location, f.message]
            append_row(found, row)
    for sheet in (ws, found):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)


def _summary_row(result: AuditResult) -> list[object]:
    if result.imported is None:
        return ["", None, result.path.name, "无法读取", None]
    report = result.imported.report
    errors = len(result.errors)
    figures = []
    for key in KEY_FIGURES:
        value = report.values.get(key)
        figures.append(float(value) if value is not None and not isinstance(value, int) else value)
    row = [report.info.org, report.info.year, result.path.name, errors, len(result.findings) - errors]
    return row + figures
