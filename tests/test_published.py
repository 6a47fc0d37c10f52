"""xxgk import: published reports (.docx, .pdf, .html, .txt) read back into the report model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES, soffice_path
from published_inputs import find_row, relabel, report_html

from converter.check.rules import check
from converter.core.errors import UnreadableInput
from converter.core.model import Report
from converter.format import official as fmt
from converter.published import import_report, sniff_published
from converter.published.tables import table3_targets
from converter.read.report_json import report_from_dict

DATA = Path(__file__).resolve().parent / "data" / "published"
NAMES = ("huaian-2024", "oumiao-2024")
KINDS = ("built.docx", "lo.docx", "lo.html", "lo.pdf", "layout.txt")


def sample(name: str) -> Report:
    return report_from_dict(json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def codes(imported) -> list[tuple[str, str]]:
    return sorted((n.severity, n.code) for n in imported.notes)


def _soffice_all(sources: list[Path], target: str, outdir: Path) -> None:
    profile = Path("/tmp") / f"xxgk-lo-import-{os.getpid()}"
    try:
        subprocess.run(
            [soffice_path(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
             "--outdir", str(outdir), *map(str, sources)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Each sample built to .docx, saved by LibreOffice as .docx, .pdf, .html, and the PDF by pdftotext."""
    if soffice_path() is None or shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice and pdftotext are required under CI=true")
        pytest.skip("soffice or pdftotext not installed")
    from converter.app import pipeline

    root = tmp_path_factory.mktemp("published")
    built = []
    for name in NAMES:
        out = root / f"{name}.docx"
        assert pipeline.build(SAMPLES / f"{name}.json", out).output == out
        built.append(out)
    for target, folder in (("pdf", "pdf"), ("html", "html"), ("docx:MS Word 2007 XML", "docx")):
        (root / folder).mkdir()
        _soffice_all(built, target, root / folder)
    files = {}
    for name in NAMES:
        files[(name, "built.docx")] = root / f"{name}.docx"
        files[(name, "lo.docx")] = root / "docx" / f"{name}.docx"
        files[(name, "lo.html")] = root / "html" / f"{name}.html"
        files[(name, "lo.pdf")] = root / "pdf" / f"{name}.pdf"
        txt = root / f"{name}.txt"
        subprocess.run(["pdftotext", "-layout", str(files[(name, "lo.pdf")]), str(txt)], check=True)
        files[(name, "layout.txt")] = txt
    return files


@pytest.mark.soffice
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_every_format_round_trips_the_sample(published, name, kind):
    expected = sample(name)
    imported = import_report(published[(name, kind)])
    assert imported.report.values == expected.values
    assert imported.errors == []
    info = imported.report.info
    assert (info.org, info.year, info.date, info.title) == (
        expected.info.org, expected.info.year, expected.info.date, expected.info.title,
    )  # fmt: skip
    assert [p.heading for p in imported.report.sections["overview"]] == [
        p.heading for p in expected.sections["overview"]
    ]


@pytest.mark.parametrize("name", NAMES)
def test_generated_portal_page_round_trips(tmp_path, name):
    report = sample(name)
    page = tmp_path / "page.htm"
    page.write_text(report_html(report), encoding="utf-8")
    imported = import_report(page)
    assert imported.report.values == report.values
    assert imported.notes == [] or all(n.severity == "warning" for n in imported.notes)


def test_gbk_page(tmp_path):
    report = sample("huaian-2024")
    page = tmp_path / "page.html"
    page.write_bytes(report_html(report, charset="gb2312").encode("gb18030"))
    assert import_report(page).report.values == report.values


# --------------------------------------------------------------------------- real published files


