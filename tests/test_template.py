"""A clerk's own Word template: export, the field list, the template check, building with it."""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from pathlib import Path

import jinja2
import pytest
from conftest import ROOT
from docx import Document
from docx.shared import Pt, RGBColor
from docx_text import docx_text, part_xml
from factories import consistent_report
from typer.testing import CliRunner

from converter.cli import app
from converter.core.errors import ExitCode, TemplateError
from converter.format import official as fmt
from converter.render.context import build_context
from converter.render.docx import default_template_path, render_report
from converter.render.docx_package import deduplicated
from converter.render.fields import fields, fields_markdown, top_level_meanings
from converter.render.template_check import check_template

runner = CliRunner()


def template_with(tmp_path: Path, *texts: str, name: str = "template.docx") -> Path:
    """The default template with one more body paragraph per text."""
    doc = Document(str(default_template_path()))
    for text in texts:
        doc.add_paragraph(text)
    path = tmp_path / name
    doc.save(str(path))
    return path


def next_paragraph() -> int:
    """The number check_template gives the first paragraph added after the default template's own."""
    return len(Document(str(default_template_path())).paragraphs) + 1


def located(findings) -> list[tuple[str, str, str]]:
    return [(f.rule, f.position.part, f.position.where) for f in findings]


# --------------------------------------------------------------------------- export


