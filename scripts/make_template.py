"""Generate converter/render/templates/default.docx, the 公文 Word template (GB/T 9704), from the format.

Run `python scripts/make_template.py` after changing the format or the layout; a test checks that the
committed template matches what this script writes.  Every table label comes from `format.TABLES` and
every section heading from `format.SECTIONS`: nothing official is typed here.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, Twips
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from converter.format import official as fmt  # noqa: E402
from converter.format.grid import column_widths, grid_rows, left_aligned, small_print  # noqa: E402
from converter.render.ppr import place_in_ppr  # noqa: E402

TEMPLATE = ROOT / "converter" / "render" / "templates" / "default.docx"

# Fonts (names as installed on Chinese Windows; elsewhere the viewer substitutes).
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
# fontTable fallbacks for machines without the GB2312 fonts (w:altName)
ALT_NAMES = {FANGSONG: "仿宋", KAITI: "楷体", XIAOBIAOSONG: "宋体", HEITI: "SimHei", SONGTI: "SimSun"}

# Chinese type sizes, in points.
ERHAO, SANHAO, SIHAO, WUHAO, XIAOWU = 22, 16, 14, 10.5, 9

LINE = Pt(28.95)  # 22 lines in the 225 mm type area
TITLE_LINE = Pt(36)
INDENT_CHARS = 2
SEAL_LINES = 3  # blank lines above the signature: room for the seal
DATE_RIGHT_CHARS = 4  # 成文日期右空四字
DATE_WIDTH_CHARS = 6.5  # "2025年1月17日": four full-width characters and five half-width digits

# Style ids are ASCII (Word and WPS both accept them); names are what the clerk sees.
STYLES = {
    "title": ("ReportTitle", "报告标题"),
    "body": ("ReportBody", "报告正文"),
    "h1": ("ReportHeading1", "一级标题"),
    "h2": ("ReportHeading2", "二级标题"),
    "h2run": ("ReportHeading2Char", "二级标题字符"),
    "cell": ("TableText", "表格文字"),
    "cell_small": ("TableTextSmall", "表格文字小五"),
    "sign": ("Signature", "落款"),
    "page": ("PageNumber", "页码"),
}


@dataclass(frozen=True)
class TableLayout:
    """How one official table is laid out: column widths (dxa), text style, cell margins."""

    widths: tuple[int, ...]
    style: str
    margin: int  # left/right cell margin, dxa
    row_height: int  # minimum row height, dxa
    left_aligned: frozenset[tuple[int, int]] = frozenset()  # (row, col) of label cells set left


def style_id(role: str) -> str:
    return STYLES[role][0]


# --------------------------------------------------------------------------- styles


def set_fonts(rpr, font: str) -> None:
    """Set every script's font, East Asian included, dropping theme fonts (they would win)."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{script}"), font)


def set_doc_defaults(doc) -> None:
    """Document defaults: 仿宋 3号, Chinese language, no space after paragraphs."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(SANHAO * 2))
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    normal = doc.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    normal.font.size = Pt(SANHAO)
    fmt_ = normal.paragraph_format
    fmt_.space_before = fmt_.space_after = Pt(0)
    fmt_.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt_.line_spacing = LINE
    fmt_.widow_control = True


def add_style(doc, role: str, base: str, font: str, size: float, kind=WD_STYLE_TYPE.PARAGRAPH):
    sid, name = STYLES[role]
    style = doc.styles.add_style(name, kind)
    style.element.styleId = sid
    style.base_style = doc.styles[base]
    style.quick_style = True
    set_fonts(style.element.get_or_add_rPr(), font)
    style.font.size = Pt(size)
    return style


def first_line_indent(style, chars: int, size: float) -> None:
    """Indent by characters (w:firstLineChars) with the equivalent twips for older readers."""
    ind = style.element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))


def add_ppr_child(style, xml: str) -> None:
    """Insert a paragraph property at its schema position."""
    child = parse_xml(xml.replace(" ", f" {nsdecls('w')} ", 1))  # `<w:tag attr/>`: declare w first
    place_in_ppr(style.element.get_or_add_pPr(), child)


def outline_level(style, level: int) -> None:
    add_ppr_child(style, f'<w:outlineLvl w:val="{level}"/>')


def add_styles(doc, text_width: int) -> None:
    set_doc_defaults(doc)
    title = add_style(doc, "title", "Normal", XIAOBIAOSONG, ERHAO)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = TITLE_LINE
    title.paragraph_format.space_after = LINE  # 标题下空一行
    title.paragraph_format.keep_with_next = True
    add_ppr_child(title, '<w:contextualSpacing w:val="1"/>')

    body = add_style(doc, "body", "Normal", FANGSONG, SANHAO)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    first_line_indent(body, INDENT_CHARS, SANHAO)

    for role, font, level in (("h1", HEITI, 0), ("h2", KAITI, 1)):
        heading = add_style(doc, role, STYLES["body"][1], font, SANHAO)
        heading.paragraph_format.keep_with_next = True
        outline_level(heading, level)
    add_style(doc, "h2run", "Default Paragraph Font", KAITI, SANHAO, WD_STYLE_TYPE.CHARACTER)

    for role, size in (("cell", WUHAO), ("cell_small", XIAOWU)):
        cell = add_style(doc, role, "Normal", SONGTI, size)
        pf = cell.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.widow_control = False
        add_ppr_child(cell, '<w:snapToGrid w:val="0"/>')

    sign = add_style(doc, "sign", "Normal", FANGSONG, SANHAO)
    sign.paragraph_format.keep_with_next = True
    char = SANHAO * 20
    axis = text_width - int((DATE_RIGHT_CHARS + DATE_WIDTH_CHARS / 2) * char)
    sign.paragraph_format.tab_stops.add_tab_stop(Twips(axis), WD_TAB_ALIGNMENT.CENTER)

    page = add_style(doc, "page", "Normal", SONGTI, SIHAO)
    page.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE


def add_font_table_fallbacks(doc) -> None:
    """Declare the 公文 fonts with a common fallback name (w:altName), charset GB2312."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for font in root.findall(qn("w:font")):
        if font.get(qn("w:name")) in ALT_NAMES:
            root.remove(font)
    for name, alt in ALT_NAMES.items():
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --------------------------------------------------------------------------- page and footers


