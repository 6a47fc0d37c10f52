"""What the standard workbook says besides its positions: instructions, hints, formulas, fixed labels.

Pure text derived from the format and the layout (no openpyxl): the workbook writer writes it and the
reader checks a workbook against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import layout
from . import official as fmt

INFO_CAPTION = "基本信息（浅黄色单元格填写）"
INFO_HEADER = ("项目", "内容", "说明")
CUSTOM_HEADER = ("名称", "内容")
CUSTOM_HINT = "自定义字段：模板中用 custom.名称 引用，如名称填“联系电话”，模板写 {{ custom.联系电话 }}"
STATUS_OK = "✔ 本表勾稽关系成立"
STATUS_OK_NO_RULES = "✔ 本表已填写完整"
HOW_TO_CHECK = "拖入网页版检查，或运行 xxgk check"  # words for clerks with the web page and with the command
STATUS_BAD = f"✘ 本表勾稽关系不成立或有空格：{HOW_TO_CHECK} 查看"
STATUS_BAD_NO_RULES = f"✘ 本表有空格或非数字：{HOW_TO_CHECK} 查看"
CHINESE_NUMERALS = "一二三四五六七八九十"


def instruction_lines() -> Iterator[tuple[str, bool]]:
    """(line, is_heading) of the 填写说明 sheet, built from the format."""
    yield "政府信息公开工作年度报告工作簿 填写说明", True
    yield "本工作簿按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）设计。", False
    yield "一、工作表", True
    named = "、".join(fmt.INFO_BY_KEY[key].label for key in ("org", "year", "date", "organ_type"))
    yield f"{layout.INFO_SHEET}：{named}等，以及自定义字段。", False
    for section in fmt.SECTIONS:
        yield f"{section.sheet}：第{section.number}部分“{section.heading}”的正文。", False
        if section.table:
            table = fmt.TABLE_BY_ID[section.table]
            yield f"{layout.table_sheet(table)}：{table.name}“{table.caption}”。", False
    yield "二、怎样填写", True
    yield from (
        (line, False)
        for line in (
            "浅黄色单元格可以填写，其余单元格已锁定（工作表保护，没有密码）。"
            "请不要改动表头、工作表名称和顺序，不要插入或删除行、列。",
            "浅蓝色单元格是自动计算的总计，不用填写；每张表第 2 行显示本表勾稽关系是否成立。",
            "统计数填非负整数；没有发生的填 0，不要留空，也不要填“无”“/”“-”。",
            f"金额按表头注明的单位（{fmt.Kind.WAN_YUAN.unit}、{fmt.Kind.YUAN.unit}）填写，"
            "可以有小数，按填写值原样输出。",
            f"正文：每行一段，A 列填{layout.TEXT_HEADER[0]}（可空），B 列填{layout.TEXT_HEADER[1]}。"
            f"{layout.TEXT_HEADER[0]}以“。”结尾时（如“（一）{fmt.OVERVIEW_SUBHEADS[0]}。”），"
            "印在该段开头、与正文同段；否则单独成行。正文单元格内换行（Alt+Enter）会分成几段。",
            f"信息处理费：在工作表“{fee_sheet()}”上方填写{fee_descriptions()}，可以留空；没有发生的填 0。",
        )
    )
    yield "三、勾稽关系和检查规则", True
    for rule in clerk_rules():
        yield f"{rule.id}　{rule.title}：{rule.explanation}", False
    yield "四、检查和生成报告", True
    yield (
        "检查：把本工作簿拖入网页版，或运行 xxgk check 工作簿.xlsx，一次列出所有问题及所在工作表和单元格。",
        False,
    )
    yield (
        "生成报告：检查没有错误后，在网页版下载 Word 报告，或运行 xxgk build 工作簿.xlsx（有错误时不生成）。",
        False,
    )


def clerk_rules() -> tuple[fmt.Rule, ...]:
    """The rules a filled workbook is checked by (R, S, D, info…): a Word template's rules (T1–T8) are
    for whoever edits the template and are listed by `template check` and README only, and the rules
    only `audit` runs on published reports (C2, Q1, Q3, D2, P2) are listed in README."""
    return tuple(r for r in fmt.RULES.values() if r.scope.of_reports and fmt.WORKBOOK in r.sources)


def fee_descriptions() -> str:
    return "、".join(v.description for v in fmt.FEE_VALUES)


def fee_sheet() -> str:
    return fmt.SECTION_BY_KEY["other"].sheet


def section_hint(section: fmt.Section) -> str:
    hint = (
        f"每行一段：A 列{layout.TEXT_HEADER[0]}（可空，以“。”结尾则与正文同段），"
        f"B 列{layout.TEXT_HEADER[1]}（单元格内换行分段）。"
    )
    if section.key == "overview":
        numbered = (f"（{n}）{h}" for n, h in zip(CHINESE_NUMERALS, fmt.OVERVIEW_SUBHEADS, strict=False))
        hint += f"建议小标题：{'、'.join(numbered)}。"
    if section.table:
        hint += f"本部分表格填在工作表“{layout.table_sheet(fmt.TABLE_BY_ID[section.table])}”。"
    if section.key == "other":
        hint += "上方填写信息处理费（可留空）。"
    return hint


def span_range(table: fmt.Table, spec: fmt.Cell) -> str:
    pos = layout.grid_position(table, spec)
    return f"{pos.cell}:{layout.a1(pos.row + spec.rowspan - 1, pos.col + spec.colspan - 1)}"


def status_formula(table: fmt.Table) -> str:
    """=IF(AND(all value cells are numbers, every equation of the table's rules holds), ok, not ok)."""
    keys = table.keys
    conditions = [f"COUNT({','.join(ranges(layout.VALUE_POSITIONS[k] for k in keys))})={len(keys)}"]
    for rule in fmt.RULES.values():
        for eq in rule.equations:
            if set(eq.left + eq.right) <= set(keys):
                conditions.append(f"SUM({sum_args(eq.left)})=SUM({sum_args(eq.right)})")
    ok, bad = (STATUS_OK, STATUS_BAD) if len(conditions) > 1 else (STATUS_OK_NO_RULES, STATUS_BAD_NO_RULES)
    return f'=IF(AND({",".join(conditions)}),"{ok}","{bad}")'


def sum_formula(value: fmt.Value) -> str:
    """The formula of a computed total: =SUM of the cells of its parts."""
    return f"=SUM({sum_args(value.sum_of)})"


def table_title(table: fmt.Table) -> str:
    """表三　收到和处理政府信息公开申请情况"""
    return f"{table.name}　{table.caption}"


def sum_args(keys: Iterable[str]) -> str:
    return ",".join(ranges(layout.VALUE_POSITIONS[k] for k in keys))


def ranges(positions: Iterable[layout.Position]) -> list[str]:
    """Cells as few rectangular A1 ranges: runs down each column, then equal runs side by side."""
    by_col: dict[int, list[int]] = {}
    for pos in positions:
        by_col.setdefault(pos.col, []).append(pos.row)
    runs: list[tuple[int, int, int]] = []  # (first row, last row, col)
    for col, col_rows in by_col.items():
        rows = sorted(set(col_rows))
        start = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1:
                runs.append((start, prev, col))
                start = row
            prev = row
        runs.append((start, prev, col))
    rects: list[list[int]] = []  # [first row, last row, first col, last col]
    for first, last, col in sorted(runs):
        if rects and rects[-1][:2] == [first, last] and rects[-1][3] == col - 1:
            rects[-1][3] = col
        else:
            rects.append([first, last, col, col])
    return [rect(*r) for r in rects]


def rect(first: int, last: int, left: int, right: int) -> str:
    start, end = layout.a1(first, left), layout.a1(last, right)
    return start if start == end else f"{start}:{end}"


def expected_labels() -> Iterator[tuple[str, int, int, str]]:
    """(sheet, row, col, label) of every fixed label the reader relies on."""
    for spec in fmt.INFO_FIELDS:
        pos = layout.INFO_POSITIONS[spec.key]
        yield pos.sheet, pos.row, 1, spec.label
    for col, text in enumerate(CUSTOM_HEADER, start=1):
        yield layout.INFO_SHEET, layout.CUSTOM_HEADER_ROW, col, text
    for section in fmt.SECTIONS:
        for col, text in enumerate(layout.TEXT_HEADER, start=1):
            yield section.sheet, layout.text_first_row(section) - 1, col, text
    for spec in fmt.FEE_VALUES:
        pos = layout.VALUE_POSITIONS[spec.key]
        yield pos.sheet, pos.row, 1, spec.description
    for table in fmt.TABLES:
        for cell in table.cells:
            if cell.label is not None:
                pos = layout.grid_position(table, cell)
                yield pos.sheet, pos.row, pos.col, cell.label


def normal_label(value: Any) -> str:
    """A label as compared: surrounding whitespace and line breaks removed."""
    if value is None:
        return ""
    return str(value).replace("\r", "").replace("\n", "").strip()


def sheet_differences(actual: list[str]) -> Iterator[str]:
    """Missing, renamed (missing plus extra) and reordered sheets, given a workbook's sheet names."""
    expected = layout.sheet_order()
    missing = [name for name in expected if name not in actual]
    extra = [name for name in actual if name not in expected]
    for name in missing:
        yield f"缺少工作表“{name}”"
    if missing and extra:
        yield f"多出工作表“{'”“'.join(extra)}”（是否改了工作表名称？）"
    present = [name for name in actual if name in expected]
    if present != [name for name in expected if name in actual]:
        yield f"工作表顺序应为“{'、'.join(expected)}”，实为“{'、'.join(present)}”"
