"""The Word report: template structure, rendering, golden text, PDF via LibreOffice, prose, safety."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, SAMPLES
from docx import Document
from docx_text import W, docx_text, part_xml
from factories import consistent_report
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from converter.core.errors import TemplateError
from converter.core.model import Paragraph, Report
from converter.format import official as fmt
from converter.read.report_json import report_from_dict
from converter.render.context import build_context, text_items
from converter.render.docx import default_template_path, render_report
from converter.render.ppr import PPR_ORDER
from converter.render.prose import (
    applications_text,
    effective_preamble,
    effective_sections,
    fee_text,
    proactive_text,
    review_text,
)

SAMPLE_NAMES = ("oumiao-2024", "huaian-2024")


def load_sample(name: str) -> Report:
    path = SAMPLES / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    return report_from_dict(json.loads(path.read_text(encoding="utf-8")))


def render(report: Report, tmp_path: Path, name: str = "report", template: Path | None = None) -> Path:
    out = tmp_path / f"{name}.docx"
    render_report(report, out, template)
    return out


def zero_report() -> Report:
    report = consistent_report()
    report.values = dict.fromkeys(fmt.VALUES, 0)
    report.info.self_name = "我镇"
    return report


def template_with(tmp_path: Path, text: str) -> Path:
    """The default template with one more paragraph holding `text`."""
    doc = Document(str(default_template_path()))
    doc.add_paragraph(text)
    path = tmp_path / "custom.docx"
    doc.save(str(path))
    return path


# --------------------------------------------------------------------------- the template


def load_make_template():
    spec = importlib.util.spec_from_file_location("make_template", ROOT / "scripts" / "make_template.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_committed_template_is_what_the_script_writes():
    with zipfile.ZipFile(default_template_path()) as z:
        committed = {n: z.read(n) for n in z.namelist()}
    built = load_make_template().build()
    with zipfile.ZipFile(io.BytesIO(built)) as z:
        fresh = {n: z.read(n) for n in z.namelist()}
    assert committed == fresh, "run: python scripts/make_template.py"


def test_every_style_the_template_names_is_defined():
    """The pruned styles.xml still defines each style used, based on, followed by or linked to."""
    styles = template_part("word/styles.xml")
    defined = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")}
    names = ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link", "numStyleLink", "styleLink")
    parts = (
        "word/styles.xml",
        "word/document.xml",
        "word/footer1.xml",
        "word/footer2.xml",
        "word/numbering.xml",
    )
    used = {
        ref.get(f"{W}val")
        for part in parts
        for name in names
        for ref in template_part(part).iter(f"{W}{name}")
    }
    assert used <= defined
    assert len(defined) < 25  # python-docx's 160 unused defaults are gone
    with zipfile.ZipFile(default_template_path()) as z:
        assert "word/stylesWithEffects.xml" not in z.namelist()


def test_template_paragraph_properties_in_schema_order():
    for part in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        for ppr in template_part(part).iter(f"{W}pPr"):
            ranks = [PPR_ORDER.index(etree.QName(child).localname) for child in ppr]
            assert ranks == sorted(ranks), part


def template_part(name: str) -> etree._Element:
    with zipfile.ZipFile(default_template_path()) as z:
        return etree.fromstring(z.read(name))


def test_template_page_setup_and_footers():
    sect = template_part("word/document.xml").find(f"{W}body/{W}sectPr")
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")
    mm = {
        side: round(int(margins.get(f"{W}{side}")) / 1440 * 25.4)
        for side in ("top", "bottom", "left", "right")
    }
    assert mm == {"top": 37, "bottom": 35, "left": 28, "right": 26}
    kinds = {ref.get(f"{W}type") for ref in sect.findall(f"{W}footerReference")}
    assert kinds == {"default", "even"}
    assert template_part("word/settings.xml").find(f"{W}evenAndOddHeaders") is not None


def test_template_styles_set_east_asian_fonts():
    styles = {
        s.find(f"{W}name").get(f"{W}val"): s for s in template_part("word/styles.xml").iter(f"{W}style")
    }
    expected = {
        "报告标题": ("方正小标宋简体", 44),
        "报告正文": ("仿宋_GB2312", 32),
        "一级标题": ("黑体", 32),
        "二级标题": ("楷体_GB2312", 32),
        "二级标题字符": ("楷体_GB2312", 32),
        "表格文字": ("宋体", 21),
        "表格文字小五": ("宋体", 18),
        "落款": ("仿宋_GB2312", 32),
        "页码": ("宋体", 28),
    }
    for name, (font, half_points) in expected.items():
        rpr = styles[name].find(f"{W}rPr")
        assert rpr.find(f"{W}rFonts").get(f"{W}eastAsia") == font, name
        assert rpr.find(f"{W}sz").get(f"{W}val") == str(half_points), name
    body = styles["报告正文"].find(f"{W}pPr")
    assert body.find(f"{W}ind").get(f"{W}firstLineChars") == "200"
    normal = styles["Normal"].find(f"{W}pPr/{W}spacing")
    assert (normal.get(f"{W}lineRule"), normal.get(f"{W}line")) == ("exact", "579")


def test_template_tables_follow_the_official_grids():
    body = template_part("word/document.xml").find(f"{W}body")
    tables = body.findall(f"{W}tbl")
    assert len(tables) == len(fmt.TABLES)
    for tbl, table in zip(tables, fmt.TABLES, strict=True):
        width = int(tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w"))
        assert tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}type") == "dxa"
        assert width <= 11906 - 1587 - 1474
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        grid = [int(c.get(f"{W}w")) for c in tbl.iter(f"{W}gridCol")]
        assert len(grid) == table.ncols and sum(grid) == width
        rows = tbl.findall(f"{W}tr")
        assert len(rows) == table.nrows
        for i, tr in enumerate(rows):
            assert tr.find(f"{W}trPr/{W}cantSplit") is not None
            assert (tr.find(f"{W}trPr/{W}tblHeader") is not None) == (i < table.header_rows)
            spans = [
                int(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val", "1"))
                if tc.find(f"{W}tcPr/{W}gridSpan") is not None
                else 1
                for tc in tr.findall(f"{W}tc")
            ]
            widths = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")]
            assert sum(spans) == table.ncols and sum(widths) == width


def test_template_labels_come_from_the_format():
    text = docx_text(default_template_path())
    for table in fmt.TABLES:
        for cell in table.cells:
            needle = cell.label if cell.label else f"{{{{ {cell.key} }}}}"
            assert needle in text, needle
    for section in fmt.SECTIONS:
        assert f"\n{section.heading}\n" in text


# --------------------------------------------------------------------------- rendering


def assert_no_tags_left(path: Path) -> None:
    for name, xml in part_xml(path).items():
        assert "{{" not in xml and "{%" not in xml, name


def test_render_filled_report(tmp_path):
    out = render(consistent_report(), tmp_path)
    assert_no_tags_left(out)
    text = docx_text(out)
    assert text.startswith(
        "某某市某某局\n2024年政府信息公开工作年度报告\n本报告根据"
    )  # long title: two lines
    assert "\t某某市某某局\n\t2025年1月20日\n" in text
    assert "| 规章 | 2 | 1 | 15 |" in text
    assert "| 行政事业性收费 | 12.5 |" in text
    footers = [xml for name, xml in part_xml(out).items() if "footer" in name]
    assert len(footers) == 2 and all("PAGE" in xml and "— " in xml for xml in footers)


def test_numbers_print_as_entered(tmp_path):
    report = consistent_report()
    report.values["proactive.admin_fees.amount"] = Decimal("5949.088667")
    assert "| 行政事业性收费 | 5949.088667 |" in docx_text(render(report, tmp_path))


CLERK_TEXT = "文字{{ 7*7 }}与{% for x in y %}及<b>&amp;😀\x0b结束\x00"


def test_clerk_text_prints_literally(tmp_path):
    report = consistent_report()
    report.info.title = "标题{{ 7*7 }}"
    report.info.org = "机关<b>&"
    report.sections["problems"] = [Paragraph("（一）小标题{% if %}", CLERK_TEXT)]
    report.info.custom = {"备注": "{{ org }}"}
    out = render(report, tmp_path)
    text = docx_text(out)
    assert "文字{{ 7*7 }}与{% for x in y %}及<b>&amp;😀结束\n" in text
    assert "（一）小标题{% if %}\n" in text
    assert "标题{{ 7*7 }}" in text and "49" not in text
    assert "\t机关<b>&\n" in text
    document = part_xml(out)["word/document.xml"]
    assert "\x0b" not in document and "\x00" not in document
    etree.fromstring(document.encode())  # well-formed


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_matches_golden_text(tmp_path, name):
    out = render(load_sample(name), tmp_path, name)
    assert_no_tags_left(out)
    text = docx_text(out)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8")


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required under CI=true")
        pytest.skip("pdftotext not installed")
    run = subprocess.run([exe, "-raw", str(pdf), "-"], check=True, capture_output=True, timeout=60)
    return run.stdout.decode("utf-8")


@pytest.mark.soffice
@pytest.mark.parametrize(("name", "pages"), [("oumiao-2024", range(4, 8)), ("huaian-2024", range(5, 9))])
def test_sample_pdf_has_every_label(tmp_path, soffice, name, pages):
    pdf = soffice(render(load_sample(name), tmp_path, name), "pdf", tmp_path)
    text = pdf_text(pdf)
    assert text.count("\f") in pages
    flat = re.sub(r"\s+", "", text)
    for table in fmt.TABLES:
        for cell in table.cells:
            if cell.label and cell.rowspan == 1:
                assert re.sub(r"\s+", "", cell.label) in flat, cell.label
            elif cell.label:  # a tall merged cell may be cut by a page break: its characters in order
                assert re.search(".*?".join(map(re.escape, cell.label)), flat), cell.label
    for section in fmt.SECTIONS:
        assert section.heading in flat
    assert "—1—" in flat and "—2—" in flat


# --------------------------------------------------------------------------- unsafe or broken templates


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("{{ no_such_name }}", "no_such_name"),
        ("{{ applications.new.nobody }}", "nobody"),
        ("{{ ''.__class__.__mro__ }}", "不安全"),
        ("{{ cycler.__init__.__globals__.os.system('touch PWNED') }}", ""),
        ("{{ 9 ** 9 ** 9 }}", "不安全"),
        ("{{ 'x' * 100000000 }}", "不安全"),
        ("{% for %}", "写法有误"),
    ],
)
def test_bad_template_raises_template_error(tmp_path, monkeypatch, tag, words):
    monkeypatch.chdir(tmp_path)
    template = template_with(tmp_path, f"附加{tag}")
    with pytest.raises(TemplateError) as info:
        render(consistent_report(), tmp_path, template=template)
    assert "custom.docx" in info.value.message and words in info.value.message
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "report.docx").exists()


def test_not_a_docx_template(tmp_path):
    bogus = tmp_path / "bogus.docx"
    bogus.write_text("not a zip")
    with pytest.raises(TemplateError, match=r"bogus\.docx"):
        render(consistent_report(), tmp_path, template=bogus)


def test_custom_fields_reach_the_template(tmp_path):
    report = consistent_report()
    report.info.custom = {"联系电话": "0517-83605210"}
    template = template_with(tmp_path, "电话：{{ custom['联系电话'] }}")
    assert "电话：0517-83605210\n" in docx_text(render(report, tmp_path, template=template))


# --------------------------------------------------------------------------- context


def test_text_items_run_in_headings_and_paragraphs():
    rows = [
        Paragraph("（一）主动公开情况。", "第一段。\n\n　　第二段。"),
        Paragraph("（二）依申请公开", "正文。"),
        Paragraph("", "无标题正文。"),
        Paragraph("1.三级标题。", "三级正文。"),
        Paragraph("（三）只有标题。", ""),
        Paragraph("", "  "),
    ]
    assert text_items(rows) == [
        {"heading": "（一）主动公开情况。", "run_in": True, "paragraphs": ["第一段。", "第二段。"]},
        {"heading": "（二）依申请公开", "run_in": False, "paragraphs": ["正文。"]},
        {"heading": "", "run_in": False, "paragraphs": ["无标题正文。"]},
        {"heading": "", "run_in": False, "paragraphs": ["1.三级标题。三级正文。"]},
        {"heading": "（三）只有标题。", "run_in": True, "paragraphs": [""]},
    ]


def test_run_in_heading_printed_at_start_of_body(tmp_path):
    report = consistent_report()
    report.sections["overview"] = [Paragraph("（一）主动公开情况。", "正文第一段。\n正文第二段。")]
    out = render(report, tmp_path)
    assert "\n（一）主动公开情况。正文第一段。\n正文第二段。\n" in docx_text(out)
    body = etree.fromstring(part_xml(out)["word/document.xml"].encode()).find(f"{W}body")
    p = next(p for p in body.iter(f"{W}p") if "正文第一段" in "".join(p.itertext()))
    styles = [r.find(f"{W}rPr/{W}rStyle") for r in p.iter(f"{W}r") if "".join(r.itertext())]
    assert [s.get(f"{W}val") if s is not None else None for s in styles] == ["ReportHeading2Char", None]


def test_context_names():
    context = build_context(consistent_report())
    assert context["date"] == "2025年1月20日"
    assert context["year"] == "2024"
    assert context["applications"]["new"]["total"] == str(consistent_report().value("applications.new.total"))
    assert {"title", "title_lines", "org", "self_name", "preamble", "sections", "custom"} <= set(context)
    assert set(context["sections"]) == {s.key for s in fmt.SECTIONS}


# --------------------------------------------------------------------------- prose


def test_prose_all_zero():
    report = zero_report()
    assert applications_text(report) == "2024年，我镇未收到政府信息公开申请。"
    assert review_text(report) == "2024年，我镇未发生政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
    assert proactive_text(report) == (
        "2024年，我镇无本年制发、废止和现行有效的规章、行政规范性文件，"
        "未作出行政许可、行政处罚、行政强制决定，无行政事业性收费。"
    )
    assert fee_text(report) == "2024年度，我镇发出收费通知的件数和总金额以及实际收取的总金额均为0。"
    report.info.self_name = ""
    assert fee_text(report).startswith("2024年度，本机关发出收费通知")  # no 自称 given


def test_prose_applications_non_zero():
    report = zero_report()
    report.values.update(
        {
            "applications.new.total": 5,
            "applications.carried_over.total": 1,
            "applications.granted.total": 3,
            "applications.withheld.state_secret.total": 1,
            "applications.unavailable.not_held.total": 1,
            "applications.total.total": 5,
            "applications.carried_forward.total": 1,
        }
    )
    assert applications_text(report) == (
        "2024年，我镇新收政府信息公开申请5件，上年结转政府信息公开申请1件；"
        "本年度办结5件，其中予以公开3件、不予公开1件、无法提供1件；结转下年度继续办理1件。"
    )


def test_prose_review_non_zero():
    report = zero_report()
    report.values.update(
        {"review.upheld": 2, "review.pending": 1, "review.total": 3}
        | {"litigation_direct.corrected": 1, "litigation_direct.total": 1}
    )
    assert review_text(report) == (
        "2024年，我镇被申请政府信息公开行政复议3件，其中结果维持2件、尚未审结1件；"
        "被提起政府信息公开行政诉讼1件（未经复议直接起诉1件），其中结果纠正1件。"
    )
    report.values.update({"review.upheld": 0, "review.pending": 0, "review.total": 0})
    assert review_text(report) == (
        "2024年，我镇未发生政府信息公开工作被申请行政复议的情况；"
        "被提起政府信息公开行政诉讼1件（未经复议直接起诉1件），其中结果纠正1件。"
    )


def test_prose_proactive_non_zero():
    report = consistent_report()
    report.info.self_name = "我市"
    assert proactive_text(report) == (
        "2024年，我市制发规章2件、行政规范性文件8件，废止规章1件、行政规范性文件3件，"
        "现行有效规章15件、行政规范性文件42件；作出行政许可决定120件、行政处罚决定35件、"
        "行政强制决定6件；行政事业性收费12.5万元。"
    )


def test_prose_fees_only_what_is_stated():
    report = zero_report()
    report.values.update({"fees.notices": None, "fees.notice_amount": None, "fees.collected": None})
    assert fee_text(report) == ""
    report.values.update({"fees.notices": 2, "fees.notice_amount": Decimal("150.5")})
    assert fee_text(report) == "2024年度，我镇发出收费通知2件，收费通知总金额150.5元。"


def test_effective_sections_clerk_text_wins():
    report = zero_report()
    report.sections["applications"] = [Paragraph("", "本机关自己写的说明。")]
    report.sections["proactive"] = [Paragraph("", "  ")]
    report.sections["review"] = []
    report.sections["other"] = [Paragraph("（一）其他", "人大建议办理情况。")]
    sections = effective_sections(report)
    assert sections["applications"] == [Paragraph("", "本机关自己写的说明。")]
    assert sections["proactive"] == [Paragraph("", proactive_text(report))]
    assert sections["review"] == [Paragraph("", review_text(report))]
    assert sections["other"] == [
        Paragraph("", fee_text(report)),
        Paragraph("（一）其他", "人大建议办理情况。"),
    ]
    assert report.sections["other"] == [Paragraph("（一）其他", "人大建议办理情况。")]  # not mutated
    written = copy.deepcopy(report)
    written.sections["other"] = [Paragraph("（一）信息处理费", "未收取。")]
    assert effective_sections(written)["other"] == written.sections["other"]


def test_effective_preamble():
    report = zero_report()
    report.info.preamble = ""
    assert effective_preamble(report) == (  # 《条例》 is not used later: no short name introduced
        "本报告根据《中华人民共和国政府信息公开条例》规定编制，"
        "所列数据统计期限自2024年1月1日至2024年12月31日。"
    )
    report.sections["problems"] = [Paragraph("", "按照《条例》要求，进一步规范依申请公开办理。")]
    assert effective_preamble(report) == (
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制，"
        "所列数据统计期限自2024年1月1日至2024年12月31日。"
    )
    report.info.preamble = "自定导语。"
    assert effective_preamble(report) == "自定导语。"


def test_compiled_template_cache_keeps_the_sandbox(tmp_path, monkeypatch):
    """The compiled-code cache (memory and disk) gives the same code and never bypasses the sandbox."""
    from jinja2.sandbox import SecurityError

    from converter.render import cache
    from converter.render.sandbox import make_environment

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_CACHE", {})
    env = make_environment()
    source = "{{ ''.__class__.__mro__ }}"
    for _ in range(2):  # compiled, then from the cache
        with pytest.raises(SecurityError):
            env.from_string(source).render()
        cache._CACHE.clear()  # the second round reads the disk cache
    assert len(list((tmp_path / "cache" / "xxgk" / "jinja").glob("code-*.bin"))) == 1
    assert env.from_string("{{ a }}+{{ b }}").render(a=1, b="<&>") == "1+&lt;&amp;&gt;"


def test_render_cache_survives_damaged_files(tmp_path, monkeypatch):
    """Cached XML clean-up and code give the same report; a damaged or foreign cache file is ignored."""
    from converter.render import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_CACHE", {})
    report = consistent_report()
    render_report(report, tmp_path / "first.docx")
    folder = tmp_path / "cache" / "xxgk" / "jinja"
    names = sorted(p.name.split("-")[0] for p in folder.glob("*.bin"))
    assert "patched" in names and "code" in names
    for number, entry in enumerate(folder.glob("*.bin")):  # truncated, or a value of the wrong type
        entry.write_bytes(b"\xe3\x00" if number % 2 else marshal.dumps(12345))
    cache._CACHE.clear()
    render_report(report, tmp_path / "second.docx")
    assert docx_text(tmp_path / "second.docx") == docx_text(tmp_path / "first.docx")


_TEXT = st.text(alphabet="ab<>&\t\a\n\f 年", max_size=6).map(
    lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)
_RPR = st.sampled_from(["", "<w:rPr><w:b/></w:rPr>"])
_RUN = st.builds(lambda rpr, t: f'<w:r>{rpr}<w:t xml:space="preserve">{t}</w:t></w:r>', _RPR, _TEXT)
_PARAGRAPH = st.lists(_RUN, max_size=3).map(
    lambda runs: '<w:p><w:pPr><w:jc w:val="center"/></w:pPr>' + "".join(runs) + "</w:p>"
)


@given(st.lists(_PARAGRAPH, max_size=4))
def test_skipping_resolve_listing_changes_nothing(paragraphs):
    """The shortcut past docxtpl's resolve_listing gives exactly what the full pass gives."""
    from docxtpl import DocxTemplate

    from converter.render.docx import _Template

    xml = "<w:body>" + "".join(paragraphs) + "</w:body>"
    template = _Template.__new__(_Template)  # the method reads nothing of the instance
    assert template.resolve_listing(xml) == DocxTemplate.resolve_listing(template, xml)


