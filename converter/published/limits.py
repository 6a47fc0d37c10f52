"""The limits reading a published report is held to, as README documents them (generated from the
readers' constants, so the numbers cannot drift)."""

from __future__ import annotations

from ..read.ooxml_kind import MAX_REPORT_XML
from . import read_docx, read_html, read_pdf, read_text

MiB = 1024 * 1024


def published_limits_markdown() -> str:
    """What reading a published report (`xxgk import`/`audit`/`compare`) is bounded by."""
    rows = (
        ("PDF 的页数", f"{read_pdf.MAX_PAGES}"),
        ("PDF 一页的内容（解压后，含页面引用的表单）", f"{read_pdf.MAX_PAGE_STREAM // MiB} MiB"),
        ("PDF 一页显示的字符数", f"{read_pdf.MAX_PAGE_CHARS:,}"),
        ("PDF 全文显示的字符数", f"{read_pdf.MAX_FILE_CHARS:,}"),
        (
            f"PDF 全文的绘制操作数（表单每绘制一次计 {read_pdf.FORM_WEIGHT} 个）",
            f"{read_pdf.MAX_OPERATIONS:,}",
        ),
        ("读取一个 PDF 的时间", f"{read_pdf.MAX_SECONDS:g} 秒"),
        ("Word 报告正文（word/document.xml）解压后的大小", f"{MAX_REPORT_XML // MiB} MiB"),
        ("Word 报告一个表格的单元格数（合并单元格展开后）", f"{read_docx.MAX_TABLE_CELLS:,}"),
        ("Word 报告一个表格读取的列数（更宽的跨列在此截断）", f"{read_docx.MAX_GRID_COLUMNS}"),
        ("网页文件的大小", f"{read_html.MAX_HTML_BYTES // MiB} MiB"),
        ("文本、Markdown 文件的大小", f"{read_text.MAX_TEXT_BYTES // MiB} MiB"),
        ("文本、Markdown 文件的行数", f"{read_text.MAX_TEXT_LINES:,}"),
        ("单个文件网页（.mht）中的多部分（multipart）段数", f"{read_html.MAX_MHT_PARTS}"),
    )
    lines = [
        "### 读取已发布报告的限制",
        "",
        "`xxgk import`、`audit`、`compare` 读取已发布的报告时，超过以下限制即停止读取并说明原因（退出码 3）；"
        "损坏或加密的 PDF 同样给出中文说明。`audit` 中一份文件无法读取，不影响其余报告的审核。",
        "",
        "| 项目 | 上限 |",
        "|---|---|",
        *[f"| {what} | {limit} |" for what, limit in rows],
    ]
    return "\n".join(lines)
