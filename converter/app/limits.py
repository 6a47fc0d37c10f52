"""The limits every input and template is held to, as README documents them (generated from the
constants of read/ and render/, so the numbers cannot drift)."""

from __future__ import annotations

from ..read.limits import (
    MAX_CENTRAL_DIRECTORY,
    MAX_COMPRESSION_RATIO,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_TOTAL_UNCOMPRESSED,
    MAX_ZIP_ENTRIES,
    RATIO_CHECKED_ABOVE,
    MiB,
)
from ..read.ooxml_kind import MAX_TEMPLATE_XML


def limits_markdown() -> str:
    """The size limits, for README (generated, so the numbers cannot drift)."""
    rows = (
        ("工作簿、模板（zip）解压后的总大小", f"{MAX_TOTAL_UNCOMPRESSED // MiB} MiB"),
        (
            "单个部件的压缩比（部件大于 " + f"{RATIO_CHECKED_ABOVE // MiB} MiB 时）",
            f"{MAX_COMPRESSION_RATIO}:1",
        ),
        ("zip 中的部件数", f"{MAX_ZIP_ENTRIES:,}"),
        ("zip 目录大小", f"{MAX_CENTRAL_DIRECTORY // MiB} MiB"),
        ("JSON 输入文件大小", f"{MAX_JSON_BYTES // MiB} MiB"),
        ("Word 模板中每个填充部件（正文、页眉、页脚等）解压后的大小", f"{MAX_TEMPLATE_XML // MiB} MiB"),
        ("JSON 输入的嵌套层数", f"{MAX_JSON_DEPTH}"),
        ("JSON 输入中一个数字的位数（且须为有限数，不接受 NaN、Infinity）", f"{MAX_NUMBER_DIGITS}"),
    )
    lines = [
        "### 大小限制",
        "",
        "超过限制的文件在解压之前即被拒绝（防范 zip 炸弹）：",
        "",
        "| 项目 | 上限 |",
        "|---|---|",
    ]
    lines += [f"| {what} | {limit} |" for what, limit in rows]
    lines += ["", *_workbook_limits(), ""]
    lines.append(
        "此外：含 `../`、绝对路径的 zip 部件名，含 DTD/实体声明的 XML 部件，"
        "加密或旧格式（.xls/.et）文件均被拒绝；启用宏的（.docm）、Word 模板格式的（.dotx）和"
        "“Strict Open XML”格式的 Word 文件不能用作模板。"
    )
    return "\n".join([*lines, "", *_template_limits()])


def _workbook_limits() -> list[str]:
    """What reading a workbook is bounded by: only the cells the format uses, within these limits."""
    from ..format.layout import INFO_SHEET, MAX_TEXT_ROWS
    from ..read.xlsx.parts import MAX_PART_ELEMENTS
    from ..read.xlsx.sheet import MAX_SHEET_ELEMENTS

    rows = (
        (
            f"“{INFO_SHEET}”和各正文工作表读取的行数",
            f"{MAX_TEXT_ROWS:,} 行（更下面还有内容时拒绝并指出单元格）",
        ),
        ("每张读取的工作表解析的 XML 元素数", f"{MAX_SHEET_ELEMENTS:,}"),
        ("workbook.xml、关系、样式、共享字符串各解析的 XML 元素数", f"{MAX_PART_ELEMENTS:,}"),
    )
    lines = [
        "读取工作簿时只解析格式用到的工作表和单元格：另加的工作表（如粘贴的登记台账）不会被读取，",
        "共享字符串只读到用到的为止。读取的部分有以下上限：",
        "",
        "| 项目 | 上限 |",
        "|---|---|",
    ]
    return lines + [f"| {what} | {limit} |" for what, limit in rows]


def _template_limits() -> list[str]:
    """The sandbox's limits on what a Word template may compute (imported here only: jinja2 is slow)."""
    from ..render import limits as sb

    rows = (
        ("一次填充的时间", f"{sb.RENDER_SECONDS:g} 秒"),
        ("全部 `{% for %}` 循环的总次数", f"{sb.MAX_LOOP_STEPS:,}"),
        ("`range()` 的项数", f"{sb.MAX_RANGE:,}"),
        ("宏（macro）的嵌套调用层数", f"{sb.MAX_MACRO_DEPTH}"),
        ("计算出的一段文字或一个列表的大小", f"{sb.MAX_VALUE_SIZE:,} 个字符（项）"),
        ("格式化、填充的宽度和精度（`format`、`%`、`center`、`indent` 等）", f"{sb.MAX_WIDTH:,}"),
        ("重复次数（`'-' * n`）", f"{sb.MAX_REPEAT:,}"),
        ("两个整数相乘的结果", f"约 {sb.MAX_INT_BITS * 3 // 10} 位"),
        ("填充后每个部件（正文、页眉、页脚等）的大小", f"{sb.MAX_OUTPUT_CHARS:,} 个字符"),
    )
    return [
        "### 模板填充限制",
        "",
        "Word 模板在沙箱中填充（不能访问 Python 内部，也不能执行代码），并受以下限制；超出时报告模板错误"
        "（`xxgk template check` 和 `xxgk build` 都是退出码 4），并指出所在文字：",
        "",
        "| 项目 | 上限 |",
        "|---|---|",
        *[f"| {what} | {limit} |" for what, limit in rows],
        "",
        "输出文件名：默认文件名超过 255 字节（UTF-8）时缩短，保留机关名称和年度；"
        "Windows 不允许的字符和保留名（CON、NUL 等）被去掉或改写。"
        "磁盘空间不足时报告“磁盘空间不足”（退出码 5），不留下临时文件；"
        "生成过程被中断（Ctrl+C、SIGTERM）时同样删除临时文件。",
    ]
