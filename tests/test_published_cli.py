"""`xxgk import` on the command line: listing, --json, -o workbook, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from converter.app import pipeline
from converter.cli import app

DATA = Path(__file__).resolve().parent / "data" / "published"
runner = CliRunner()


def test_import_lists_notes_and_writes_a_standard_workbook(tmp_path):
    out = tmp_path / "洪泽.xlsx"
    result = runner.invoke(app, ["import", str(DATA / "hongze-2024.pdf"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "第3页 表三“2.其他法律行政…”行" in result.output
    assert "印作“2.其他法律行政止公开”" in result.output
    assert "标签不同" in result.output and "label_variant" not in result.output
    checked = pipeline.check_file(out)
    assert not checked.errors
    assert checked.report.values["applications.new.total"] == 95


def test_import_json_is_dump_json(tmp_path):
    out = tmp_path / "平潭.xlsx"
    result = runner.invoke(app, ["import", str(DATA / "pingtan-2022.html"), "--json", "-o", str(out)])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == pipeline.dump(out)
    assert printed["values"]["proactive.admin_fees.amount"] == "9116.36"


def test_import_does_not_overwrite_without_force(tmp_path):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"keep")
    args = ["import", str(DATA / "pingtan-2022.html"), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 5
    assert out.read_bytes() == b"keep"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_import_unreadable_values_exit_1(tmp_path):
    text = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    path = tmp_path / "r.txt"
    changed = text.replace("72   64    178    37    351", "72   64    无    37    351")
    path.write_text(changed, encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "错误" in result.output and "表四" in result.output


def test_import_unreadable_file_exit_3(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"\x00\x01binary" * 50)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 3
    assert "scan.pdf" in result.output


def test_import_broken_pdf_exit_3_not_an_internal_error(tmp_path):
    """pdfplumber wraps pdfminer's error on opening (no /Root): a damaged PDF, not a bug (exit 70)."""
    path = tmp_path / "坏.pdf"
    path.write_bytes(b"%PDF-1.4\n...")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 3
    assert "坏.pdf 是损坏的 PDF 文件" in result.output


def test_every_note_code_has_a_chinese_name():
    import re

    from converter.published.commands import KINDS

    source = "".join(
        p.read_text(encoding="utf-8") for p in (DATA.parents[2] / "converter" / "published").glob("*.py")
    )
    used = set(re.findall(r'"([a-z_0-9]+)", "(?:error|warning)"', source)) - {"error"}
    used |= {"row_missing"}  # its severity is chosen per row
    assert used <= set(KINDS), used - set(KINDS)
