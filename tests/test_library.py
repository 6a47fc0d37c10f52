"""`xxgk library`: the report library, on SQLite and on a real PostgreSQL server (parametrised)."""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from factories import consistent_report
from hypothesis import given
from hypothesis import strategies as st
from library_support import assert_summaries_as_rebuilt
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from converter.app import pipeline
from converter.cli import app
from converter.format import official as fmt
from converter.library import db, schema
from converter.library.organs import normalise
from converter.published import import_report
from converter.published.audit import audit_one

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "published"
SAMPLES = ROOT / "sample_workbooks"
runner = CliRunner()


def xxgk(url: str, *args: str):
    result = runner.invoke(app, ["library", *args, "--db", url])
    return result


def engine(url: str):
    return create_engine(db.database_url(url))


def count(url: str, table) -> int:
    e = engine(url)
    try:
        with e.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar()
    finally:
        e.dispose()


def write_json(path: Path, report) -> Path:
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, default=str), encoding="utf-8")
    return path


def report_for(org: str, year: int, **values):
    report = consistent_report()
    report.info.org, report.info.year = org, year
    report.info.title = ""
    report.values.update(values)
    return report


# --------------------------------------------------------------------------- add: every figure and finding


def test_add_stores_every_figure_and_finding_of_samples_and_published_reports(library_url):
    result = xxgk(library_url, "add", str(SAMPLES), str(DATA))
    assert result.exit_code == 3, result.output  # README.md and published-tables.json are not reports
    assert "无法读取：" in result.output and "README.md" in result.output
    e = engine(library_url)
    with e.connect() as conn:
        stored = {
            row.file_name: row
            for row in conn.execute(select(schema.versions).where(schema.versions.c.status != "unreadable"))
        }
        assert set(stored) == {
            "huaian-2024.xlsx", "huaian-2024.json", "oumiao-2024.xlsx", "oumiao-2024.json",
            "hongze-2024.pdf", "huaian-2024-report.txt", "oumiao-2024-report.txt", "pingtan-2022.html",
        }  # fmt: skip
        for name, version in stored.items():
            values = dict(
                conn.execute(
                    select(schema.report_values.c.key, schema.report_values.c.text).where(
                        schema.report_values.c.version_id == version.id
                    )
                ).all()
            )
            found = conn.execute(
                select(schema.findings.c.rule, schema.findings.c.code, schema.findings.c.message).where(
                    schema.findings.c.version_id == version.id
                )
            ).all()
            path = (SAMPLES if name.startswith(("huaian-2024.", "oumiao-2024.")) else DATA) / name
            if path.suffix in (".xlsx", ".json"):
                checked = pipeline.check_file(path)
                report, expected = checked.report, [(f.rule, f.code, f.message) for f in checked.findings]
            else:
                imported = import_report(path)
                report, expected = imported.report, [(f.rule, f.code, f.message) for f in audit_one(imported)]
            assert set(values) == set(fmt.VALUES)
            for key, value in report.values.items():
                assert values[key] == ("" if value is None else str(value)), (name, key)
            assert sorted(found) == sorted(expected), name
            assert version.ruleset and version.errors + version.warnings == len(found)
            assert version.published == (path.suffix not in (".xlsx", ".json"))
    e.dispose()


def test_the_same_bytes_again_add_nothing(library_url, tmp_path):
    assert xxgk(library_url, "add", str(SAMPLES)).exit_code == 0
    before = [count(library_url, t) for t in (schema.versions, schema.report_values, schema.findings)]
    again = xxgk(library_url, "add", str(SAMPLES), "--json")
    assert again.exit_code == 0
    assert {r["outcome"] for r in json.loads(again.stdout)} == {"exists"}
    assert [count(library_url, t) for t in (schema.versions, schema.report_values, schema.findings)] == before


