"""Reading portal pages: the saved 平潭 年报 column (tests/data/portal/), pagination shapes of common
CMSs, report titles, 发布时间, attachments, meta refresh, image-only tables, and encodings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from converter.library.collect import portal

DATA = Path(__file__).parent / "data"
COLUMN = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def saved(name: str) -> str:
    return (DATA / "portal" / "zfxxgknb" / name).read_text(encoding="utf-8")


def test_the_saved_column_page_lists_its_reports_with_dates_and_the_script_built_page_count():
    listing = portal.parse_list(saved("index.htm"), COLUMN)
    assert [(r.year, r.listed_date, r.url.rsplit("/", 1)[1]) for r in listing.reports] == [
        (2024, dt.date(2025, 3, 10), "t20250310_97791.htm"),
        (2023, dt.date(2024, 3, 8), "t20240308_87885.htm"),
        (2022, dt.date(2023, 2, 20), "t20230220_80629.htm"),
    ]
    assert listing.reports[0].title == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert listing.pages == [COLUMN + "index_1.htm"]  # recordCount '5', prepage 3: two pages


def test_a_letter_in_the_column_is_not_a_report():
    listing = portal.parse_list(saved("index_1.htm"), COLUMN + "index_1.htm")
    assert [r.title for r in listing.reports] == ["平潭综合实验区地方税务局2013年信息公开年度报告"]
    assert listing.pages == [COLUMN + "index.htm"]


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("平潭综合实验区2024年度政府信息公开工作年度报告", 2024),
        ("某某县人民政府2023年政府信息公开年报", 2023),
        ("2022年 政务公开年报", 2022),
        ("关于2014年政府信息公开工作要点落实情况的函", None),
        ("政府信息公开工作年度报告", None),  # no year
        ("2023年度部门决算", None),
    ],
)
def test_report_titles(title, year):
    assert portal.report_year(title) == year


LIST = """<html><body><ul>
<li><a href="./202401/t20240115_1.html">某某局2023年政府信息公开工作年度报告</a><span>2024-01-15</span></li>
<li><a href="/attach/2022nb.pdf" title="某某局2022年政府信息公开工作年度报告">2022年报</a>2023/01/20</li>
<li><a href="javascript:void(0)">某某局2021年政府信息公开工作年度报告</a></li>
</ul>{pager}{script}</body></html>"""


@pytest.mark.parametrize(
    ("pager", "script", "url", "pages"),
    [
        (
            '<a href="index_1.html">下一页</a><a href="index_3.html">尾页</a>',
            "",
            "http://a.gov.cn/c/index.html",
            ["index_1.html", "index_3.html", "index_2.html"],
        ),
        (
            "",
            '<script>createPageHTML(3, 0, "index", "shtml");</script>',
            "http://a.gov.cn/c/",
            ["index_1.shtml", "index_2.shtml"],
        ),
        (
            "",
            "<script>createPageHTML('page_div',4, 1,'index','html',57);</script>",
            "http://a.gov.cn/c/index_1.html",
            ["index.html", "index_2.html", "index_3.html"],
        ),
        ("", "<script>var countPage = 2//共多少页</script>", "http://a.gov.cn/c/index.htm", ["index_1.htm"]),
        ('<a href="?page=2">下一页</a>', "", "http://a.gov.cn/c/list.jsp", ["list.jsp?page=2"]),
        ('<a href="javascript:goPage(2)">下一页</a>', "", "http://a.gov.cn/c/", []),
    ],
)
def test_pagination_shapes(pager, script, url, pages):
    listing = portal.parse_list(LIST.format(pager=pager, script=script), url)
    base = url.rsplit("/", 1)[0] + "/"
    assert listing.pages == [base + p if not p.startswith("http") else p for p in pages]


def test_links_to_files_are_reports_too_and_script_links_are_not():
    listing = portal.parse_list(LIST.format(pager="", script=""), "http://a.gov.cn/c/")
    assert [(r.year, r.is_file, r.listed_date) for r in listing.reports] == [
        (2023, False, dt.date(2024, 1, 15)),
        (2022, True, dt.date(2023, 1, 20)),
    ]


def test_the_real_2022_page_gives_its_publication_date_from_its_metadata():
    text = (DATA / "published" / "pingtan-2022.html").read_text(encoding="utf-8")
    detail = portal.parse_detail(text, COLUMN + "202302/t20230220_80629.htm")
    assert detail.title == "平潭综合实验区2022年度政府信息公开工作年度报告"
    assert (detail.published, detail.published_from) == (dt.date(2023, 2, 20), "页面元数据 PubDate")
    assert detail.tables == 3 and not detail.image_only and detail.attachments == []


@pytest.mark.parametrize(
    ("words", "date", "source"),
    [
        (
            "<span>发布时间：2024-01-31 10:00</span><span>时间：2024-02-02</span>",
            dt.date(2024, 1, 31),
            "页面“发布时间”",
        ),
        ("<p>来源：某某局 时间：2025-03-10 15:35</p>", dt.date(2025, 3, 10), "页面“时间”"),
        ("<p>发布日期：2023年1月20日</p>", dt.date(2023, 1, 20), "页面“发布日期”"),
        ("<p>发布日期：2023-02-30</p>", None, ""),  # no such day: not guessed
        ("<p>二〇二四年一月</p>", None, ""),
    ],
)
def test_publication_date_from_the_page_text(words, date, source):
    detail = portal.parse_detail(
        f"<html><body>{words}<div><p>正文</p></div></body></html>", "http://a.gov.cn/1.htm"
    )
    assert (detail.published, detail.published_from) == (date, source)


def test_tables_published_as_pictures_are_seen():
    detail = portal.parse_detail(saved("t20250310_97791.htm"), COLUMN + "202503/t20250310_97791.htm")
    assert detail.image_only and detail.images == 3 and detail.tables == 0
    assert detail.published == dt.date(2025, 3, 10)


def test_an_attachment_named_only_by_its_link_text():
    detail = portal.parse_detail(saved("t20240308_87885.htm"), COLUMN + "202403/t20240308_87885.htm")
    assert detail.attachments == [
        portal.Attachment(
            "https://www.pingtan.gov.cn/protect/P0202403085367/download.jsp?fileid=87885",
            "平潭综合实验区2023年度政府信息公开工作年度报告.pdf",
            ".pdf",
        )
    ]


def test_attachments_outside_the_article_are_taken_only_when_named_as_reports():
    text = """<html><body><div class="nav"><a href="/files/guide.pdf">办事指南.pdf</a>
    <a href="/files/nb.docx">2023年度报告全文</a><a href="/down?id=9">下载附件 2023年报.wps</a></div>
    <div class="article"><p>正文</p><p><a href="/u/1.doc">附表</a></p></div></body></html>"""
    found = portal.parse_detail(text, "http://a.gov.cn/c/1.htm").attachments
    assert [(a.url.rsplit("/", 1)[1], a.suffix) for a in found] == [
        ("nb.docx", ".docx"),
        ("down?id=9", ".wps"),
        ("1.doc", ".doc"),
    ]


def test_meta_refresh():
    text = '<html><head><META HTTP-EQUIV="Refresh" CONTENT="0;URL=../2024/t1.html"></head></html>'
    assert portal.meta_refresh(text, "http://a.gov.cn/c/old/index.html") == "http://a.gov.cn/c/2024/t1.html"
    assert portal.meta_refresh('<meta http-equiv="refresh" content="30">', "http://a.gov.cn/") is None


GBK_PAGE = saved("t20140225_80774.htm")


@pytest.mark.parametrize(
    ("declared_in_page", "header", "encoding"),
    [
        ("gb2312", None, "gbk"),  # declared in the page
        ("gb2312", "gbk", "gbk"),  # and by the server
        (None, None, "gbk"),  # undeclared
        ("utf-8", "utf-8", "gbk"),  # declared UTF-8, saved in GBK
        ("gb2312", None, "utf-8"),  # declared GBK, saved in UTF-8
        ("gb2312", None, "gb18030"),
    ],
)
def test_encodings(declared_in_page, header, encoding):
    page = GBK_PAGE.replace('charset="gb2312"', f'charset="{declared_in_page}"' if declared_in_page else "")
    decoded = portal.decode_page(page.encode(encoding), header)
    assert decoded.text == page
    assert "平潭综合实验区地方税务局" in portal.parse_detail(decoded.text, "http://a.gov.cn/").title


@given(
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=8, max_size=200),
    st.sampled_from(["utf-8", "gb18030"]),
    st.sampled_from([None, "utf-8", "gbk", "gb2312", "iso-8859-1"]),
)
def test_chinese_text_is_decoded_whatever_is_declared(text, encoding, declared):
    page = f"<html><head><meta charset='{declared}'></head><body>{text}</body></html>" if declared else text
    assert portal.decode_page(page.encode(encoding)).text == page


@pytest.mark.parametrize(
    ("title", "organ"),
    [
        ("平潭综合实验区2024年度政府信息公开工作年度报告", "平潭综合实验区"),
        ("平潭综合实验区地方税务局2013年信息公开年度报告", "平潭综合实验区地方税务局"),
        ("2023年政府信息公开工作年度报告", ""),
    ],
)
def test_the_organ_a_title_names(title, organ):
    from converter.library.collect.run import title_organ

    assert title_organ(title) == organ


@given(st.binary(max_size=3000), st.sampled_from([None, "utf-8", "gbk", "big5", "no-such-charset"]))
def test_any_bytes_decode_and_parse_without_error(data, header):
    text = portal.decode_page(data, header).text
    portal.parse_list(text, "http://a.gov.cn/c/")
    portal.parse_detail(text, "http://a.gov.cn/c/1.htm")