def test_the_cache_folder_follows_the_platform(monkeypatch, tmp_path):
    from converter.render import cache as render

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert render._cache_dir() == tmp_path / "xdg" / "xxgk" / "jinja"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert render._cache_dir("nt") == tmp_path / "local" / "xxgk" / "jinja"
    assert render._cache_dir("posix") == Path.home() / ".cache" / "xxgk" / "jinja"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_body_parsed_in_place_is_docxtpls_body_byte_for_byte(tmp_path, name, monkeypatch):
    """Without table-changing tags the rendered body is parsed once, in the document, rather than
    parsed alone and moved in by docxtpl: the written document must not change by a byte."""
    from converter.render import cache
    from converter.render import docx as render_docx

    report = load_sample(name)
    fast = tmp_path / "fast.docx"
    render_report(report, fast)
    monkeypatch.setattr(cache, "_CACHE", {})
    monkeypatch.setattr(render_docx, "_has_dynamic_tables", lambda _xml: True)  # docxtpl's own way
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    slow = tmp_path / "slow.docx"
    render_report(report, slow)
    assert part_xml(fast) == part_xml(slow)


def test_a_column_loop_still_evens_out_the_grid(tmp_path):
    """`{%tc for %}` adds cells: docxtpl's grid fix still runs for such a template."""
    doc = Document(str(default_template_path()))
    table = doc.add_table(rows=1, cols=3)
    table.cell(0, 0).text = "{%tc for c in ['甲', '乙', '丙', '丁', '戊'] %}"
    table.cell(0, 1).text = "{{ c }}"
    table.cell(0, 2).text = "{%tc endfor %}"
    template = tmp_path / "columns.docx"
    doc.save(str(template))
    out = tmp_path / "out.docx"
    render_report(consistent_report(), out, template)
    grids = [t for t in Document(str(out)).tables if "戊" in "".join(c.text for c in t.rows[0].cells)]
    assert len(grids) == 1
    assert [c.text for c in grids[0].rows[0].cells] == ["甲", "乙", "丙", "丁", "戊"]
    assert len(grids[0].columns) == 5  # the grid evened out to the cells the loop made