def test_a_second_published_file_is_a_new_version_with_what_changed(library_url, tmp_path):
    first = tmp_path / "a" / "淮安2024.txt"
    first.parent.mkdir()
    original = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    first.write_text(original, encoding="utf-8")
    assert xxgk(library_url, "add", str(first)).exit_code == 0
    changed = tmp_path / "b" / "淮安2024-修改.txt"
    changed.parent.mkdir()
    changed.write_text(original.replace("3119", "3120"), encoding="utf-8")  # the text and 表三
    assert "3120" in changed.read_text(encoding="utf-8")
    result = xxgk(library_url, "add", str(changed))
    assert result.exit_code == 0, result.output
    assert "新版本" in result.output and "第 2 版" in result.output
    shown = xxgk(library_url, "show", "淮安市人民政府", "--json")
    history = json.loads(shown.stdout)
    assert history["years"][0]["versions"] == 2
    modified = [f for f in history["findings"]["2024"] if f["rule"] == "发布后被修改"]
    assert len(modified) == 1
    assert "与已发布的第 1 版（淮安2024.txt）相比" in modified[0]["message"]
    message = modified[0]["message"]
    assert "个数字不同（一、本年新收政府信息公开申请数量 / 总计：3119→3120" in message
    assert "段文字不同（一、总体情况 第3段：“" in message
    assert "3119" in message.split("段文字不同")[1] and "3120" in message.split("段文字不同")[1]


def test_a_draft_then_the_published_report_is_no_modification(library_url):
    assert xxgk(library_url, "add", str(SAMPLES / "huaian-2024.xlsx")).exit_code == 0
    assert xxgk(library_url, "add", str(DATA / "huaian-2024-report.txt")).exit_code == 0
    history = json.loads(xxgk(library_url, "show", "淮安市人民政府", "--json").stdout)
    assert history["years"][0]["versions"] == 2
    assert not [f for f in history["findings"]["2024"] if f["rule"] == "发布后被修改"]


def test_a_broken_file_in_a_folder_is_its_own_stored_result(library_url, tmp_path):
    folder = tmp_path / "各单位"
    (folder / "子文件夹").mkdir(parents=True)
    (folder / "子文件夹" / "坏的.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (folder / "空的.docx").write_bytes(b"")
    write_json(folder / "好的.json", report_for("某某县某某局", 2024))
    (folder / "~$锁文件.docx").write_bytes(b"lock")
    result = xxgk(library_url, "add", str(folder), "--json")
    assert result.exit_code == 3
    outcomes = {Path(r["source"]).name: r["outcome"] for r in json.loads(result.stdout)}
    assert outcomes == {"坏的.pdf": "failed", "空的.docx": "failed", "好的.json": "added"}
    listed = json.loads(xxgk(library_url, "list", "--json").stdout)
    assert [r["organ"] for r in listed["reports"]] == ["某某县某某局"]
    reasons = {Path(u["source"]).name: u["message"] for u in listed["unreadable"]}
    assert "空文件" in reasons["空的.docx"]
    assert reasons["坏的.pdf"]
    again = xxgk(library_url, "add", str(folder), "--json")  # a failed result is not read again
    assert {r["outcome"] for r in json.loads(again.stdout)} == {"exists"}


def test_zip_archives_are_read_within_bounds_and_no_name_escapes(library_url, tmp_path):
    archive = tmp_path / "报送.zip"
    bomb = b"0" * (150 * 1024 * 1024)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "县局/某某县某某局.json", json.dumps(report_for("某某县某某局", 2024).to_dict(), default=str)
        )
        zf.writestr("../../逃出去.txt", "x")
        zf.writestr("/etc/绝对.txt", "x")
        zf.writestr("套娃.zip", b"PK\x05\x06" + b"\0" * 18)
        zf.writestr("炸弹.txt", bomb)
        zf.writestr("说明.png", b"not a report kind: ignored")
    del bomb
    result = xxgk(library_url, "add", str(archive), "--json")
    assert result.exit_code == 3
    by_name = {r["source"].split("!", 1)[1]: r for r in json.loads(result.stdout)}
    assert by_name["县局/某某县某某局.json"]["outcome"] == "added"
    assert (
        by_name["../../逃出去.txt"]["outcome"] == "skipped"
        and "路径不安全" in by_name["../../逃出去.txt"]["message"]
    )
    assert by_name["/etc/绝对.txt"]["outcome"] == "skipped"
    assert "压缩包中的压缩包" in by_name["套娃.zip"]["message"]
    assert "过大" in by_name["炸弹.txt"]["message"]
    assert "说明.png" not in by_name
    assert not (tmp_path.parent / "逃出去.txt").exists()