def setup_page(doc) -> int:
    """A4 with the GB/T 9704 margins; returns the text width in dxa."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.attrib.clear()
    grid.set(qn("w:linePitch"), "579")  # no snapping grid: exact spacing sets the lines
    return section.page_width.twips - section.left_margin.twips - section.right_margin.twips


def page_number(doc, paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """`— N —`, one character in from the outer edge."""
    paragraph.style = doc.styles[STYLES["page"][1]]
    paragraph.alignment = align
    one_char = Pt(SIHAO)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = one_char
    else:
        paragraph.paragraph_format.left_indent = one_char
    paragraph.add_run("— ")
    for xml in (
        '<w:fldChar w:fldCharType="begin"/>',
        '<w:instrText xml:space="preserve"> PAGE </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        "<w:t>1</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
    ):
        paragraph.add_run()._r.append(_field_element(xml))
    paragraph.add_run(" —")


def _field_element(xml: str):
    """Parse one run child given without namespace declarations."""
    return parse_xml(f"<w:r {nsdecls('w')}>{xml}</w:r>")[0]


def add_footers(doc) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    page_number(doc, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(doc, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


# --------------------------------------------------------------------------- body


def para(doc, text: str = "", role: str = "body"):
    return doc.add_paragraph(text, style=STYLES[role][1])


def add_loop(doc, head: str, lines: list[tuple[str, str]], tail: str = "{%p endfor %}") -> None:
    para(doc, head)
    for text, role in lines:
        para(doc, text, role)
    para(doc, tail)


def add_text_section(doc, key: str) -> None:
    """Sub-heads in 楷体 (own line, or run in at the start of the first body paragraph), bodies in 仿宋."""
    para(doc, f"{{%p for item in sections.{key} %}}")
    para(doc, "{%p if item.heading and not item.run_in %}")
    para(doc, "{{ item.heading }}", "h2")
    para(doc, "{%p endif %}")
    para(doc, "{%p for text in item.paragraphs %}")
    body = para(doc, "")
    body.add_run("{%r if loop.first and item.run_in %}")
    body.add_run("{{ item.heading }}", style=STYLES["h2run"][1])
    body.add_run("{%r endif %}")
    body.add_run("{{ text }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")


def add_signature(doc) -> None:
    for _ in range(SEAL_LINES):
        para(doc, "", "sign")
    for name in ("org", "date"):
        p = para(doc, "", "sign")
        p.add_run().add_tab()
        p.add_run(f"{{{{ {name} }}}}")
    p.paragraph_format.keep_with_next = False


def build(path: Path = TEMPLATE) -> bytes:
    doc = Document()
    text_width = setup_page(doc)
    add_styles(doc, text_width)
    add_font_table_fallbacks(doc)
    add_footers(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    add_loop(doc, "{%p for line in title_lines %}", [("{{ line }}", "title")])
    add_loop(doc, "{%p for text in preamble %}", [("{{ text }}", "body")])
    for section in fmt.SECTIONS:
        para(doc, section.heading, "h1")
        add_text_section(doc, section.key)
        if section.table:
            table = fmt.TABLE_BY_ID[section.table]
            body.sectPr.addprevious(parse_xml(table_xml(table, table_layout(table, text_width))))
    add_signature(doc)
    set_properties(doc)
    drop_thumbnail(doc)
    drop_styles_with_effects(doc)
    prune_styles(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue())


def drop_thumbnail(doc) -> None:
    """python-docx's default package carries a thumbnail of another document: drop it."""
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def drop_styles_with_effects(doc) -> None:
    """python-docx's default package carries Word 2010's stylesWithEffects.xml (438 KB) that Word
    rebuilds from styles.xml when it needs it: drop it."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rid]


STYLE_REFERENCES = ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink")
STYLE_LINKS = ("w:basedOn", "w:next", "w:link")


def prune_styles(doc) -> None:
    """Keep the styles the template uses (with what they are based on, followed by or linked to)
    and each type's default; python-docx's default package defines 160 more, 300 KB of styles.xml
    parsed and written again by every build. Word and WPS still offer all built-in styles (latentStyles)."""
    styles = doc.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
    parts = [doc.element, *(s.footer._element for s in doc.sections), *_numbering(doc)]
    wanted = [_val(ref) for part in parts for name in STYLE_REFERENCES for ref in part.iter(qn(name))]
    wanted += [i for i, style in by_id.items() if style.get(qn("w:default")) == "1"]
    keep: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in keep or style_id not in by_id:
            continue
        keep.add(style_id)
        wanted += [_val(link) for name in STYLE_LINKS for link in by_id[style_id].iterchildren(qn(name))]
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)


def _numbering(doc) -> list:
    try:
        return [doc.part.numbering_part.element]
    except NotImplementedError:  # no numbering part
        return []


def _val(element) -> str:
    return element.get(qn("w:val"))


def set_properties(doc) -> None:
    props = doc.core_properties
    props.title = "政府信息公开工作年度报告"
    props.author = props.last_modified_by = "xxgk"
    props.comments = "由 scripts/make_template.py 生成；双花括号与花括号百分号之间为填充标记，请勿删除。"
    props.revision = 1
    props.created = props.modified = dt.datetime(2025, 1, 1)


def reproducible_zip(data: bytes) -> bytes:
    """The same bytes on every run: fixed timestamps in the zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- tables