def published_numbers(name: str) -> dict[str, object]:
    data = json.loads((DATA / "published-tables.json").read_text(encoding="utf-8"))["reports"][name]
    rows = {t.label: t.key for t in table3_targets() if not t.group_of}
    columns = [k for k, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]
    out: dict[str, object] = {}
    for label, values in data["table3"].items():
        out.update({f"applications.{rows[label]}.{c}": v for c, v in zip(columns, values, strict=True)})
    review = [f"{g}.{o}" for g, _ in fmt.REVIEW_GROUPS for o, _ in fmt.REVIEW_OUTCOMES]
    out.update(zip(review, data["table4"], strict=True))
    t2 = data["table2"]
    for label, key in (("规章", "regulations"), ("行政规范性文件", "normative_documents")):
        out.update(
            {
                f"proactive.{key}.{c}": v
                for c, v in zip(("issued", "repealed", "in_force"), t2[label], strict=True)
            }
        )
    out["proactive.licensing.decisions"] = t2["行政许可"]
    out["proactive.penalty.decisions"] = t2["行政处罚"]
    out["proactive.enforcement.decisions"] = t2["行政强制"]
    out["proactive.admin_fees.amount"] = Decimal(t2["行政事业性收费_万元"])
    return out


@pytest.mark.parametrize(
    ("name", "notes"),
    [
        ("hongze-2024.pdf", [("warning", "group_one_row"), ("warning", "label_variant")]),
        ("pingtan-2022.html", [("warning", "heading_variant"), ("warning", "organ_type_unknown")]),
    ],
)
def test_real_files_import_to_their_printed_numbers(name, notes):
    imported = import_report(DATA / name)
    values = imported.report.values
    assert {k: values[k] for k in published_numbers(name)} == published_numbers(name)
    assert codes(imported) == notes


def test_real_pdf_notes_say_what_and_where():
    imported = import_report(DATA / "hongze-2024.pdf")
    variant = next(n for n in imported.notes if n.code == "label_variant")
    assert variant.field == "applications.withheld.prohibited_by_law.natural_person"
    assert variant.position.page == 3
    assert "2.其他法律行政止公开" in variant.message
    assert variant.position.text.startswith("第3页 表三“2.其他法律行政")
    info = imported.report.info
    assert (info.org, info.year, info.organ_type) == ("淮安市洪泽区人民政府", 2024, "人民政府")
    assert imported.report.values["fees.collected"] == 0


def test_real_page_heading_with_stray_word():
    imported = import_report(DATA / "pingtan-2022.html")
    heading = next(n for n in imported.notes if n.code == "heading_variant")
    assert heading.field == "sections.review"
    assert "行政法复议" in heading.message
    assert imported.report.info.title == "平潭综合实验区2022年度政府信息公开工作年度报告"
    assert imported.report.info.year == 2022
    assert not any(n.code == "section_missing" for n in imported.notes)


@pytest.mark.parametrize(
    ("name", "file"), [("huaian-2024", "huaian-2024-report.txt"), ("oumiao-2024", "oumiao-2024-report.txt")]
)
def test_real_texts_import_to_the_samples_numbers(name, file):
    imported = import_report(DATA / file)
    assert imported.report.values == sample(name).values
    assert imported.errors == []


# --------------------------------------------------------------------------- departures tolerated


def page(tmp_path: Path, report: Report, change) -> Path:
    path = tmp_path / "report.html"
    path.write_text(report_html(report, change), encoding="utf-8")
    return path