def test_a_corrupt_zip_is_reported(library_url, tmp_path):
    archive = tmp_path / "坏.zip"
    archive.write_bytes(b"PK\x03\x04 broken")
    result = xxgk(library_url, "add", str(archive))
    assert result.exit_code == 3
    assert "不是完好的 .zip 压缩包" in result.output


# --------------------------------------------------------------------------- list, show, export


def two_years(tmp_path: Path, consistent: bool) -> list[Path]:
    this = report_for("某某市某某局", 2024)
    last = report_for("某某市某某局", 2023, **{"applications.new.total": 1})
    if consistent:
        for key, value in this.values.items():
            if key.startswith("applications.carried_over."):
                last.values[key.replace("carried_over", "carried_forward")] = value
    return [write_json(tmp_path / "2023.json", last), write_json(tmp_path / "2024.json", this)]


@pytest.mark.parametrize("consistent", [True, False])
def test_show_puts_years_side_by_side_with_r4_and_trend(library_url, tmp_path, consistent):
    assert xxgk(library_url, "add", *map(str, two_years(tmp_path, consistent))).exit_code == 0
    result = xxgk(library_url, "show", "某某市某某局")
    assert result.exit_code == 0, result.output
    assert "2023" in result.output and "2024" in result.output
    assert "2023：库中没有 2022 年的报告，无法核对" in result.output
    if consistent:
        assert "2024：与 2023 年的结转下年度一致" in result.output
    else:
        assert "2024：本年" in result.output or "2024：" in result.output
        assert "2024：与 2023 年的结转下年度一致" not in result.output
    history = json.loads(xxgk(library_url, "show", "某某市某某局", "--json").stdout)
    assert history["carry_over"]["2024"]["ok"] is consistent
    r4_stored = [f for f in history["findings"]["2024"] if f["rule"] == "R4"]
    assert bool(r4_stored) is not consistent  # R4 was run at ingest too: 2023 was already in the library
    new_line = next(line for line in result.output.splitlines() if line.startswith("一、本年新收"))
    assert new_line.rstrip().endswith("↑")  # 1 in 2023, more in 2024


def test_show_an_unknown_organ_is_a_clear_message(library_url):
    result = xxgk(library_url, "show", "不存在的机关")
    assert result.exit_code == 3
    assert "库中没有名为“不存在的机关”的机关" in result.output
    assert xxgk(library_url, "add", str(SAMPLES / "huaian-2024.json")).exit_code == 0
    hint = xxgk(library_url, "show", "淮安")
    assert hint.exit_code == 3 and "可能是：淮安市人民政府" in hint.output  # a part of a name picks nothing


