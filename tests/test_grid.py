"""The official tables' grid, shared by the Word template and any other drawing of the tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from converter.format import official as fmt
from converter.format.grid import TYPE_AREA, column_widths, grid_rows, left_aligned


@pytest.mark.parametrize("table", fmt.TABLES, ids=lambda t: t.id)
def test_every_row_spans_every_column_and_every_cell_starts_once(table):
    started = []
    for row in grid_rows(table):
        assert sum(g.cell.colspan for g in row) == table.ncols
        started += [g.cell for g in row if not g.continued]
    assert sorted(started, key=lambda c: (c.row, c.col)) == sorted(table.cells, key=lambda c: (c.row, c.col))


@pytest.mark.parametrize("table", fmt.TABLES, ids=lambda t: t.id)
@given(total=st.integers(100, 20000))
def test_widths_fill_the_width_exactly(table, total):
    widths = column_widths(table, total)
    assert len(widths) == table.ncols
    assert sum(widths) == total
    assert all(w > 0 for w in widths)


def test_the_word_widths_are_the_ones_the_template_was_set_with():
    assert column_widths(fmt.APPLICATIONS)[:2] == (440, 1180)
    assert column_widths(fmt.PROACTIVE)[0] == TYPE_AREA * 32 // 100


def test_only_the_long_item_labels_of_table_3_are_justified():
    labels = {fmt.APPLICATIONS.cells[i].label for i in range(len(fmt.APPLICATIONS.cells))}
    justified = {c.label for c in fmt.APPLICATIONS.cells if (c.row, c.col) in left_aligned(fmt.APPLICATIONS)}
    assert "1.属于国家秘密" in justified and "一、本年新收政府信息公开申请数量" in justified
    assert "申请人情况" not in justified and justified < labels
    assert left_aligned(fmt.REVIEW) == frozenset()