def test_misprinted_labels_are_read_and_reported(tmp_path):
    report = sample("huaian-2024")

    def misprint(tables):
        relabel(tables["proactive"], "本年废止件数", "本年废纸件数")
        relabel(tables["proactive"], "现行有效件数", "先行有效件数")
        relabel(
            tables["applications"], fmt.APPLICATIONS_CORNER, fmt.APPLICATIONS_CORNER.replace("勾稽", "钩稽")
        )
        relabel(tables["applications"], "2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
        relabel(tables["applications"], "（一）予以公开", "(一) 予以\n公开")  # half-width, space, line break

    imported = import_report(page(tmp_path, report, misprint))
    assert imported.report.values == report.values
    [note] = imported.notes
    assert (note.code, note.severity) == ("label_variant", "warning")
    assert note.position.row == "2.其他法律行政法规禁止公开"
    assert "印作“2.其他法律行政止公开”" in note.message


def test_group_printed_as_one_zero_row(tmp_path):
    report = sample("oumiao-2024")

    def collapse(tables):
        rows = tables["applications"]
        first = find_row(rows, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
        rows[first] = [("（六）其他处理", 1, 2)] + [("0", 1, 1)] * 7
        del rows[first + 1 : first + 3]
        rows[find_row(rows, "（一）予以公开")][0] = ("三、本年度办理结果", 20, 1)

    imported = import_report(page(tmp_path, report, collapse))
    assert imported.report.values == report.values
    assert codes(imported) == [("warning", "group_one_row")]


def test_group_printed_as_one_row_with_numbers_is_not_split(tmp_path):
    report = sample("huaian-2024")

    def collapse(tables):
        rows = tables["applications"]
        first = find_row(rows, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
        rows[first] = [("（六）其他处理", 1, 2)] + [(str(v), 1, 1) for v in (181, 5, 0, 0, 1, 0, 187)]
        del rows[first + 1 : first + 3]
        rows[find_row(rows, "（一）予以公开")][0] = ("三、本年度办理结果", 20, 1)

    imported = import_report(page(tmp_path, report, collapse))
    values = imported.report.values
    items = [k for k in values if k.startswith("applications.other.")]
    assert len(items) == 21 and all(values[k] is None for k in items)
    assert codes(imported) == [("error", "group_one_row")]
    assert {k: v for k, v in values.items() if k not in items} == {
        k: v for k, v in report.values.items() if k not in items
    }


def test_value_cells_merged_across_rows_stay_blank(tmp_path):
    report = sample("oumiao-2024")

    def merge(tables):
        rows = tables["applications"]
        r = find_row(rows, "2.重复申请")
        rows[r][1] = ("0", 2, 1)  # 自然人 of 2.重复申请 and 3.要求提供公开出版物 in one cell
        del rows[r + 1][1]

    imported = import_report(page(tmp_path, report, merge))
    values = imported.report.values
    assert values["applications.not_processed.repeated.natural_person"] == 0
    assert values["applications.not_processed.publications.natural_person"] is None
    [note] = imported.notes
    assert (note.code, note.severity, note.field) == (
        "merged_value", "error", "applications.not_processed.publications.natural_person",
    )  # fmt: skip
    assert note.position.text == "表三“3.要求提供公开出版物”行“自然人”列"


def test_table2_without_its_regulations_row(tmp_path):
    report = sample("oumiao-2024")

    def drop(tables):
        del tables["proactive"][find_row(tables["proactive"], "规章")]

    imported = import_report(page(tmp_path, report, drop))
    values = imported.report.values
    assert [values[f"proactive.regulations.{c}"] for c in ("issued", "repealed", "in_force")] == [None] * 3
    assert values["proactive.normative_documents.in_force"] == 0
    assert codes(imported) == [("warning", "row_missing")]


def test_extra_column_and_extra_table(tmp_path):
    report = sample("huaian-2024")

    def extra(tables):
        rows = tables["applications"]
        rows[0].insert(2, ("备注", 3, 1))  # after the corner and 申请人情况
        for r in range(3, len(rows)):
            rows[r].append(("—", 1, 1))
        tables["review"].append([("附：本年度依申请公开办理 3119 件", 1, 15)])

    body = report_html(report, extra).replace(
        "</div><div class='footer'>",
        "<table><tr><td>序号</td><td>1</td><td>2</td><td>3</td></tr></table></div><div class='footer'>",
    )
    path = tmp_path / "extra.html"
    path.write_text(body, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values


def test_unreadable_value_is_a_note_never_a_number(tmp_path):
    report = sample("huaian-2024")

    def blank(tables):
        rows = tables["applications"]
        r = find_row(rows, "2.重复申请")
        rows[r][2] = ("无", 1, 1)  # 商业企业

    imported = import_report(page(tmp_path, report, blank))
    assert imported.report.values["applications.not_processed.repeated.commercial"] is None
    [note] = imported.notes
    assert note.code == "unreadable_value" and "印作“无”" in note.message
    assert note.position.column == "商业企业"


def test_wrong_number_of_values_on_a_text_line(tmp_path):
    text = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    line = "             2.重复申请                   25        0        0         0        0         0    25"
    assert line in text
    path = tmp_path / "short.txt"
    path.write_text(text.replace(line, line.replace("        0         0    25", "    25")), encoding="utf-8")
    imported = import_report(path)
    keys = [f"applications.not_processed.repeated.{c}" for c, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]
    assert all(imported.report.values[k] is None for k in keys)
    assert ("error", "value_count") in codes(imported)


# --------------------------------------------------------------------------- mutations are caught


def test_changed_value_in_a_word_file_is_caught_at_its_row_and_column(tmp_path):
    import docx

    from converter.app import pipeline

    built = pipeline.build(SAMPLES / "huaian-2024.json", tmp_path / "r.docx").output
    document = docx.Document(str(built))
    table = next(t for t in document.tables if "属于国家秘密" in "".join(c.text for c in t.columns[2].cells))
    row = next(r for r in table.rows if r.cells[2].text == "1.属于国家秘密")
    row.cells[4].paragraphs[0].runs[0].text = "3"  # 商业企业: 0 → 3
    document.save(str(tmp_path / "changed.docx"))
    imported = import_report(tmp_path / "changed.docx")
    report = imported.report
    assert report.values["applications.withheld.state_secret.commercial"] == 3
    changed = {k for k, v in report.values.items() if v != sample("huaian-2024").values[k]}
    assert changed == {"applications.withheld.state_secret.commercial"}
    findings = {
        (f.rule, f.field): str(f.position) for f in (g.placed(imported.locate) for g in check(report))
    }
    r2 = findings[("R2", "applications.withheld.state_secret.total")]  # the row: 总计 ≠ the applicants
    assert "1.属于国家秘密" in r2 and "总计" in r2, r2
    r1 = findings[("R1", "applications.total.commercial")]  # the column: （七）总计 ≠ the outcomes
    assert "（七）总计" in r1 and "商业企业" in r1, r1


def test_changed_value_in_layout_text_is_caught(tmp_path):
    text = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    old = "72   64    178    37    351   13"
    path = tmp_path / "changed.txt"
    path.write_text(text.replace(old, "72   64    178    37    350   13"), encoding="utf-8")
    report = import_report(path).report
    assert report.values["review.total"] == 350
    assert ("R3", "review.total") in {(f.rule, f.field) for f in check(report)}


# --------------------------------------------------------------------------- what a file is


def test_kind_is_found_by_content_not_extension(tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_bytes((DATA / "oumiao-2024-report.txt").read_bytes())
    assert sniff_published(fake) == "text"
    assert import_report(fake).report.values == sample("oumiao-2024").values
    page_ = tmp_path / "page.txt"
    page_.write_bytes((DATA / "pingtan-2022.html").read_bytes())
    assert sniff_published(page_) == "html"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "空文件"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "97-2003"),
        (b"\x00\x01\x02\x03" * 100, "不是能识别"),
    ],
)
def test_unreadable_inputs(tmp_path, content, words):
    path = tmp_path / "report.doc"
    path.write_bytes(content)
    with pytest.raises(UnreadableInput, match=words):
        import_report(path)


MINIMAL_PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj
4 0 obj<</Length 22>>stream
0 0 m 100 100 l S
endstream endobj
trailer<</Root 1 0 R>>
%%EOF"""


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(MINIMAL_PDF)
    with pytest.raises(UnreadableInput, match="没有文字层"):
        import_report(path)


def test_portal_page_laid_out_with_tables(tmp_path):
    report = sample("huaian-2024")
    body = report_html(report).replace(
        "<div class='article'>", "<table width='100%'><tr><td>导航</td><td><table><tr><td>"
    )
    body = body.replace(
        "</div><div class='footer'>", "</td></tr></table></td></tr></table><div class='footer'>"
    )
    path = tmp_path / "layout.html"
    path.write_text(body, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values
    assert imported.notes == []


def test_headings_printed_differently(tmp_path):
    report = sample("oumiao-2024")
    body = report_html(report)
    body = body.replace("<p>一、总体情况</p><p>", "<p>一．总体情况 ")  # runs into its first paragraph
    body = body.replace("五、存在的主要问题及改进情况", "五、存在的主要问题及改进情况及明年工作计划")
    path = tmp_path / "headings.html"
    path.write_text(body, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values
    first = imported.report.sections["overview"][0].body
    assert first.startswith("2024年，欧庙镇政府认真贯彻落实")
    [note] = imported.notes
    assert (note.code, note.field) == ("heading_variant", "sections.problems")
    assert "及明年工作计划" in note.message
    assert imported.report.sections["problems"][0].body.startswith("虽然取得了一定的成效")


def test_missing_licensing_row_is_an_error(tmp_path):
    report = sample("oumiao-2024")

    def drop(tables):
        del tables["proactive"][find_row(tables["proactive"], "行政许可")]

    imported = import_report(page(tmp_path, report, drop))
    assert imported.report.values["proactive.licensing.decisions"] is None
    assert codes(imported) == [("error", "row_missing")]


@pytest.mark.parametrize(
    "first_row_continued",
    [
        "2.重复申请",  # 11 rows go on: recognised as 表三 by its own labels
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",  # 4 rows
        "3.其他</td><td>108",  # 3 rows: too few to be recognised alone, joined to the 表三 before it
    ],
    ids=["11-rows", "4-rows", "3-rows"],
)
def test_table3_continued_in_a_second_table(tmp_path, first_row_continued):
    report = sample("huaian-2024")
    body = report_html(report)
    cut = body.index(f"<tr><td>{first_row_continued}")
    body = body[:cut] + "</table><p>（续表）</p><table border='1'>" + body[cut:]
    path = tmp_path / "split.html"
    path.write_text(body, encoding="utf-8")
    imported = import_report(path)
    assert imported.report.values == report.values
    assert imported.notes == []


def test_report_in_the_2019_format_says_so(tmp_path):
    report = sample("oumiao-2024")
    body = (
        report_html(report)
        .replace("第二十条第（一）项", "本年新制作数量")
        .replace("第二十条第（五）项", "本年新公开数量")
    )
    path = tmp_path / "old.html"
    path.write_text(body, encoding="utf-8")
    notes = import_report(path).notes
    assert [n.code for n in notes if n.severity == "error"] == ["format_2019"]


def test_word_row_starting_after_the_first_column_keeps_its_columns(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from converter.published.read_docx import read_docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate("abc"):
        table.cell(0, c).text = text
    tr = table.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    tr.get_or_add_trPr().append(before)
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "B", "C"
    document.save(str(tmp_path / "t.docx"))
    [grid] = read_docx(tmp_path / "t.docx").blocks[-1:]
    assert [[c.text for c in row] for row in grid.rows] == [["a", "b", "c"], ["", "B", "C"]]


@pytest.mark.soffice
def test_blank_cell_in_a_pdf_row_is_placed_by_its_column(tmp_path, soffice):
    import docx

    from converter.app import pipeline

    built = pipeline.build(SAMPLES / "huaian-2024.json", tmp_path / "r.docx").output
    document = docx.Document(str(built))
    table = next(t for t in document.tables if "属于国家秘密" in "".join(c.text for c in t.columns[2].cells))
    row = next(r for r in table.rows if r.cells[2].text == "1.属于国家秘密")
    row.cells[4].paragraphs[0].runs[0].text = ""  # 商业企业 left blank
    document.save(str(tmp_path / "blank.docx"))
    pdf = soffice(tmp_path / "blank.docx", "pdf", tmp_path)
    imported = import_report(pdf)
    key = "applications.withheld.state_secret.commercial"
    assert imported.report.values[key] is None
    others = {k: v for k, v in imported.report.values.items() if k != key}
    assert others == {k: v for k, v in sample("huaian-2024").values.items() if k != key}
    [note] = imported.errors
    assert (note.field, note.code, note.position.column) == (key, "unreadable_value", "商业企业")
    assert note.position.page == 5


def test_pdf_row_with_a_value_between_two_columns_is_not_placed():
    from converter.published.rows import ValueCell, place_by_position

    centers = [100.0, 130.0, 160.0]
    assert [v.text for v in place_by_position([ValueCell("1", x=101), ValueCell("2", x=159)], centers)] == [
        "1",
        "",
        "2",
    ]
    assert place_by_position([ValueCell("1", x=101), ValueCell("2", x=145)], centers) is None
    assert place_by_position([ValueCell("1", x=101), ValueCell("2", x=103)], centers) is None
    assert place_by_position([ValueCell("1"), ValueCell("2", x=160)], centers) is None


WRAPPED_ROW = "             1.属于国家秘密            2          0        0        0        0    0    2\n"
REVIEW_ROW = (
    "72   64    178    37    351   13    4        8        1        26   12   1     1    6       20\n"
)


@pytest.mark.parametrize(
    ("line", "fragment", "keys"),
    [
        (
            WRAPPED_ROW,
            "                                          56\n",
            ("applications.withheld.state_secret.", "applications.withheld.prohibited_by_law."),
        ),
        (REVIEW_ROW, "                        1\n", ("review.", "litigation_")),
    ],
)
def test_digits_wrapped_in_a_narrow_cell_are_never_read_as_a_number(tmp_path, line, fragment, keys):
    """`2413656` printed as `24136` over `56`: the rows beside it are not read, rather than read wrong."""
    text = (DATA / "huaian-2024-report.txt").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "wrapped.txt"
    path.write_text(text.replace(line, line + fragment), encoding="utf-8")
    imported = import_report(path)
    expected = sample("huaian-2024").values
    read = imported.report.values
    assert all(read[k] is None for k in read if k.startswith(keys))
    assert {k for k in read if read[k] != expected[k]} == {k for k in read if k.startswith(keys)}
    assert {n.code for n in imported.errors} == {"wrapped_number"}
    assert len(imported.errors) == (1 if keys[0] == "review." else 2)  # one note a row


@pytest.mark.soffice
def test_any_large_figures_through_a_pdf_come_back_right_or_blank(tmp_path):
    """Up to seven digits in narrow cells wrap in the PDF: each figure is right, or blank with an error."""
    import random

    from factories import consistent_report

    from converter.render.docx import render_report

    rng = random.Random(7)
    reports = []
    for i in range(2):
        report = consistent_report()
        for key, spec in fmt.VALUES.items():
            if spec.kind is fmt.Kind.COUNT:
                report.values[key] = rng.choice(
                    [0, rng.randint(0, 99), rng.randint(0, 10 ** rng.randint(3, 7))]
                )
            else:
                report.values[key] = Decimal(rng.randint(0, 10**8)) / 100
        for key in ("proactive", "applications", "review"):
            report.sections[key] = []
        render_report(report, tmp_path / f"r{i}.docx")
        reports.append(report)
    _soffice_all([tmp_path / "r0.docx", tmp_path / "r1.docx"], "pdf", tmp_path)
    codes_seen = set()
    for i, report in enumerate(reports):
        pdf = tmp_path / f"r{i}.pdf"
        txt = tmp_path / f"r{i}.txt"
        subprocess.run(["pdftotext", "-layout", str(pdf), str(txt)], check=True)
        for path in (pdf, txt):
            imported = import_report(path)
            read = imported.report.values
            assert {k for k, v in read.items() if v is not None and v != report.values[k]} == set()
            assert imported.errors or read == report.values
            codes_seen |= {n.code for n in imported.errors}
    assert "wrapped_number" in codes_seen  # the hazard this test is about did occur


def test_values_printed_with_their_unit(tmp_path):
    report = sample("huaian-2024")

    def units(tables):
        rows = tables["applications"]
        r = find_row(rows, "2.重复申请")
        rows[r] = [*rows[r][:1], *((f"{t}件", rs, cs) for t, rs, cs in rows[r][1:])]
        fee = find_row(tables["proactive"], "行政事业性收费")
        tables["proactive"][fee][1] = ("96171.6万元", 1, 3)

    imported = import_report(page(tmp_path, report, units))
    assert imported.report.values == report.values


def test_a_missing_table_is_one_error(tmp_path):
    report = sample("oumiao-2024")
    body = report_html(report)
    start = body.index("<table", body.index("三、收到和处理政府信息公开申请情况"))
    body = body[:start] + body[body.index("</table>", start) + len("</table>") :]
    path = tmp_path / "no-table3.html"
    path.write_text(body, encoding="utf-8")
    imported = import_report(path)
    assert [(n.code, n.position.table) for n in imported.errors] == [("table_missing", "表三")]
    assert all(v is None for k, v in imported.report.values.items() if k.startswith("applications."))


def test_page_saved_as_a_single_file_mht(tmp_path):
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    report = sample("huaian-2024")
    message = MIMEMultipart("related")
    message.attach(MIMEText(report_html(report, charset="gb2312"), "html", "gb2312"))
    path = tmp_path / "saved.mht"
    path.write_bytes(message.as_bytes())
    assert sniff_published(path) == "html"
    assert import_report(path).report.values == report.values


def test_a_page_without_the_report_is_unreadable(tmp_path):
    path = tmp_path / "notice.html"
    path.write_text("<html><body><div>首页</div><p>附件：2024年报告.pdf</p></body></html>", encoding="utf-8")
    with pytest.raises(UnreadableInput, match=r"notice\.html 中没有找到年度报告"):
        import_report(path)


def test_text_above_a_table_that_opens_like_its_header_is_kept(tmp_path):
    report = sample("oumiao-2024")
    report.sections["review"][0].body = "行政复议、行政诉讼情况见下表。"
    imported = import_report(page(tmp_path, report, None))
    assert imported.report.sections["review"][0].body == "行政复议、行政诉讼情况见下表。"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2025年1月17日", (2025, 1, 17)),
        ("2025 年 3 月 31 日", (2025, 3, 31)),
        ("二〇二五年一月十七日", (2025, 1, 17)),
        ("二○二五年十二月三十一日", (2025, 12, 31)),
        ("二〇二五年二月十日", (2025, 2, 10)),
        ("2025年1月", None),
        ("截至2025年1月17日", None),
    ],
)
def test_signing_dates(text, parts):
    from converter.published.sections import date_parts

    assert date_parts(text) == parts


def test_signature_with_a_date_in_chinese_numerals(tmp_path):
    report = sample("oumiao-2024")
    body = report_html(report).replace(
        "<p>襄城区欧庙镇人民政府</p>", "<p>襄城区欧庙镇人民政府</p><p>二〇二五年一月十七日</p>"
    )
    path = tmp_path / "signed.html"
    path.write_text(body, encoding="utf-8")
    info = import_report(path).report.info
    assert (info.org, info.date.isoformat(), info.organ_type) == (
        "襄城区欧庙镇人民政府",
        "2025-01-17",
        "乡镇街道",
    )


@pytest.mark.parametrize(("declared", "saved"), [("gb2312", "utf-8"), ("utf-8", "gb18030")])
def test_page_saved_in_another_charset_than_declared(tmp_path, declared, saved):
    report = sample("huaian-2024")
    path = tmp_path / "page.html"
    path.write_bytes(report_html(report, charset=declared).encode(saved))
    assert import_report(path).report.values == report.values


def test_positions_printed_and_located_like_findings_positions():
    imported = import_report(DATA / "hongze-2024.pdf")
    position = imported.locate("applications.new.natural_person")
    assert str(position) == position.text == "第3页 表三“一、本年新收政府…”行“自然人”列"
    assert position.to_dict()["page"] == 3
    assert str(imported.locate("review.total")) == "第4页 表四“行政复议·总计”列"
    assert str(imported.locate("fees.collected")) == "六、其他需要报告的事项"
    assert imported.locate("info.date") is None


SPAN_CHILD = """
import json, resource, sys, time, tracemalloc
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a span taken at its word: no swapping
from converter.published import import_report
tracemalloc.start()
started = time.perf_counter()
imported = import_report(sys.argv[1])
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak": tracemalloc.get_traced_memory()[1],
                  "new": imported.report.values["applications.new.total"]}))
"""


def test_a_cell_spanning_a_billion_rows_and_columns_is_read_small_and_fast(tmp_path):
    """A hostile (or broken) page's rowspan/colspan of 10^9: spans are capped, so the grid stays small.
    In a child process with 1 GiB of address space and a timeout: a span taken at its word fails the test
    (memory or time) instead of swapping the machine."""
    import sys

    from conftest import ROOT

    report = sample("huaian-2024")
    huge = "<table border='1'><tr><td rowspan='1000000000' colspan='1000000000'>x</td><td>y</td></tr>"
    body = report_html(report).replace(
        "<table border='1'>", huge + "<tr><td>z</td></tr></table>" + "<table border='1'>", 1
    )
    path = tmp_path / "spans.html"
    path.write_text(body, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-c", SPAN_CHILD, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout)
    assert result["new"] == report.values["applications.new.total"]  # the real tables still read
    assert result["seconds"] < 2 and result["peak"] < 50 * 2**20, result
