"""Sentences from the numbers, for the parts of the report the clerk left blank (pure: no Word, no I/O).

Text the clerk wrote always wins: a sentence is only supplied where a section is blank (二, 三, 四), where
六 says nothing about the 信息处理费, or where the preamble is empty.
"""

from __future__ import annotations

from . import format as fmt
from .model import Number, Paragraph, Report, format_number

GENERATED_SECTIONS = ("proactive", "applications", "review")
FEE_WORDS = ("信息处理费", "收费")


def effective_sections(report: Report) -> dict[str, list[Paragraph]]:
    """Every section's paragraphs as printed: the clerk's, or generated ones where blank."""
    writers = {"proactive": proactive_text, "applications": applications_text, "review": review_text}
    sections: dict[str, list[Paragraph]] = {}
    for section in fmt.SECTIONS:
        rows = [Paragraph(p.heading, p.body) for p in report.sections.get(section.key, [])]
        if section.key in writers and is_blank(rows):
            rows = [Paragraph("", writers[section.key](report))]
        sections[section.key] = rows
    fee = fee_text(report)
    if fee and not mentions_fees(sections["other"]):
        sections["other"].insert(0, Paragraph("", fee))
    return sections


def effective_preamble(report: Report) -> str:
    """The preamble entered, or the conventional one naming the statistical period."""
    if report.info.preamble.strip():
        return report.info.preamble
    year = _year(report)
    return (
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制，"
        f"所列数据统计期限自{year}年1月1日至{year}年12月31日。"
    )


def is_blank(rows: list[Paragraph]) -> bool:
    return not any(p.heading.strip() or p.body.strip() for p in rows)


def mentions_fees(rows: list[Paragraph]) -> bool:
    return any(word in p.heading or word in p.body for p in rows for word in FEE_WORDS)


def _year(report: Report) -> str:
    return "" if report.info.year is None else str(report.info.year)


def _lead(report: Report) -> str:
    """`2024年，我镇`: the opening of a generated sentence."""
    return f"{_year(report)}年，{report.info.self_name}"


def _n(value: Number) -> str:
    return format_number(value)


# --------------------------------------------------------------------------- 二


def proactive_text(report: Report) -> str:
    """One sentence restating 表二 (or that it is all zero)."""

    if all(report.value(k) == 0 for k in fmt.PROACTIVE.keys):
        return (
            f"{_lead(report)}无本年制发、废止和现行有效的规章、行政规范性文件，"
            "未作出行政许可、行政处罚、行政强制决定，无行政事业性收费。"
        )

    def v(row: str, col: str) -> str:
        return _n(report.value(f"proactive.{row}.{col}"))

    kinds = (("regulations", "规章"), ("normative_documents", "行政规范性文件"))
    issued, repealed, in_force = (
        "、".join(f"{label}{v(row, col)}件" for row, label in kinds)
        for col in ("issued", "repealed", "in_force")
    )
    decisions = "、".join(
        f"{label}决定{v(row, 'decisions')}件"
        for row, label in (("licensing", "行政许可"), ("penalty", "行政处罚"), ("enforcement", "行政强制"))
    )
    fees = v("admin_fees", "amount")
    return (
        f"{_lead(report)}制发{issued}，废止{repealed}，现行有效{in_force}；"
        f"作出{decisions}；行政事业性收费{fees}万元。"
    )


# --------------------------------------------------------------------------- 三


def _applications_total(report: Report, row: str) -> Number:
    return report.value(f"applications.{row}.total")


def _outcome_groups(report: Report) -> dict[str, Number]:
    """Short label -> total of the six outcome groups of 表三, e.g. {"不予公开": 178}."""
    groups: dict[str, Number] = {}
    for row, description in fmt.APPLICATION_ROWS[2:-2]:
        label = description.split(" / ")[1]  # "（三）不予公开", "（二）部分公开（区分处理的…）"
        short = label[label.index("）") + 1 :].split("（")[0]
        groups[short] = groups.get(short, 0) + _applications_total(report, row)
    return groups


def applications_text(report: Report) -> str:
    """The year's applications in one sentence, or that there were none."""
    keys = [k for k in fmt.VALUES if k.startswith("applications.")]
    if all(report.value(k) == 0 for k in keys):
        return f"{_lead(report)}未收到政府信息公开申请。"
    new, over, done, forward = (
        _n(_applications_total(report, row)) for row in ("new", "carried_over", "total", "carried_forward")
    )
    outcomes = "、".join(f"{label}{_n(total)}件" for label, total in _outcome_groups(report).items() if total)
    detail = f"，其中{outcomes}" if outcomes else ""
    return (
        f"{_lead(report)}新收政府信息公开申请{new}件，上年结转政府信息公开申请{over}件；"
        f"本年度办结{done}件{detail}；结转下年度继续办理{forward}件。"
    )


# --------------------------------------------------------------------------- 四


def _outcomes(report: Report, groups: tuple[str, ...]) -> str:
    """`其中结果维持72件、结果纠正64件`: the non-zero outcomes added over the groups."""
    parts = []
    for outcome, label in fmt.REVIEW_OUTCOMES[:-1]:
        total = sum(report.value(f"{g}.{outcome}") for g in groups)
        if total:
            parts.append(f"{label}{_n(total)}件")
    return f"，其中{'、'.join(parts)}" if parts else ""


def review_text(report: Report) -> str:
    """行政复议 and 行政诉讼 totals with their outcomes, or that there were none."""
    review = report.value("review.total")
    direct = report.value("litigation_direct.total")
    after = report.value("litigation_after_review.total")
    if review == 0 and direct + after == 0:
        return f"{_lead(report)}未发生政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
    if review:
        first = f"被申请政府信息公开行政复议{_n(review)}件{_outcomes(report, ('review',))}"
    else:
        first = "未发生政府信息公开工作被申请行政复议的情况"
    if direct + after:
        groups = ("litigation_direct", "litigation_after_review")
        ways = "、".join(
            f"{label}{_n(report.value(f'{g}.total'))}件"
            for g, label in fmt.REVIEW_GROUPS[1:]
            if report.value(f"{g}.total")
        )
        second = f"被提起政府信息公开行政诉讼{_n(direct + after)}件（{ways}）{_outcomes(report, groups)}"
    else:
        second = "未发生政府信息公开工作被提起行政诉讼的情况"
    return f"{_lead(report)}{first}；{second}。"


# --------------------------------------------------------------------------- 六


def fee_text(report: Report) -> str:
    """The 信息处理费 sentence from the fee figures stated (blank = not stated); "" when none is."""
    notices, amount, collected = (report.values.get(v.key) for v in fmt.FEE_VALUES)
    stated = [v for v in (notices, amount, collected) if v is not None]
    year = _year(report)
    if not stated:
        return ""
    if len(stated) == 3 and not any(stated):
        return f"{year}年度，本机关发出收费通知的件数和总金额以及实际收取的总金额均为0。"
    parts = []
    if notices is not None:
        parts.append(f"发出收费通知{_n(notices)}件")
    if amount is not None:
        parts.append(f"收费通知总金额{_n(amount)}元")
    if collected is not None:
        parts.append(f"实际收取信息处理费{_n(collected)}元")
    return f"{year}年度，本机关{'，'.join(parts)}。"