def test_a_merged_cell_set_by_colspan_gets_its_grid_evened_out(tmp_path):
    """`{% colspan %}` changes a table's grid as `{%tc %}` does: docxtpl's grid fix must run. Here the
    rows span 2 columns of a 3-column grid; the fix drops the column no cell reaches."""
    doc = Document(str(default_template_path()))
    table = doc.add_table(rows=2, cols=3)
    for row in table.rows:
        row._tr.remove(row.cells[2]._tc)
    table.rows[0]._tr.remove(table.rows[0].cells[1]._tc)
    table.cell(0, 0).text = "{% colspan 2 %}合并的表头"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "甲", "乙"
    template = tmp_path / "colspan.docx"
    doc.save(str(template))
    out = tmp_path / "out.docx"
    render_report(consistent_report(), out, template)
    body = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    (grid,) = [t for t in body.iter(f"{W}tbl") if "合并的表头" in "".join(t.itertext())]
    assert len(list(grid.iter(f"{W}gridCol"))) == 2
    assert grid.find(f".//{W}tc/{W}tcPr/{W}gridSpan").get(f"{W}val") == "2"


def same_size_templates(folder: Path) -> tuple[bytes, bytes]:
    """The default template, and the same with a DOCTYPE in its document.xml: stored (not compressed)
    with a comment of the same length in the first, so the two files have exactly the same size."""
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
    comment = b"<!--" + b" " * (len(doctype) - 7) + b"-->"
    assert len(comment) == len(doctype)

    def made(insert: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(default_template_path()) as source, zipfile.ZipFile(buffer, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "word/document.xml":
                    data = data.replace(b"?>", b"?>" + insert, 1)
                target.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)
        return buffer.getvalue()

    good, bad = made(comment), made(doctype)
    assert len(good) == len(bad) and good != bad
    return good, bad


def test_a_template_rewritten_in_place_with_the_same_size_is_inspected_again(tmp_path):
    """Templates are inspected once per file version (a batch renders one a thousand times); the version
    includes the modification time, so a file rewritten in place with the same size is inspected again."""
    good, bad = same_size_templates(tmp_path)
    template = tmp_path / "模板.docx"
    template.write_bytes(good)
    render_report(consistent_report(), tmp_path / "first.docx", template)
    before = template.stat()
    with open(template, "r+b") as stream:  # in place: same inode, same size
        stream.write(bad)
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))
    after = template.stat()
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    with pytest.raises(TemplateError, match="DOCTYPE"):
        render_report(consistent_report(), tmp_path / "second.docx", template)


def test_the_disk_cache_is_keyed_on_the_packages_code(tmp_path, monkeypatch):
    """A cached clean-up, tag scan or compiled code made by other code of xxgk (another version, or the
    same version edited) is never read back: the key names the package's version and code digest."""
    from converter import __version__
    from converter.render import cache

    assert cache._code_version() in cache._CACHE_SALT
    assert cache._code_version().startswith(f"xxgk {__version__} ")
    before = cache._code_version()
    for name in cache.CODE:
        (tmp_path / name).write_bytes(Path(cache.__file__).with_name(name).read_bytes())
    (tmp_path / "sandbox.py").write_bytes((tmp_path / "sandbox.py").read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(cache, "__file__", str(tmp_path / "cache.py"))
    assert cache._code_version() != before


def test_every_test_run_has_its_own_cache_folder():
    from converter.render import cache

    folder = cache._cache_dir()
    assert not folder.is_relative_to(Path.home() / ".cache")
    assert "xdg-cache" in str(folder)
