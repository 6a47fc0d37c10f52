"""R5: figures stated in the report's text agree with its tables (pure: report in, findings out).

Precision first: a figure is compared only when the clause names it in a known form and its scope is
the whole organ and the whole year. A clause that opens with anything else (a sub-unit, "其中", a part
of the year, a hotline) is left alone. "共受理/收到…申请N件" may count 新收 alone or 新收 + 上年结转:
either reading that matches is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from ..core.model import Number, Report
from ..format import official as fmt

NUM = r"(\d+(?:\.\d+)?)"
APPLY = r"(?:政府信息公开|信息公开|依申请公开)?(?:申请|申请件)(?:数量)?(?:共计|共|总计|合计|为)?"
PART_OF_YEAR = re.compile(r"上半年|下半年|季度|[一二三四五六七八九十\d]+月(?:份|底|末)?|截至|截止|月份")
CLAUSE = re.compile(r"[，,；;。！？!?（）()：:]")
SCOPE_WORDS = (
    r"\d{4}年度?|全年|本年度?|今年|年内|本机关|本单位|我(?:市|区|县|镇|乡|街道|局|委|办|厅|院|单位|机关)"
    r"|全(?:市|区|县|镇|乡|街道|局|委|系统)|共|累计|总计|合计|共计|依法|另有|此外|同时|作出|政府信息公开方面|"
)
SCOPE = re.compile(rf"^(?:{SCOPE_WORDS})*$")


@dataclass(frozen=True)
class TextFinding:
    """A figure in the text that contradicts the table: where it is and the sentence that states it."""

    field: str  # key of format.VALUES
    stated: Number
    table_value: Number
    sentence: str
    section: str  # key of format.SECTIONS, or "preamble"
    paragraph: int  # 1-based among the section's paragraphs
    what: str = ""  # Chinese name of the figure when it is a sum of several cells

    @property
    def message(self) -> str:
        what = self.what or fmt.VALUES[self.field].description
        return f"正文写明 {self.stated}，而表格中“{what}”为 {self.table_value}：“{self.sentence}”"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "stated": str(self.stated), "table_value": str(self.table_value)}


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    keys: tuple[tuple[str, ...], ...]  # readings: each a sum of value keys; any one matching is accepted
    what: str = ""


def _p(regex: str, *readings: tuple[str, ...], what: str = "") -> Pattern:
    return Pattern(re.compile(regex), readings, what)


NEW, CARRIED = "applications.new.total", "applications.carried_over.total"
LITIGATION = ("litigation_direct.total", "litigation_after_review.total")
PATTERNS = (
    _p(rf"^(?:新收|收到|受理|接收)(?:到|了)?{APPLY}{NUM}件", (NEW,), (NEW, CARRIED)),
    _p(rf"^上年度?结转(?:的)?{APPLY}{NUM}件", (CARRIED,)),
    _p(
        rf"^(?:办结|办理完结|答复)(?:政府信息公开申请|申请)?(?:共计|共)?{NUM}件",
        ("applications.total.total",),
    ),
    _p(
        rf"^(?:结转|顺延)(?:至|到)?下一?年度(?:继续办理|办理|答复)?{NUM}件",
        ("applications.carried_forward.total",),
    ),
    _p(rf"^{NUM}件(?:申请)?(?:结转|顺延)(?:至|到)?下一?年度", ("applications.carried_forward.total",)),
    _p(rf"^(?:被申请)?(?:政府信息公开)?行政复议(?:案件)?(?:共计|共)?{NUM}件", ("review.total",)),
    _p(
        rf"^(?:被提起)?(?:政府信息公开)?行政诉讼(?:案件)?(?:共计|共)?{NUM}件",
        LITIGATION,
        what="行政诉讼 / 未经复议直接起诉总计+复议后起诉总计",
    ),
    _p(rf"^行政许可决定(?:数量)?(?:共计|共|为)?{NUM}件", ("proactive.licensing.decisions",)),
    _p(rf"^行政处罚决定(?:数量)?(?:共计|共|为)?{NUM}件", ("proactive.penalty.decisions",)),
    _p(rf"^行政强制决定(?:数量)?(?:共计|共|为)?{NUM}件", ("proactive.enforcement.decisions",)),
    _p(rf"^行政事业性收费(?:金额)?(?:共计|共|为)?{NUM}万元", ("proactive.admin_fees.amount",)),
    _p(rf"^收取(?:政府信息公开)?信息处理费(?:共计|共|为)?{NUM}元", ("fees.collected",)),
    _p(rf"^发出收费通知(?:书)?{NUM}件", ("fees.notices",)),
)
DOCUMENT_VERBS = {"制发": "issued", "印发": "issued", "废止": "repealed", "现行有效": "in_force"}
DOCUMENTS = re.compile(rf"(规章|(?:行政)?规范性文件){NUM}件")
DOCUMENT_LIST = re.compile(
    rf"^(制发|印发|废止|现行有效)((?:(?:规章|(?:行政)?规范性文件){NUM}件[、和及与]?)+)"
)


def check_text(report: Report) -> list[TextFinding]:
    """Every stated figure that matches no reading of the tables (blank table values are not compared)."""
    out = []
    for section, index, text in _paragraphs(report):
        for sentence in _sentences(text):
            if PART_OF_YEAR.search(sentence):
                continue
            for key, stated, readings, what in dict.fromkeys(_figures(sentence, report)):
                totals = [_sum(report, r) for r in readings]
                if any(t is None for t in totals) or stated in totals:
                    continue
                finding = TextFinding(key, stated, totals[0], sentence, section, index, what)  # type: ignore[arg-type]
                out.append(finding)
    return out


def _paragraphs(report: Report) -> Iterator[tuple[str, int, str]]:
    if report.info.preamble:
        yield "preamble", 1, report.info.preamble
    for section in fmt.SECTIONS:
        for i, p in enumerate(report.sections.get(section.key, []), start=1):
            yield section.key, i, f"{p.heading}{p.body}"


def _sentences(text: str) -> list[str]:
    """Sentences as printed, each ending at 。！？ or a line break."""
    return [s.strip() for s in re.split(r"(?<=[。！？!?])|\n", text) if s.strip()]


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return re.sub(r"\s+", "", text)


Figure = tuple[str, Number, tuple[tuple[str, ...], ...], str]


def _figures(sentence: str, report: Report) -> Iterator[Figure]:
    """(value key, stated figure, readings, what) for each figure of whole scope in the sentence.

    Items listed with 、 after a figure of whole scope share its scope; after anything else, none do.
    """
    names = tuple(_clean(n) for n in (report.info.org, report.info.self_name) if n)
    for clause in CLAUSE.split(_clean(sentence)):
        for start in _scoped_starts(clause, names):
            yield from _documents(clause[start:])
            verb = next((v for v in fmt.IN_FORCE_VERBS if clause.startswith(v + "现行有效", start)), "")
            if verb:  # 清理并集中发布现行有效…: the verb keeps the whole scope
                yield from _documents(clause[start + len(verb) :])
        parts = clause.split("、")
        found = [f for start in _scoped_starts(parts[0], names) for f in _match(parts[0][start:])]
        yield from found
        if found:
            for part in parts[1:]:
                yield from _match(part)


def _scoped_starts(clause: str, names: tuple[str, ...]) -> Iterator[int]:
    """Positions in the clause preceded only by words of whole scope (year, 我市, 全区, 共…)."""
    for start in range(len(clause)):
        prefix = clause[:start]
        for name in names:
            prefix = prefix.replace(name, "")
        if SCOPE.match(prefix):
            yield start


def _match(rest: str) -> Iterator[Figure]:
    for pattern in PATTERNS:
        match = pattern.regex.match(rest)
        if match:
            yield pattern.keys[0][0], _number(match.group(1)), pattern.keys, pattern.what


def _documents(rest: str) -> Iterator[Figure]:
    """制发规章1件、行政规范性文件8件 → each document kind under the verb."""
    match = DOCUMENT_LIST.match(rest)
    if not match:
        return
    column = DOCUMENT_VERBS[match.group(1)]
    for kind, number in DOCUMENTS.findall(match.group(2)):
        row = "regulations" if kind == "规章" else "normative_documents"
        key = f"proactive.{row}.{column}"
        yield key, int(number), ((key,),), ""


def _number(text: str) -> Number:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


def _sum(report: Report, keys: tuple[str, ...]) -> Number | None:
    values = [report.values.get(k) for k in keys]
    if any(v is None for v in values):
        return None
    return sum(values)  # type: ignore[arg-type]
