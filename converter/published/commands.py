"""The work behind `xxgk import`: read a published report, write a workbook, say what was seen."""

from __future__ import annotations

from pathlib import Path

from ..format import official as fmt
from . import Imported, import_report
from .notes import ImportNote

LEVEL = {"error": "错误", "warning": "警告"}
KINDS = {
    "label_variant": "标签不同",
    "heading_variant": "标题不同",
    "group_one_row": "合并一行",
    "merged_value": "合并单元格",
    "unreadable_value": "数字不清",
    "value_count": "列数不符",
    "wrapped_number": "数字折行",
    "row_missing": "缺少行",
    "row_extra": "多出行",
    "table_missing": "缺少表",
    "section_missing": "缺少部分",
    "format_2019": "旧格式",
    "organ_type_unknown": fmt.INFO_BY_KEY["organ_type"].label,
    "title_missing": "缺少标题",
    "year_missing": "缺少年度",
    "date_invalid": "日期有误",
    "footnote_marker": "注释标记",
    "unpaired_rows": "标签错位",
    "row_order": "行序不同",
    "total_mismatch": "总计不符",
    "glued_digits": "数字粘连",
}
"""A short Chinese name for each note code, for the listing (JSON keeps the codes)."""


def import_file(path: Path, out: Path | None = None, *, force: bool = False) -> Imported:
    """Import `path`; with `out`, write the standard workbook atomically (never over the input)."""
    from ..write.files import write_atomically
    from ..write.workbook import write_workbook

    imported = import_report(path)
    if out is not None:
        write_atomically(out, lambda tmp: write_workbook(tmp, imported.report), force=force, inputs=[path])
    return imported


def render_notes(path: Path, notes: list[ImportNote], pad) -> str:
    """The human listing, aligned like `check`: level, code, position, message; then a summary line."""
    lines = [f"文件：{path}"]
    if notes:
        lines.append(f"  {pad('级别', 4)}  {pad('类别', 10)}  {pad('位置', 30)}  说明")
    for note in notes:
        kind = KINDS.get(note.code, note.code)
        row = f"  {pad(LEVEL[note.severity], 4)}  {pad(kind, 10)}  {pad(note.position.text, 30)}  "
        lines.append(row + note.message)
    errors = sum(n.severity == "error" for n in notes)
    warnings = len(notes) - errors
    verdict = f"已读入，但有 {errors} 处数字无法确定，已留空（工作簿中需补填）" if errors else "已全部读入"
    lines.append(f"{verdict}；{warnings} 处与标准格式不同（警告）。")
    return "\n".join(lines)
