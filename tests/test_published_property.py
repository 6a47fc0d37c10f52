"""Round trips with arbitrary figures: a report rendered to Word (or a portal page) imports back exactly."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from factories import consistent_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from published_inputs import report_html

from converter.check.text_figures import check_text
from converter.format import official as fmt
from converter.published import import_report
from converter.render.docx import render_report

COUNT = st.one_of(st.integers(0, 9_999_999), st.integers(0, 30))
AMOUNT = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False).map(
    lambda d: Decimal(int(d)) if d == d.to_integral_value() else d.normalize()
)


BLANKABLE = sorted(k for k in fmt.VALUES if k.startswith("applications.") and ".new." not in k)


@st.composite
def reports(draw, blanks: bool):
    """Any figures; fee figures may be unstated; with `blanks`, up to three 表三 cells left blank."""
    report = consistent_report()
    for key, spec in fmt.VALUES.items():
        report.values[key] = draw(COUNT if spec.kind is fmt.Kind.COUNT else AMOUNT)
        if spec.table == "fees" and draw(st.booleans()):
            report.values[key] = None
    if blanks:
        for key in draw(st.sets(st.sampled_from(BLANKABLE), max_size=3)):
            report.values[key] = None
    for key in ("proactive", "applications", "review"):
        report.sections[key] = []  # the printed sentences are made from the figures
    return report


def mismatched_totals(report) -> set[str]:
    """Totals printed unlike the sum of their printed parts: each is named by the importer."""
    out = set()
    for key, spec in fmt.VALUES.items():
        parts = [report.values.get(k) for k in spec.sum_of]
        if spec.sum_of and report.values.get(key) is not None and None not in parts:
            out |= {key} if sum(parts) != report.values[key] else set()
    return out


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(reports(blanks=True))
def test_word_report_round_trips_any_figures(report):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        render_report(report, out)
        imported = import_report(out)
    assert imported.report.values == report.values
    blank = {k for k, v in report.values.items() if v is None and not k.startswith("fees.")}
    assert {n.field for n in imported.errors} == blank | mismatched_totals(report)
    assert check_text(imported.report) == []  # the sentences printed from the figures agree with them


@SETTINGS
@given(reports(blanks=False))
def test_portal_page_round_trips_any_figures(report):
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "r.html"
        page.write_text(report_html(report), encoding="utf-8")
        imported = import_report(page)
    assert imported.report.values == report.values
    assert {n.field for n in imported.notes} == mismatched_totals(report)
    assert all(n.code == "total_mismatch" for n in imported.notes)
