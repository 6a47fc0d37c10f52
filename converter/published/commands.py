"""The work behind `xxgk import`: read a published report, write a workbook, say what was seen."""

from __future__ import annotations

from pathlib import Path

from . import Imported, import_report
from .notes import ImportNote

LEVEL = {"error": "错误", "warning": "警告"}


def import_file(path: Path, out: Path | None = None, *, force: bool = False) -> Imported:
    """Import `path`; with `out`, write the standard workbook atomically (never over the input)."""
    from ..output import write_atomically
    from ..workbook import write_workbook

    imported = import_report(path)
    if out is not None:
        write_atomically(out, lambda tmp: write_workbook(tmp, imported.report), force=force, inputs=[path])
    return imported


def render_notes(path: Path, notes: list[ImportNote], pad) -> str:
    """The human listing, aligned like `check`: level, code, position, message; then a summary line."""
    lines = [f"文件：{path}"]
    if notes:
        lines.append(f"  {pad('级别', 4)}  {pad('代码', 16)}  {pad('位置', 30)}  说明")
    for note in notes:
        row = f"  {pad(LEVEL[note.severity], 4)}  {pad(note.code, 16)}  {pad(note.position.text, 30)}  "
        lines.append(row + note.message)
    errors = sum(n.severity == "error" for n in notes)
    warnings = len(notes) - errors
    verdict = f"已读入，但有 {errors} 处数字无法确定，已留空（工作簿中需补填）" if errors else "已全部读入"
    lines.append(f"{verdict}；{warnings} 处与标准格式不同（警告）。")
    return "\n".join(lines)
