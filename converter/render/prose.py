"""Sentences from the numbers, for the parts of the report the clerk left blank (pure: no Word, no I/O).

Text the clerk wrote always wins: a sentence is only supplied where a section is blank (二, 三, 四), where
六 says nothing about the 信息处理费, or where the preamble is empty.
"""

from __future__ import annotations

from ..core.model import Number, Paragraph, Report, format_number
from ..format import official as fmt

ROWS = fmt.PROACTIVE_ROW_LABELS
DOCUMENT_ROWS = ("regulations", "normative_documents")
DECISION_ROWS = ("licensing", "penalty", "enforcement")


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
    """The preamble entered, or the conventional one naming the statistical period; it introduces the
    short name 《条例》 only when the report's text uses it later."""
    if report.info.preamble.strip():
        return report.info.preamble
    year = _year(report)
    short = "（以下简称《条例》）" if uses_short_name(report) else ""
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》{short}规定编制，"
        f"所列数据统计期限自{year}年1月1日至{year}年12月31日。"
    )


SHORT_NAME = "《条例》"


def uses_short_name(report: Report) -> bool:
    """Whether any paragraph of the report (as it will be printed) says 《条例》."""
    return any(
        SHORT_NAME in p.heading or SHORT_NAME in p.body
        for rows in effective_sections(report).values()
        for p in rows
    )


def is_blank(rows: list[Paragraph]) -> bool:
    return not any(p.heading.strip() or p.body.strip() for p in rows)


def mentions_fees(rows: list[Paragraph]) -> bool:
    return any(word in p.heading or word in p.body for p in rows for word in fmt.FEE_TOPIC_WORDS)


def _year(report: Report) -> str:
    return "" if report.info.year is None else str(report.info.year)


def _lead(report: Report) -> str:
    """`2024年，我镇`: the opening of a generated sentence."""
    return f"{_year(report)}年，{report.info.self_name}"


def _n(value: Number) -> str:
    return format_number(value)


def _verb(column: str) -> str:
    """A 表二 column title as a verb: 本年制发件数 -> 制发, 现行有效件数 -> 现行有效."""
    return fmt.PROACTIVE_COLUMN_LABELS[column].removeprefix("本年").removesuffix("件数")


def _bare(row: str) -> str:
    """A 表三 row label without its numbering, 本年 and 数量: 新收政府信息公开申请, 结转下年度继续办理."""
    label = dict(fmt.APPLICATION_ROWS)[row]
    label = label.split("、", 1)[-1]
    return label.removeprefix("本年").removesuffix("数量")


# --------------------------------------------------------------------------- 二


def proactive_text(report: Report) -> str:
    """One sentence restating 表二 (or that it is all zero)."""

    documents = "、".join(ROWS[row] for row in DOCUMENT_ROWS)
    issued, repealed, in_force = (_verb(col) for col in fmt.PROACTIVE_COLUMN_LABELS)
    fees_label = ROWS["admin_fees"]
    if all(report.value(k) == 0 for k in fmt.PROACTIVE.keys):
        return (
            f"{_lead(report)}无本年{issued}、{repealed}和{in_force}的{documents}，"
            f"未作出{'、'.join(ROWS[row] for row in DECISION_ROWS)}决定，无{fees_label}。"
        )

    def v(row: str, col: str) -> str:
        return _n(report.value(f"proactive.{row}.{col}"))

    counts = {
        col: "、".join(f"{ROWS[row]}{v(row, col)}件" for row in DOCUMENT_ROWS)
        for col in fmt.PROACTIVE_COLUMN_LABELS
    }
    decisions = "、".join(f"{ROWS[row]}决定{v(row, 'decisions')}件" for row in DECISION_ROWS)
    fees = v("admin_fees", "amount")
    return (
        f"{_lead(report)}{issued}{counts['issued']}，{repealed}{counts['repealed']}，"
        f"{in_force}{counts['in_force']}；作出{decisions}；{fees_label}{fees}{fmt.Kind.WAN_YUAN.unit}。"
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
        f"{_lead(report)}{_bare('new')}{new}件，{_bare('carried_over')}{over}件；"
        f"本年度办结{done}件{detail}；{_bare('carried_forward')}{forward}件。"
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
    review_label, litigation = fmt.REVIEW_GROUPS[0][1], fmt.LITIGATION_LABEL
    if review == 0 and direct + after == 0:
        return f"{_lead(report)}未发生政府信息公开工作被申请{review_label}、提起{litigation}的情况。"
    if review:
        first = f"被申请政府信息公开{review_label}{_n(review)}件{_outcomes(report, ('review',))}"
    else:
        first = f"未发生政府信息公开工作被申请{review_label}的情况"
    if direct + after:
        groups = ("litigation_direct", "litigation_after_review")
        ways = "、".join(
            f"{label}{_n(report.value(f'{g}.total'))}件"
            for g, label in fmt.REVIEW_GROUPS[1:]
            if report.value(f"{g}.total")
        )
        second = f"被提起政府信息公开{litigation}{_n(direct + after)}件（{ways}）{_outcomes(report, groups)}"
    else:
        second = f"未发生政府信息公开工作被提起{litigation}的情况"
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
        notices_label, _, collected_label = (v.description for v in fmt.FEE_VALUES)
        return f"{year}年度，{_self(report)}{notices_label}和总金额以及{collected_label}均为0。"
    parts = []
    if notices is not None:
        parts.append(f"发出收费通知{_n(notices)}件")
    if amount is not None:
        parts.append(f"收费通知总金额{_n(amount)}元")
    if collected is not None:
        parts.append(f"实际收取信息处理费{_n(collected)}元")
    return f"{year}年度，{_self(report)}{'，'.join(parts)}。"


def _self(report: Report) -> str:
    """How the report names its organ (我镇, 我局…): the 自称, or 本机关 when none is given."""
    return report.info.self_name.strip() or "本机关"
