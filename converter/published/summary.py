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
    ws.append(
        [
            "机关",
            "年度",
            "来源文件",
            "错误",
            "警告",
            "得分（已评估）",
            "最低可能得分",
            "不能评估",
            *(figure_title(k) for k in KEY_FIGURES),
        ]
    )
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
    deductions = _deductions_sheet(wb, results)
    for sheet in (ws, found, deductions):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)


def _summary_row(result: AuditResult) -> list[object]:
    if result.imported is None:
        return ["", None, result.path.name, "无法读取", None, None, None, None]
    report = result.imported.report
    errors = len(result.errors)
    figures = []
    for key in KEY_FIGURES:
        value = report.values.get(key)
        figures.append(float(value) if value is not None and not isinstance(value, int) else value)
    row = [report.info.org, report.info.year, result.path.name, errors, len(result.findings) - errors]
    return row + _score_cells(result) + figures


def _score_cells(result: AuditResult) -> list[object]:
    """得分 of what was assessed, the lowest it may be once the rest is, and what could not be assessed."""
    score = result.score
    if score is None:
        return [None, None, None]
    return [score.score, score.lowest, "；".join(what for what, _ in score.not_assessable) or None]


def _deductions_sheet(wb, results: list[AuditResult]):
    """扣分: every deduction with its evidence, and every item that could not be assessed."""
    from ..write.summary import append_row

    sheet = wb.create_sheet("扣分")
    sheet.append(["来源文件", "机关", "评分方案", "评分项", "扣分", "规则", "位置", "说明", "引文"])
    for result in results:
        if result.score is None or result.imported is None:
            continue
        org, profile = result.imported.report.info.org, result.score.profile
        for d in result.score.deductions:
            f = d.finding
            row = [result.path.name, org, profile, d.item, d.points, f.rule, f.location, f.message]
            append_row(sheet, [*row, "\n".join(f.evidence)])
        for what, why in result.score.not_assessable:
            append_row(sheet, [result.path.name, org, profile, what, None, "", "", f"不能评估：{why}", ""])
    return sheet