def table_layout(table: fmt.Table, text_width: int) -> TableLayout:
    """Widths and alignment from the package's grid; Word's own style, margins and row height here."""
    widths = column_widths(table, text_width)
    if not small_print(table):
        return TableLayout(widths, style_id("cell"), 108, 454)
    row_height = 397 if table is fmt.APPLICATIONS else 454
    return TableLayout(widths, style_id("cell_small"), 57, row_height, left_aligned(table))


def cell_xml(cell: fmt.Cell, cont: bool, layout: TableLayout, keep: bool) -> str:
    """One cell; `keep` (keep with next) on all rows but the last holds a table on one page."""
    width = sum(layout.widths[cell.col : cell.col + cell.colspan])
    props = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
    if cell.colspan > 1:
        props.append(f'<w:gridSpan w:val="{cell.colspan}"/>')
    if cell.rowspan > 1:
        props.append("<w:vMerge/>" if cont else '<w:vMerge w:val="restart"/>')
    props.append('<w:vAlign w:val="center"/>')
    ppr = f'<w:pPr><w:pStyle w:val="{layout.style}"/>' + ("<w:keepNext/>" if keep else "")
    if (cell.row, cell.col) in layout.left_aligned:
        ppr += '<w:jc w:val="both"/>'
    ppr += "</w:pPr>"
    text = "" if cont else (cell.label or f"{{{{ {cell.key} }}}}")
    run = f"<w:r><w:t>{escape(text)}</w:t></w:r>" if text else ""
    return f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr><w:p>{ppr}{run}</w:p></w:tc>"


def table_xml(table: fmt.Table, layout: TableLayout) -> str:
    """The official grid with its merges, every cell bordered, fixed widths in dxa."""
    assert len(layout.widths) == table.ncols
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    margin = layout.margin
    rows = []
    for i, row in enumerate(grid_rows(table)):
        header = "<w:tblHeader/>" if i < table.header_rows else ""
        keep = i < table.nrows - 1
        cells = "".join(cell_xml(g.cell, g.continued, layout, keep) for g in row)
        height = f'<w:trHeight w:val="{layout.row_height}" w:hRule="atLeast"/>'
        rows.append(f"<w:tr><w:trPr><w:cantSplit/>{height}{header}</w:trPr>{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in layout.widths)
    return (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{sum(layout.widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="{margin}" w:type="dxa"/>'
        f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
        f'<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        f' w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def main() -> None:
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(build())
    print(f"wrote {TEMPLATE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