def test_export_writes_the_default_template_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "我的模板.docx"
    result = runner.invoke(app, ["template", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == default_template_path().read_bytes()

    out.write_bytes(b"edited")
    result = runner.invoke(app, ["template", "export", str(out)])
    assert result.exit_code == ExitCode.OUTPUT
    assert "已存在" in result.output
    assert out.read_bytes() == b"edited"

    assert runner.invoke(app, ["template", "export", str(out), "--force"]).exit_code == 0
    assert out.read_bytes() == default_template_path().read_bytes()


# --------------------------------------------------------------------------- fields


def test_every_context_name_is_described():
    context = build_context(consistent_report())
    meanings = top_level_meanings()
    assert set(context) == set(meanings)
    assert all(meanings.values())


def test_fields_cover_every_value_and_every_text_name():
    names = [f.name for f in fields()]
    assert len(names) == len(set(names))
    assert set(fmt.VALUES) <= set(names)
    for section in fmt.SECTIONS:
        assert f"sections.{section.key}" in names
        assert f"section_headings.{section.key}" in names
    roots = {key.split(".")[0] for key in fmt.VALUES}
    for name in set(build_context(consistent_report())) - roots - {"sections", "section_headings", "custom"}:
        assert name in names
    assert "custom.名称" in names
    assert all(f.meaning for f in fields())


def test_value_meaning_comes_from_the_format():
    meaning = {f.name: f.meaning for f in fields()}
    assert (
        meaning["applications.new.natural_person"] == "表三：一、本年新收政府信息公开申请数量 / 自然人（件）"
    )
    assert meaning["fees.collected"] == "第六部分：实际收取的总金额（元）"
    assert meaning["proactive.admin_fees.amount"].count("万元") == 1


def test_fields_command_human_and_json():
    result = runner.invoke(app, ["template", "fields"])
    assert result.exit_code == 0
    assert re.search(r"^org +基本信息“机关全称”", result.output, re.M)
    data = json.loads(runner.invoke(app, ["template", "fields", "--json"]).output)
    assert data == [f.to_dict() for f in fields()]
    assert {"name": "review.total", "meaning": "表四：行政复议 / 总计（件）", "kind": "value"} in data


def test_fields_markdown_is_a_table():
    text = fields_markdown()
    assert text.startswith("### 模板字段\n")
    assert "| 字段 | 含义 |" in text
    assert "| `applications.carried_forward.total` | 表三：四、结转下年度继续办理 / 总计（件） |" in text


def test_readme_fields_section_is_generated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if "<!-- fields -->" not in readme:
        pytest.skip("README.md has no <!-- fields --> marker yet")
    assert f"<!-- fields -->\n{fields_markdown()}\n<!-- /fields -->" in readme


# --------------------------------------------------------------------------- check


def test_default_template_passes():
    assert check_template(default_template_path()) == []


def test_typos_are_unknown_variables(tmp_path):
    path = template_with(tmp_path, "{{ applications.new.natural_persn }}", "落款：{{ orgg }}")
    findings = check_template(path)
    n = next_paragraph()
    assert located(findings) == [("T1", "正文", f"第{n}段"), ("T1", "正文", f"第{n + 1}段")]
    assert [(f.actual, f.expected) for f in findings] == [
        ("applications.new.natural_persn", "applications.new.natural_person"),
        ("orgg", "org"),
    ]
    assert "“落款：{{ orgg }}”" in findings[1].message


def test_loop_variables_are_known_inside_their_loop_only(tmp_path):
    path = template_with(
        tmp_path,
        "{% for item in sections.overview %}{{ item.heading }}{{ item.headng }}{{ loop.index }}{% endfor %}",
        "{{ item.heading }}",
    )
    n = next_paragraph()
    findings = check_template(path)
    assert located(findings) == [("T1", "正文", f"第{n}段"), ("T1", "正文", f"第{n + 1}段")]
    assert [f.actual for f in findings] == ["item.headng", "item"]


def test_missing_table_is_a_warning_naming_its_values(tmp_path):
    doc = Document(str(default_template_path()))
    review = next(t for t in doc.tables if "{{ review.upheld }}" in t._tbl.xml)
    review._tbl.getparent().remove(review._tbl)
    path = tmp_path / "no-review.docx"
    doc.save(str(path))
    findings = check_template(path)
    assert located(findings) == [("T2", "正文", "")]
    assert findings[0].severity.value == "warning"
    assert findings[0].related == fmt.REVIEW.keys
    assert "表四" in findings[0].message


def test_syntax_error_names_the_paragraph(tmp_path):
    findings = check_template(template_with(tmp_path, "落款：{{ org "))
    assert located(findings) == [("T3", "正文", f"第{next_paragraph()}段")]
    assert "“落款：{{ org”" in findings[0].message


def test_unclosed_block_is_reported_where_it_opens(tmp_path):
    findings = check_template(template_with(tmp_path, "{%p if org %}", "有机关名称", "结尾"))
    assert located(findings) == [("T3", "正文", f"第{next_paragraph()}段")]
    assert "{%p if org %}" in findings[0].message


def test_tag_split_across_paragraphs(tmp_path):
    findings = check_template(template_with(tmp_path, "落款：{{ org", "}}"))
    n = next_paragraph()
    assert located(findings) == [("T4", "正文", f"第{n}段")]
    assert f"第{n}段至第{n + 1}段" in findings[0].message


def test_tag_split_across_table_cells(tmp_path):
    doc = Document(str(default_template_path()))
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "{{ org", "}}"
    path = tmp_path / "cells.docx"
    doc.save(str(path))
    findings = check_template(path)
    assert located(findings) == [("T4", "正文", f"表格{len(doc.tables)}第1行第1列")]
    assert "单元格" in findings[0].message


MARKER = "xxgk-template-ran"
PAYLOADS = (
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.makedirs('%s') }}",
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_malicious_template_is_an_error_and_never_runs(tmp_path, payload):
    marker = tmp_path / MARKER
    findings = check_template(template_with(tmp_path, payload.replace("%s", str(marker))))
    assert [(f.rule, f.code) for f in findings] == [("T5", "unsafe")]
    assert "不会执行" in findings[0].message
    assert not marker.exists()


def test_the_payload_is_real_outside_the_sandbox(tmp_path):
    """Control: the same tag in plain jinja2 does run code, so the sandbox is what stops it."""
    marker = tmp_path / MARKER
    jinja2.Environment().from_string(PAYLOADS[2] % marker).render()
    assert marker.is_dir()


def test_docxtpl_rejections_are_found_by_rendering(tmp_path):
    findings = check_template(template_with(tmp_path, "{{ 1 / 0 }}"))
    assert [(f.rule, f.code) for f in findings] == [("T6", "render-failed")]
    assert "无法计算" in findings[0].message


def test_a_template_past_a_limit_is_a_template_error_as_in_build(tmp_path):
    with pytest.raises(TemplateError, match="重复次数过大"):
        check_template(template_with(tmp_path, "{{ 'x' * 100000 }}"))


def test_not_a_docx_is_unreadable(tmp_path):
    path = tmp_path / "template.docx"
    path.write_text("{{ org }}", encoding="utf-8")
    result = runner.invoke(app, ["template", "check", str(path)])
    assert result.exit_code == ExitCode.UNREADABLE


def test_check_command_exit_codes_and_json(tmp_path):
    good = runner.invoke(app, ["template", "check", str(default_template_path())])
    assert good.exit_code == 0
    assert "检查通过：0 个错误，0 个警告。" in good.output
    bad = template_with(tmp_path, "{{ orgg }}")
    result = runner.invoke(app, ["template", "check", str(bad)])
    assert result.exit_code == ExitCode.FINDINGS
    assert "T1" in result.output and "orgg" in result.output
    (data,) = json.loads(runner.invoke(app, ["template", "check", "--json", str(bad)]).output)
    assert (data["ok"], data["errors"], data["findings"][0]["rule"]) == (False, 1, "T1")


def test_duplicate_entries_keep_the_last_copy(tmp_path):
    """LibreOffice can write a part twice; every reader must then see the same (last) copy."""
    source, path = default_template_path(), tmp_path / "dup.docx"
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate we want
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                zout.writestr(info.filename, data.replace(b"{{ org }}", b"{{ orgg }}"))
            zout.writestr(info, data)
    findings = check_template(path)
    assert [(f.rule, f.actual) for f in findings] == [("T8", "word/document.xml")]
    with deduplicated(path) as clean, zipfile.ZipFile(clean) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names))
        assert b"{{ orgg }}" not in archive.read("word/document.xml")
    assert not clean.exists()


