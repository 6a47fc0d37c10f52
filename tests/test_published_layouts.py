"""Never a wrong number on unfamiliar layouts: label blocks, rows in another order, footnote markers,
printed totals that disagree with their parts (issue 17, point 1)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from factories import consistent_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from published_inputs import pipe, report_html, report_markdown, table3_rows
from typer.testing import CliRunner

from converter.cli import app
from converter.format import official as fmt
from converter.published import import_report
from converter.published.tables import table3_targets

COLUMNS = [k for k, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]
ITEM_ROWS = [t for t in table3_targets() if not t.group_of]
GROUP_OF_ITEM = {f"{g}.{i}": label for g, label, items in fmt.OUTCOME_GROUPS for i, _ in items}
FIRST_ITEMS = {f"{g}.{items[0][0]}" for g, _, items in fmt.OUTCOME_GROUPS if items}


def codes(imported) -> list[str]:
    return [n.code for n in imported.notes if n.code != "organ_type_unknown"]  # 某某市某某局: a test name


def wrong_values(imported, truth) -> dict[str, tuple]:
    return {
        k: (v, truth.get(k)) for k, v in imported.report.values.items() if v is not None and v != truth.get(k)
    }


@st.composite
def consistent_table3(draw):
    """A report whose 表三 holds R0–R2 with any figures (small, so that equal rows are common)."""
    report = consistent_report()
    figure = st.integers(0, 12)
    for row in fmt.OUTCOME_ROWS:
        for c in COLUMNS[:-1]:
            report.values[f"applications.{row}.{c}"] = draw(figure)
    for c in COLUMNS[:-1]:
        total = sum(report.values[f"applications.{row}.{c}"] for row in fmt.OUTCOME_ROWS)
        report.values[f"applications.total.{c}"] = total
        forward = draw(figure)
        over = draw(st.integers(0, total + forward))
        report.values[f"applications.carried_forward.{c}"] = forward
        report.values[f"applications.carried_over.{c}"] = over
        report.values[f"applications.new.{c}"] = total + forward - over
    for row, _ in fmt.APPLICATION_ROWS:
        report.values[f"applications.{row}.total"] = sum(
            report.values[f"applications.{row}.{c}"] for c in COLUMNS[:-1]
        )
    return report


@st.composite
def label_block_layouts(draw):
    """表三 with some labels pulled out of the table (wrapped, grouped before their numbers), then label
    blocks shuffled, dropped or duplicated. Returns (report, table lines, whether anything was disturbed)."""
    report = draw(consistent_table3())
    rows = table3_rows(report)
    pulled = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    width = draw(st.integers(4, 24))
    blocks: list[list[str]] = []  # one label block per pulled row, in order
    for (label, _), key, p in zip(rows, (t.key for t in ITEM_ROWS), pulled, strict=True):
        if p:
            group = GROUP_OF_ITEM.get(key) if key in FIRST_ITEMS else None
            text = (f"{group} " if group else "") + label
            blocks.append([text[i : i + width] for i in range(0, len(text), width)])
    disturbed = False
    if blocks:
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["swap", "drop", "duplicate"]))
            i = draw(st.integers(0, len(blocks) - 1))
            j = draw(st.integers(0, len(blocks) - 1))
            if kind == "swap" and i != j and blocks[i] != blocks[j]:
                blocks[i], blocks[j] = blocks[j], blocks[i]
            elif kind == "drop":
                blocks[i] = []
            elif kind == "duplicate":
                blocks[i] = blocks[i] + blocks[j]
            else:
                continue
            disturbed = True
    grouped = draw(st.booleans())  # labels of a run of pulled rows all printed before its numbers
    lines = [pipe(["项目", *(c for _, c in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))]), pipe(["---"] * 8)]
    pending: list[str] = []
    k = 0
    for (label, figures), p in zip(rows, pulled, strict=True):
        if not p:
            lines += pending
            pending = []
            lines.append(pipe([label, *figures]))
            continue
        block = blocks[k]
        k += 1
        if grouped:
            lines += block
            pending.append(pipe(figures))
        else:
            lines += [*block, pipe(figures)]
    lines += pending
    return report, lines, disturbed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label_block_layouts())
def test_label_blocks_never_shift_a_number(tmp_path_factory, layout):
    report, table3, disturbed = layout
    path = tmp_path_factory.mktemp("blocks") / "report.md"
    path.write_text(report_markdown(report, table3), encoding="utf-8")
    imported = import_report(path)
    assert wrong_values(imported, report.values) == {}  # blanks allowed, a wrong number never
    blank = {k for k, v in imported.report.values.items() if v is None}
    assert {n.field for n in imported.errors} <= blank | {None}
    if blank:
        assert imported.errors  # every blank is said
    if not disturbed:
        assert blank == set()  # an undisturbed layout is read whole, whatever was pulled out


ISSUE_SHAPE = """\
1.本机关不掌握相关政
府信息
| 3 | 0 | 0 | 0 | 0 | 0 | 3 |
（四）无法提供 2.没有现成信息需要另
行制作
3.补正后申请内容仍不
明确
| 5 | 0 | 0 | 0 | 0 | 0 | 5 |
| 0 | 0 | 0 | 0 | 0 | 0 | 0 |"""


def issue_shape_report(tmp_path: Path, shape: str) -> tuple:
    report = consistent_report()
    values = {"not_held": 3, "needs_creation": 5, "unclear": 0}
    for item, n in values.items():
        for c in COLUMNS:
            report.values[f"applications.unavailable.{item}.{c}"] = (
                n if c in ("natural_person", "total") else 0
            )
    _rebalance(report)
    rows = table3_rows(report)
    start = next(i for i, (label, _) in enumerate(rows) if label.startswith("8.属于行政查询"))
    lines = [pipe(["项目", *(c for _, c in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))]), pipe(["---"] * 8)]
    lines += [pipe([label, *f]) for label, f in rows[: start + 1]]  # up to 8.属于行政查询事项
    lines += shape.splitlines()
    lines += [pipe([label, *f]) for label, f in rows[start + 4 :]]
    path = tmp_path / "report.md"
    path.write_text(report_markdown(report, lines), encoding="utf-8")
    return report, import_report(path)


def _rebalance(report) -> None:
    """Totals and 一、本年新收 made to hold R0–R2 again after items were changed."""
    for row, _ in fmt.APPLICATION_ROWS:
        if row not in ("total",):
            report.values[f"applications.{row}.total"] = sum(
                report.values[f"applications.{row}.{c}"] for c in COLUMNS[:-1]
            )
    for c in COLUMNS:
        report.values[f"applications.total.{c}"] = sum(
            report.values[f"applications.{r}.{c}"] for r in fmt.OUTCOME_ROWS
        )
        report.values[f"applications.new.{c}"] = (
            report.values[f"applications.total.{c}"] + report.values[f"applications.carried_forward.{c}"]
            - report.values[f"applications.carried_over.{c}"]
        )  # fmt: skip


def test_the_issue_shape_is_paired_where_forced(tmp_path):
    """Labels 2 and 3 both above their two number rows: one to one, in order, sums hold: read."""
    report, imported = issue_shape_report(tmp_path, ISSUE_SHAPE)
    assert wrong_values(imported, report.values) == {}
    assert imported.report.values["applications.unavailable.needs_creation.natural_person"] == 5
    assert imported.report.values["applications.unavailable.unclear.natural_person"] == 0
    assert imported.errors == []


def test_the_issue_shape_with_a_label_lost_is_left_blank_and_said(tmp_path):
    shape = ISSUE_SHAPE.replace("3.补正后申请内容仍不\n明确\n", "")
    report, imported = issue_shape_report(tmp_path, shape)
    assert wrong_values(imported, report.values) == {}
    values = imported.report.values
    for item in ("not_held", "needs_creation", "unclear"):  # three number rows, two labels: none is certain
        assert values[f"applications.unavailable.{item}.natural_person"] is None
    assert values["applications.withheld.query_matters.natural_person"] is not None
    assert values["applications.not_processed.petition.natural_person"] is not None
    [note] = imported.errors
    assert note.code == "unpaired_rows"
    assert "表三“1.本机关不掌握相关政府信息”至“3.补正后申请内容仍不明确”的 3 行数字" in note.message
    assert not any(n.code in ("row_missing", "row_extra") for n in imported.notes)


# --------------------------------------------------------------------------- rows printed in another order


def swapped_html(tmp_path: Path, report) -> Path:
    from published_inputs import find_row

    def swap(tables):
        rows = tables["applications"]
        a, b = (
            find_row(rows, "一、本年新收政府信息公开申请数量"),
            find_row(rows, "二、上年结转政府信息公开申请数量"),
        )
        rows[a], rows[b] = rows[b], rows[a]

    path = tmp_path / "swapped.html"
    path.write_text(report_html(report, swap), encoding="utf-8")
    return path


def test_rows_printed_in_another_order_are_read_by_their_labels(tmp_path):
    report = consistent_report()
    imported = import_report(swapped_html(tmp_path, report))
    assert imported.report.values == report.values
    assert [n.code for n in imported.notes] == ["row_order"]
    assert "顺序" in imported.notes[0].message


def test_swapped_rows_in_text_are_read_by_their_labels(tmp_path):
    report = consistent_report()
    rows = table3_rows(report)
    rows[0], rows[1] = rows[1], rows[0]
    path = tmp_path / "swapped.md"
    path.write_text(report_markdown(report, [pipe([label, *f]) for label, f in rows]), encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values
    assert codes(imported) == ["row_order"]


def test_a_row_whose_label_is_another_rows_is_never_read_as_the_missing_one(tmp_path):
    """二 printed twice and 一 missing: 一 is blank, never 二's figures."""
    report = consistent_report()
    rows = table3_rows(report)
    rows[0] = rows[1]
    path = tmp_path / "twice.md"
    path.write_text(report_markdown(report, [pipe([label, *f]) for label, f in rows]), encoding="utf-8")
    imported = import_report(path)
    assert wrong_values(imported, report.values) == {}
    assert imported.report.values["applications.new.natural_person"] is None
    assert imported.report.values["applications.carried_over.natural_person"] is None  # printed twice
    assert any(n.code == "row_missing" for n in imported.errors)


