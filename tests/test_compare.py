"""xxgk compare: two years side by side, largest change first, R4 column by column; any input mix."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import SAMPLES
from published_inputs import report_html
from test_published import sample
from typer.testing import CliRunner

from converter.cli import app
from converter.published.compare import compare, load_any

DATA = Path(__file__).resolve().parent / "data" / "published"
runner = CliRunner()


def test_largest_change_first_with_percentage():
    last, this = sample("huaian-2024"), sample("huaian-2024")
    this.values["applications.new.natural_person"] = 3101  # +100 new applications
    this.values["applications.new.total"] = 3219
    this.values["review.total"] = 341
    changes, carry = compare(last, this)
    first, second = changes[:2]
    assert (first.key, first.change, first.percent) == ("applications.new.total", 100, Decimal("3.2"))
    assert (second.key, second.change) == ("review.total", -10)
    assert all(c.ok for c in carry) is False  # 34 carried over ≠ last year's 103 carried forward
    assert [c.ok for c in carry] == [False, True, True, True, True, True, False]


def test_any_mix_of_inputs(tmp_path):
    page = tmp_path / "2024.html"
    page.write_text(report_html(sample("huaian-2024")), encoding="utf-8")
    assert load_any(page).values == load_any(SAMPLES / "huaian-2024.xlsx").values
    assert load_any(SAMPLES / "huaian-2024.json").values == load_any(DATA / "huaian-2024-report.txt").values


def test_cli_compare_json_and_exit_code(tmp_path):
    last = sample("oumiao-2024")
    last.info.year, last.info.title = 2023, "襄城区欧庙镇2023年政府信息公开年度工作报告"
    page = tmp_path / "2023.html"
    page.write_text(report_html(last), encoding="utf-8")
    result = runner.invoke(app, ["compare", str(page), str(DATA / "oumiao-2024-report.txt"), "--json"])
    assert result.exit_code == 0  # all zero: 上年结转 agrees
    payload = json.loads(result.stdout)
    assert payload["figures"][0]["percent"] is None and all(c["ok"] for c in payload["carry_over"])
    result = runner.invoke(
        app, ["compare", str(DATA / "oumiao-2024-report.txt"), str(SAMPLES / "huaian-2024.xlsx")]
    )
    assert result.exit_code == 1  # 34 carried over against 0 carried forward
    assert "注意：两份报告的机关不同" in result.output
    lines = result.output.splitlines()
    assert "不是相邻年度" in lines[2]
    assert lines[6].startswith(
        "第二十条第（六）项·行政处罚"
    )  # 0 → 3985758, the largest change (after the rule)


def test_the_listing_is_aligned_in_display_columns_and_never_breaks_a_number():
    """Columns counted as a terminal shows them (a Chinese character is two columns): every row's
    change and percentage end in the same column, and no line is wider than the terminal."""
    from converter.cli.words import display_width
    from converter.published.compare import render

    last, this = sample("huaian-2024"), sample("huaian-2024")
    this.values["applications.new.total"] = 3219
    this.values["review.total"] = 341
    this.values["proactive.admin_fees.amount"] = None
    changes, carry = compare(last, this)
    for width in (100, 80):
        text = render(last, this, changes, carry, width=width)
        lines = text.splitlines()
        assert max(display_width(line) for line in lines) <= width
        rows = [line for line in lines if line.endswith(("%", "—"))]
        assert len(rows) == len(changes)  # a long name wraps; its figures stay on its first line
        assert len({display_width(line) for line in rows}) == 1, rows  # right-aligned, one end column
        assert any(line.endswith("+100") or "+100 " in line for line in lines)
        for line in rows:
            assert line.split()[-1].endswith(("%", "—"))  # the percentage whole on its line