def test_list_filters_by_year_region_type_and_rule(library_url, tmp_path):
    write_json(tmp_path / "a.json", report_for("某某县某某局", 2024))
    write_json(tmp_path / "b.json", report_for("某某县某某镇人民政府", 2023))
    write_json(tmp_path / "c.json", report_for("另一县某某局", 2024, **{"applications.new.total": 999999}))
    assert xxgk(library_url, "add", str(tmp_path)).exit_code == 0
    directory = tmp_path / "名录.csv"
    directory.write_text(
        "机关全称,上级地区,机关类型,别名\n某某县某某局,某某省/某某市/某某县,部门,\n"
        "某某县某某镇人民政府,某某省/某某市/某某县,乡镇街道,\n另一县某某局,某某省/其他市/另一县,部门,\n",
        encoding="utf-8",
    )
    assert xxgk(library_url, "organs", "--import", str(directory)).exit_code == 0

    def organs(*args: str) -> list[str]:
        result = xxgk(library_url, "list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [r["organ"] for r in json.loads(result.stdout)["reports"]]

    assert organs("--year", "2023") == ["某某县某某镇人民政府"]
    assert organs("--region", "某某省/某某市") == ["某某县某某局", "某某县某某镇人民政府"]
    assert organs("--region", "某某省/某某") == []  # a region, not a prefix of a name
    assert organs("--type", "部门") == ["另一县某某局", "某某县某某局"]
    assert organs("--rule", "R0") == ["另一县某某局"]
    human = xxgk(library_url, "list", "--year", "2024")
    assert "另一县某某局" in human.output and "有错误" in human.output and "共 2 份报告。" in human.output


def test_export_has_one_row_per_organ_year_and_text_is_never_a_formula(library_url, tmp_path):
    write_json(tmp_path / "a.json", report_for('=HYPERLINK("http://x","点我")', 2024))
    write_json(tmp_path / "b.json", report_for("某某县某某局", 2023))
    write_json(tmp_path / "c.json", report_for("某某县某某局", 2024))
    assert xxgk(library_url, "add", str(tmp_path)).exit_code == 0
    out = tmp_path / "指标.xlsx"
    result = xxgk(library_url, "export", "-o", str(out))
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    ws = load_workbook(out)["指标"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("机关", "上级地区", "机关类型", "在名录中", "年度", "版本数")
    assert len(rows) == 4
    formula_cell = next(c for c in ws["A"] if str(c.value).startswith("="))
    assert formula_cell.data_type == "s"
    assert "<f>" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    new_column = rows[0].index(rows[0][12])
    assert rows[1][new_column] == consistent_report().values["applications.new.total"]
    csv_out = tmp_path / "指标.csv"
    assert xxgk(library_url, "export", "-o", str(csv_out)).exit_code == 0
    lines = list(csv.reader(csv_out.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[1][0].startswith("'=HYPERLINK")
    assert [line[4] for line in lines[1:]] == ["2024", "2023", "2024"]
    again = xxgk(library_url, "export", "-o", str(csv_out))
    assert again.exit_code == 5 and "已存在" in again.output
    assert xxgk(library_url, "export", "-o", str(tmp_path / "x.pdf")).exit_code == 2


# --------------------------------------------------------------------------- organs


def test_directory_aliases_merge_only_what_the_directory_says(library_url, tmp_path):
    write_json(tmp_path / "a.json", report_for("某某局", 2023))
    write_json(tmp_path / "b.json", report_for("某某县某某局", 2024))
    write_json(tmp_path / "c.json", report_for("财政局", 2024))
    write_json(tmp_path / "d.json", report_for("ＡＢ县　某某局", 2022))  # full-width letters and space
    assert xxgk(library_url, "add", str(tmp_path)).exit_code == 0
    listed = json.loads(xxgk(library_url, "organs", "--json").stdout)["organs"]
    assert {o["name"] for o in listed} == {"某某局", "某某县某某局", "财政局", "ＡＢ县 某某局"}  # as printed
    assert not any(o["in_directory"] for o in listed)  # nothing merged by guess
    directory = tmp_path / "名录.csv"
    directory.write_text(
        "机关全称,上级地区,机关类型,别名\n"
        "某某县某某局,某某市/某某县,部门,某某局\n"
        "某某县财政局,某某市/某某县,部门,财政局\n"
        "另一县财政局,某某市/另一县,部门,财政局\n",
        encoding="utf-8",
    )
    result = xxgk(library_url, "organs", "--import", str(directory))
    assert result.exit_code == 0, result.output
    assert "1 份报告归入名录机关" in result.output
    assert "“财政局”是名录中多个机关的别名，未归并" in result.output
    history = json.loads(xxgk(library_url, "show", "某某县某某局", "--json").stdout)
    assert [y["year"] for y in history["years"]] == [2023, 2024]
    assert history["region"] == "某某市/某某县"
    listed = json.loads(xxgk(library_url, "organs", "--json").stdout)["organs"]
    caizheng = next(o for o in listed if o["name"] == "财政局")
    assert caizheng["ambiguous"] and not caizheng["in_directory"] and caizheng["reports"] == 1
    assert xxgk(library_url, "show", "ab县某某局").exit_code == 0  # normalised: half width, no space
    write_json(tmp_path / "e.json", report_for("某某局", 2025))  # an alias now names its organ
    assert xxgk(library_url, "add", str(tmp_path / "e.json")).exit_code == 0
    history = json.loads(xxgk(library_url, "show", "某某局", "--json").stdout)
    assert history["organ"] == "某某县某某局" and len(history["years"]) == 3
    assert_summaries_as_rebuilt(library_url)


@pytest.mark.parametrize(
    "content, message",
    [
        ("名称,地区\n某局,某市\n", "第 1 行应为表头"),
        ("机关全称,上级地区,机关类型,别名\n某某局,某市,局,\n", "第 2 行：机关类型“局”应为"),
        (
            "机关全称,上级地区,机关类型,别名\n某某局,某市,部门,\n某某局,某市,部门,\n",
            "第 3 行：“某某局”与第 2 行重复",
        ),
        ("机关全称,上级地区,机关类型,别名\n,某市,部门,\n", "第 2 行：“机关全称”为空"),
    ],
)
def test_a_bad_directory_is_refused_whole_with_its_line(library_url, tmp_path, content, message):
    directory = tmp_path / "名录.csv"
    directory.write_text(content, encoding="utf-8")
    result = xxgk(library_url, "organs", "--import", str(directory))
    assert result.exit_code == 3
    assert message in result.output
    assert count(library_url, schema.organs) == 0


def test_a_gbk_directory_from_excel_is_read(library_url, tmp_path):
    directory = tmp_path / "名录.csv"
    directory.write_bytes(
        "机关全称,上级地区,机关类型,别名\n某某县某某局,某某县,部门,某某局；县某某局\n".encode("gbk")
    )
    result = xxgk(library_url, "organs", "--import", str(directory), "--json")
    assert result.exit_code == 0, result.output
    organ = json.loads(result.stdout)["organs"][0]
    assert organ["aliases"] == ["县某某局", "某某局"] and organ["in_directory"]


@given(st.text(alphabet="ＡＢＣ１２３　 某局abc12\u3000", max_size=12))
def test_normalising_a_name_is_stable_and_width_blind(name):
    once = normalise(name)
    assert normalise(once) == once
    assert " " not in once and "\u3000" not in once
    assert normalise(name.translate(str.maketrans("ＡＢＣ１２３", "ABC123"))) == once


# --------------------------------------------------------------------------- schema versions


def test_the_migrations_make_exactly_the_schema_the_code_uses(library_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert xxgk(library_url, "upgrade").exit_code == 0
    e = engine(library_url)
    with e.connect() as conn:
        ours = {
            "include_name": lambda name, kind, _parents: kind != "table" or name in schema.metadata.tables
        }
        diff = compare_metadata(MigrationContext.configure(conn, opts=ours), schema.metadata)
        tables = set(conn.dialect.get_table_names(conn))
    e.dispose()
    assert diff == []
    assert {"organs", "reports", "versions", "report_values", "findings", "reviews"} <= tables


def test_an_older_library_is_upgraded_never_misread(library_url, tmp_path):
    from alembic import command

    e = engine(library_url)
    with e.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0001")  # the first version's schema
    e.dispose()
    refused = xxgk(library_url, "list")
    assert refused.exit_code == 5
    assert "是旧版本（数据库版本 0001" in refused.output and "xxgk library upgrade" in refused.output
    upgraded = xxgk(library_url, "upgrade")
    assert upgraded.exit_code == 0 and f"版本 0001 → {db.head_revision()}" in upgraded.output
    assert xxgk(library_url, "add", str(SAMPLES / "huaian-2024.json")).exit_code == 0
    assert "已是最新版本" in xxgk(library_url, "upgrade").output


def test_reports_stored_before_the_summaries_existed_are_listed_after_the_upgrade(library_url, tmp_path):
    for year in (2023, 2024):
        write_json(tmp_path / f"{year}.json", report_for("某某县某某局", year))
    assert xxgk(library_url, "add", str(tmp_path)).exit_code == 0
    before = json.loads(xxgk(library_url, "list", "--json").stdout)
    e = engine(library_url)
    with e.begin() as conn:  # the library as revision 0004 left it: no summaries, the trends' table
        conn.execute(text("DROP TABLE summary_rules"))
        conn.execute(text("DROP TABLE summaries"))
        conn.execute(text("ALTER TABLE organs DROP COLUMN generation"))
        conn.execute(text("CREATE TABLE dashboard_figures (version_id INTEGER PRIMARY KEY)"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    e.dispose()
    assert xxgk(library_url, "list").exit_code == 5
    assert xxgk(library_url, "upgrade").exit_code == 0
    after = json.loads(xxgk(library_url, "list", "--json").stdout)
    assert len(after["reports"]) == 2 and after == before
    assert_summaries_as_rebuilt(library_url)


def test_a_library_of_a_newer_xxgk_or_another_database_is_refused(library_url):
    assert xxgk(library_url, "upgrade").exit_code == 0
    e = engine(library_url)
    with e.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    e.dispose()
    for args in (["list"], ["upgrade"]):
        result = xxgk(library_url, *args)
        assert result.exit_code == 5 and "由更新版本的 xxgk 写入" in result.output


def test_a_database_of_something_else_is_not_taken_for_a_library(tmp_path):
    other = tmp_path / "other.db"
    e = create_engine(f"sqlite:///{other}")
    with e.begin() as conn:
        conn.execute(text("CREATE TABLE accounts (id INTEGER)"))
    e.dispose()
    result = xxgk(str(other), "list")
    assert result.exit_code == 5 and "不是 xxgk 的报告库" in result.output


def test_the_default_database_is_xxgk_db_then_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XXGK_DB", raising=False)
    assert db.database_url(None) == f"sqlite:///{tmp_path / 'xxgk-library.db'}"
    monkeypatch.setenv("XXGK_DB", str(tmp_path / "x.db"))
    assert runner.invoke(app, ["library", "list"]).exit_code == 0
    assert (tmp_path / "x.db").exists() and not (tmp_path / "xxgk-library.db").exists()
    assert db.database_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert "p@" not in db.shown(db.database_url("postgresql://u:secret@h/d"))


def test_an_unwritable_library_is_a_chinese_message(tmp_path):
    result = xxgk(str(tmp_path / "没有的文件夹" / "库.db"), "list")
    assert result.exit_code == 5
    assert "无法打开报告库" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- concurrency, interruption


def many_reports(folder: Path, n: int, *, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    base = consistent_report()
    out = []
    for i in range(start, start + n):
        report = copy.deepcopy(base)
        report.info.org = f"测试县第{i}局"
        report.info.year = 2020 + i % 5
        out.append(write_json(folder / f"r{i:04d}.json", report))
    return out


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "converter", "library", *args]


def assert_consistent(url: str) -> None:
    """Every stored report whole: each readable version has all its values, each report its latest."""
    e = engine(url)
    with e.connect() as conn:
        per_version = conn.execute(
            select(schema.report_values.c.version_id, func.count()).group_by(
                schema.report_values.c.version_id
            )
        ).all()
        assert all(n == len(fmt.VALUES) for _, n in per_version)
        readable = conn.execute(select(func.count()).where(schema.versions.c.status != "unreadable")).scalar()
        assert readable == len(per_version)
        assert not conn.execute(
            select(func.count()).where(schema.reports.c.latest_version_id.is_(None))
        ).scalar()
        latest = conn.execute(select(schema.reports.c.id, schema.reports.c.latest_version_id)).all()
        kept = conn.execute(select(schema.summaries.c.report_id, schema.summaries.c.version_id)).all()
        assert sorted(kept) == sorted(latest)  # each report's summary, of its latest version
    e.dispose()


def test_a_reader_does_not_wait_for_a_writer(tmp_path):
    """SQLite: `reading` connections (the dashboard, list, show) read while another connection holds
    the write lock; a connection that may write waits for it."""
    import threading

    url = db.database_url(str(tmp_path / "库.db"))
    assert xxgk(url, "add", str(SAMPLES / "huaian-2024.json")).exit_code == 0
    with db.opened(url) as library:
        answers: dict[str, object] = {}

        def read(name: str, connect) -> None:
            with connect() as conn:
                answers[name] = conn.execute(select(func.count()).select_from(schema.versions)).scalar()

        with library.begin() as writing:  # an add's transaction, held open
            writing.execute(text("UPDATE versions SET message = message"))
            reader = threading.Thread(target=read, args=("reading", lambda: db.reading(library)))
            reader.start()
            reader.join(timeout=10)
            assert answers == {"reading": 1}
            waiting = threading.Thread(target=read, args=("connect", library.connect), daemon=True)
            waiting.start()
            waiting.join(timeout=1)
            assert "connect" not in answers  # queued behind the writer (BEGIN IMMEDIATE)
        waiting.join(timeout=30)
        assert answers == {"reading": 1, "connect": 1}


def test_two_adds_at_once_store_each_version_once(library_url, tmp_path):
    files = many_reports(tmp_path / "in", 30)
    runs = [
        subprocess.Popen(cli("add", "-q", "--db", library_url, str(tmp_path / "in")), stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    for run in runs:
        run.communicate(timeout=300)
    assert [run.returncode for run in runs] == [0, 0]
    assert count(library_url, schema.versions) == len(files)
    assert count(library_url, schema.reports) == len(files)
    assert_consistent(library_url)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_stops_with_a_message_and_no_half_report(tmp_path, small_disk):
    many_reports(tmp_path / "in", 60)
    url = str(small_disk / "库.db")
    run = subprocess.run(cli("add", "-q", "--db", url, str(tmp_path / "in")), capture_output=True)
    message = run.stderr.decode()
    assert run.returncode == 5, message
    assert "磁盘空间不足" in message and "正在写入的报告未保存" in message and "Traceback" not in message
    stored = count(url, schema.versions)
    assert 0 < stored < 60
    assert_consistent(url)
    roomy = tmp_path / "roomy"  # the library moved to a disk with room: the same add goes on
    roomy.mkdir()
    for part in small_disk.glob("库.db*"):
        shutil.copy(part, roomy / part.name)
    again = subprocess.run(
        cli("add", "-q", "--db", str(roomy / "库.db"), str(tmp_path / "in")), capture_output=True
    )
    assert again.returncode == 0, again.stderr.decode()
    assert count(str(roomy / "库.db"), schema.versions) == 60
    assert_consistent(str(roomy / "库.db"))


def test_ctrl_c_leaves_every_report_whole(library_url, tmp_path):
    many_reports(tmp_path / "in", 120)
    run = subprocess.Popen(
        cli("add", "-q", "--db", library_url, str(tmp_path / "in")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not Path(library_url).exists() if "://" not in library_url else False
    ):
        time.sleep(0.05)
    while time.monotonic() < deadline:
        try:
            if count(library_url, schema.versions) >= 5:
                break
        except Exception:  # the library is being created
            pass
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err.decode()
    assert "已中断" in err.decode()
    stored = count(library_url, schema.versions)
    assert 5 <= stored < 120
    assert_consistent(library_url)
    again = subprocess.run(cli("add", "-q", "--db", library_url, str(tmp_path / "in")), capture_output=True)
    assert again.returncode == 0
    assert count(library_url, schema.versions) == 120


def test_the_directory_header_in_the_help_is_the_one_read():
    from converter.cli import library as cli_library
    from converter.library import organs

    assert cli_library.DIRECTORY_COLUMNS == organs.DIRECTORY_COLUMNS