# --------------------------------------------------------------------------- footnote markers


def test_html_superscript_is_not_a_digit(tmp_path):
    report = consistent_report()
    key = "proactive.licensing.decisions"
    cell = f"<td colspan='3'>{report.values[key]}"
    page = report_html(report).replace(cell, cell + "<sup>2</sup>", 1)
    path = tmp_path / "sup.html"
    path.write_text(page, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values[key] == report.values[key]
    [note] = imported.notes
    assert (note.code, note.field) == ("footnote_marker", key)
    assert note.message.startswith(f"数值后有注释标记“²”，按 {report.values[key]} 读入")


def test_word_superscript_is_not_a_digit(tmp_path):
    from converter.render.docx import render_report

    report = consistent_report()
    out = tmp_path / "r.docx"
    render_report(report, out)
    document = docx.Document(str(out))
    key, printed = "proactive.penalty.decisions", str(report.values["proactive.penalty.decisions"])
    cell = next(c for t in document.tables for row in t.rows for c in row.cells if c.text == printed)
    cell.paragraphs[0].add_run("2").font.superscript = True
    document.save(str(out))
    imported = import_report(out)
    assert imported.report.values[key] == report.values[key]
    assert [n.code for n in imported.notes] == ["footnote_marker"]


def test_text_superscript_is_not_a_digit(tmp_path):
    report = consistent_report()
    text = report_markdown(report).replace("| 行政许可 | 120 |", "| 行政许可 | 120¹ |")
    path = tmp_path / "sup.txt"
    path.write_text(text, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values["proactive.licensing.decisions"] == 120
    assert codes(imported) == ["footnote_marker"]


# --------------------------------------------------------------------------- printed totals


def test_a_printed_total_unlike_its_parts_is_named_and_exits_1(tmp_path):
    report = consistent_report()
    printed = report.values["review.total"]
    report.values["review.total"] = printed + 1
    path = tmp_path / "total.html"
    path.write_text(report_html(report), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 1
    imported = import_report(path)
    [note] = imported.notes
    assert (note.code, note.field, note.severity) == ("total_mismatch", "review.total", "error")
    assert f"总计印作 {printed + 1}，但各项之和为 {printed}" in note.message
    assert "表四" in note.position.text and "行政复议·总计" in note.position.text


# --------------------------------------------------------------------------- rows present but short (point 4)


def test_a_short_row_is_one_note_never_missing_plus_extra(tmp_path):
    report = consistent_report()
    path = tmp_path / "short.md"
    path.write_text(
        report_markdown(report).replace("| 规章 | 2 | 1 | 15 |", "| 规章 | 22 | 235 |"), encoding="utf-8"
    )
    imported = import_report(path)
    assert wrong_values(imported, report.values) == {}
    [note] = imported.errors
    assert (note.code, note.field) == ("value_count", "proactive.regulations.issued")
    assert note.message.startswith("规章行只有 2 个数，标准格式为 3 个，无法确定各列")
    assert not any(n.code in ("row_missing", "row_extra") for n in imported.notes)


def test_an_empty_cell_in_a_pipe_row_is_a_blank_in_its_column(tmp_path):
    report = consistent_report()
    path = tmp_path / "blank.md"
    path.write_text(
        report_markdown(report).replace("| 规章 | 2 | 1 | 15 |", "| 规章 | 2 |  | 15 |"), encoding="utf-8"
    )
    imported = import_report(path)
    values = imported.report.values
    assert [values[f"proactive.regulations.{c}"] for c in ("issued", "repealed", "in_force")] == [2, None, 15]
    [note] = imported.errors
    assert (note.field, note.message) == (
        "proactive.regulations.repealed",
        "数值空白，不是确定的数字，未读入",
    )


HUAIAN = Path(__file__).resolve().parent / "data" / "published" / "huaian-2024-report.txt"


def test_review_table_under_another_part_number_is_read(tmp_path):
    from test_published import sample

    text = HUAIAN.read_text(encoding="utf-8").replace("四、政府信息公开行政复议", "三、政府信息公开行政复议")
    path = tmp_path / "renumbered.txt"
    path.write_text(text, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == sample("huaian-2024").values
    [note] = [n for n in imported.notes if n.code == "heading_variant"]
    assert note.field == "sections.review" and "三、政府信息公开行政复议" in note.message


def test_review_table_without_its_heading_is_found_by_its_shape(tmp_path):
    from test_published import sample

    text = HUAIAN.read_text(encoding="utf-8").replace("四、政府信息公开行政复议、行政诉讼情况", "")
    path = tmp_path / "no-heading.txt"
    path.write_text(text, encoding="utf-8")
    imported = import_report(path)
    expected = sample("huaian-2024").values
    assert {k: v for k, v in imported.report.values.items() if k.startswith(("review.", "litigation"))} == {
        k: v for k, v in expected.items() if k.startswith(("review.", "litigation"))
    }
    assert wrong_values(imported, expected) == {}


def test_parts_numbered_the_reports_own_way_are_read_by_content(tmp_path):
    """Its own part first (一、基本情况), then the official ones as 二 … 七."""
    from test_published import sample

    text = HUAIAN.read_text(encoding="utf-8")
    for old, new in (
        ("六、其他需要报告的事项", "七、其他需要报告的事项"),
        ("五、存在的主要问题及改进情况", "六、存在的主要问题及改进情况"),
        ("四、政府信息公开行政复议", "五、政府信息公开行政复议"),
        ("三、收到和处理政府信息公开申请情况", "四、收到和处理政府信息公开申请情况"),
        ("二、主动公开政府信息情况", "三、主动公开政府信息情况"),
        ("   一、总体情况", "   一、基本情况\n本机关的基本情况说明。\n   二、总体情况"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "own-numbers.txt"
    path.write_text(text, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == sample("huaian-2024").values
    assert not any(n.code == "section_missing" for n in imported.notes)
    assert {n.field for n in imported.notes if n.code == "heading_variant"} == {
        f"sections.{s.key}" for s in fmt.SECTIONS
    }


# --------------------------------------------------------------------------- glued portal text (point 6)


@pytest.mark.parametrize(
    ("digits", "groups", "splits"),
    [
        ("1000001", [(7, True)], [["1", "0", "0", "0", "0", "0", "1"]]),
        ("950000095", [(7, True)], [["95", "0", "0", "0", "0", "0", "95"]]),
        (
            "110000011",
            [(7, True)],
            [["1", "10", "0", "0", "0", "0", "11"], ["11", "0", "0", "0", "0", "0", "11"]],
        ),
        ("12.5", [(1, False)], []),
        ("11002", [(5, True)], [["1", "1", "0", "0", "2"]]),
    ],
)
def test_glued_digits_are_split_only_by_the_rows_arithmetic(digits, groups, splits):
    from converter.published.rows import glued_splits

    assert glued_splits(digits, groups) == splits


@pytest.mark.parametrize("name", ["huaian-2024", "oumiao-2024"])
def test_glued_portal_text_is_read_where_the_split_is_unique(tmp_path, name):
    from published_inputs import report_glued_text
    from test_published import sample

    report = sample(name)
    path = tmp_path / "门户复制.txt"
    path.write_text(report_glued_text(report), encoding="utf-8")
    imported = import_report(path)
    assert wrong_values(imported, report.values) == {}
    info = imported.report.info
    assert (info.title, info.year, info.org) == (report.info.title, report.info.year, report.info.org)
    blank = {k for k, v in imported.report.values.items() if v is None and report.values[k] is not None}
    ambiguous = {n.field for n in imported.errors}
    assert {n.code for n in imported.errors} <= {"glued_digits"}
    if name == "oumiao-2024":
        assert blank == set() and ambiguous == set()  # all zeros: one digit a column
    else:
        assert ambiguous == {
            "proactive.regulations.issued", "proactive.normative_documents.issued",
            "applications.unavailable.needs_creation.natural_person", "review.upheld",
        }  # fmt: skip
        assert len(blank) == 3 + 3 + 7 + 15
    assert any(n.code == "glued_digits" and n.severity == "warning" for n in imported.notes)


def test_a_text_with_only_its_title_is_read_not_refused(tmp_path):
    path = tmp_path / "只有标题.txt"
    path.write_text(
        "某某局2024年政府信息公开工作年度报告\n本年度工作情况如下。全年共办理申请若干件。\n", encoding="utf-8"
    )
    imported = import_report(path)
    assert (imported.report.info.year, imported.report.info.org) == (2024, "某某局")
    assert any(n.code == "section_missing" for n in imported.notes)


# --------------------------------------------------------------------------- the 2019 trial format (point 8)

TABLE2_2019 = """\
| 第二十条第（一）项 | | | |
|---|---|---|---|
| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |
| 规章 | 2 | 2 | 15 |
| 规范性文件 | 8 | 8 | 42 |
| 第二十条第（五）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
| 行政许可 | 50 | 3 | 120 |
| 其他对外管理服务事项 | 10 | 0 | 7 |
| 第二十条第（六）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
| 行政处罚 | 30 | 1 | 35 |
| 行政强制 | 5 | 0 | 6 |
| 第二十条第（八）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | |
| 行政事业性收费 | 4 | 0 | |
| 第二十条第（九）项 | | | |
| 信息内容 | 采购项目数量 | 采购总金额 | |
| 政府集中采购 | 12 | 300 | |
"""


def test_a_2019_format_report_is_named_and_what_maps_is_read(tmp_path):
    report = consistent_report()
    for item in ("no_correction", "unpaid_fee", "other"):
        for c in COLUMNS:
            report.values[f"applications.other.{item}.{c}"] = 0
    _rebalance(report)
    rows = [(label, f) for label, f in table3_rows(report) if label[:2] not in ("1.", "2.", "3.") or True]
    other_items = [t.label for t in ITEM_ROWS if t.key.startswith("other.")]
    lines = [pipe(["项目", *(c for _, c in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))]), pipe(["---"] * 8)]
    for label, figures in rows:
        if label == other_items[0]:
            lines.append(pipe(["（六）其他处理", *(["0"] * 7)]))  # the 2019 format: one row
        elif label not in other_items:
            lines.append(pipe([label, *figures]))
    text = report_markdown(report, lines)
    start, end = text.index("| 第二十条第（一）项"), text.index("## 三、")
    path = tmp_path / "2019.md"
    path.write_text(text[:start] + TABLE2_2019 + "\n" + text[end:], encoding="utf-8")
    imported = import_report(path)
    values = imported.report.values
    assert all(values[k] is None for k in values if k.startswith("proactive."))  # other columns: never read
    assert {k: v for k, v in values.items() if k.startswith(("applications.", "review.", "litigation"))} == {
        k: v for k, v in report.values.items() if k.startswith(("applications.", "review.", "litigation"))
    }
    [error] = imported.errors
    assert (
        error.code == "format_2019" and "2019 年试行格式" in error.message and "表二的栏目" in error.message
    )
    assert not any(n.code in ("row_missing", "table_missing", "value_count") for n in imported.notes)