# --------------------------------------------------------------------------- custom template


def red_header_template(tmp_path: Path) -> Path:
    """The default template with a 红头 header and a custom field in the body."""
    doc = Document(str(default_template_path()))
    header = doc.sections[0].header
    header.is_linked_to_previous = False
    run = header.paragraphs[0].add_run("某某县人民政府办公室文件")
    run.font.color.rgb, run.font.size, run.font.bold = RGBColor(0xFF, 0, 0), Pt(36), True
    header.add_paragraph("{{ org }}")
    doc.add_paragraph("联系电话：{{ custom.联系电话 }}")
    path = tmp_path / "红头模板.docx"
    doc.save(str(path))
    return path


def test_custom_field_and_red_header_render(tmp_path):
    template = red_header_template(tmp_path)
    assert [(f.rule, f.actual) for f in check_template(template)] == [("T7", "联系电话")]
    report = consistent_report()
    report.info.custom = {"联系电话": "0710-1234567"}
    out = tmp_path / "report.docx"
    render_report(report, out, template)
    assert "联系电话：0710-1234567" in docx_text(out)
    headers = [xml for name, xml in part_xml(out).items() if "header" in name]
    assert len(headers) == 1
    assert "某某县人民政府办公室文件" in headers[0] and "某某市某某局" in headers[0]
    assert 'w:color w:val="FF0000"' in headers[0] and 'w:sz w:val="72"' in headers[0]
    assert "{{" not in headers[0]


def test_custom_field_missing_from_the_workbook_is_a_template_error(tmp_path):
    with pytest.raises(TemplateError, match="联系电话"):
        render_report(consistent_report(), tmp_path / "report.docx", red_header_template(tmp_path))


# --------------------------------------------------------------------------- build --template


def report_json(tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(consistent_report().to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("tag", ["{{ orgg }}", *PAYLOADS])
def test_build_with_a_bad_template_writes_nothing(tmp_path, tag):
    marker = tmp_path / "out" / MARKER
    template = template_with(tmp_path, tag.replace("%s", str(marker)))
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "report.docx"
    result = runner.invoke(
        app, ["build", str(report_json(tmp_path)), "--template", str(template), "-o", str(out)]
    )
    assert result.exit_code == ExitCode.TEMPLATE, result.output
    assert list((tmp_path / "out").iterdir()) == []
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("错误：Word 模板")
    assert ("未知的变量“orgg”" if tag == "{{ orgg }}" else "不安全") in message


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.soffice
def test_template_saved_by_libreoffice_still_works(tmp_path, soffice):
    (tmp_path / "lo").mkdir()
    saved = soffice(default_template_path(), "docx", tmp_path / "lo")
    assert [f for f in check_template(saved) if f.severity.value == "error"] == []
    original, resaved = tmp_path / "original.docx", tmp_path / "resaved.docx"
    render_report(consistent_report(), original)
    render_report(consistent_report(), resaved, saved)
    assert docx_text(resaved) == docx_text(original)
