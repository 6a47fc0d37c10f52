"""Check a clerk's Word template before it is used: typos, missing table values, broken or unsafe tags.

Each part docxtpl renders is read as lines of text (one per paragraph), normalised the way docxtpl
patches it, and parsed by the same sandboxed Jinja2 environment that renders reports; the variables
are then checked against the context a report provides. Last, a sample report is rendered for real.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2

from . import format as fmt
from .docx_package import Line, Part, deduplicated, template_parts
from .errors import TemplateError
from .fields import Problem, Usage, sample_report, walk
from .findings import FileFindings, Finding, Severity
from .safety import duplicate_entries, inspect_input
from .sandbox import make_environment

RULES = {
    "T1": "未知的变量",
    "T2": "模板没有使用表格中的统计数",
    "T3": "填充标记写法有误",
    "T4": "填充标记被拆到了多个段落或单元格",
    "T5": "不安全的填充标记",
    "T6": "试填充失败",
    "T7": "使用了自定义字段",
    "T8": "模板文件中有重复的部件",
}
TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
AROUND = 30  # characters of text shown on each side of a tag


TemplateCheck = FileFindings  # the findings for one template


def export_template(out: Path, *, force: bool = False) -> Path:
    """Write the default template to `out` for editing; an existing file only with `force`."""
    from .output import write_atomically
    from .render import default_template_path

    return write_atomically(out, lambda tmp: shutil.copyfile(default_template_path(), tmp), force=force)


def check_template_file(path: Path) -> TemplateCheck:
    return TemplateCheck(Path(path), check_template(path))


def check_template(path: Path) -> list[Finding]:
    """All findings for the template at `path`; UnreadableInput when it is not a safe .docx at all."""
    path = Path(path)
    inspect_input(path, expect="docx")
    findings = [_duplicates_finding(name) for name in duplicate_entries(path)]
    with deduplicated(path) as clean:
        parts = template_parts(clean)
        usage = Usage()
        for part in parts:
            findings += _check_part(part, usage)
        if usage.complete:  # a part that does not parse uses unknown names: no guess about the rest
            findings += _unused_values(usage) + _custom_fields(usage)
        if not any(f.severity is Severity.ERROR for f in findings):
            findings += _probe(clean, sorted(usage.custom))
    return findings


# --------------------------------------------------------------------------- one part


def _check_part(part: Part, usage: Usage) -> list[Finding]:
    """Tag-level problems first (split, unclosed); then parse what docxtpl would and walk the names."""
    lines = [_as_docxtpl_sees(line.text) for line in part.lines]
    findings, cuts = _scan_tags(part, lines)
    source = "\n".join(_cut(text, cuts.get(i, ())) for i, text in enumerate(lines))
    env = make_environment()
    try:
        tree = env.parse(source)
        env.compile(tree)
    except jinja2.TemplateSyntaxError as exc:
        usage.complete = False
        if not findings:  # after a broken tag the parser's complaints are only its echoes
            findings.append(_syntax_finding(part, lines, exc))
        return findings
    for problem in walk(tree, usage):
        findings.append(_problem_finding(part, problem))
    return findings


def _as_docxtpl_sees(text: str) -> str:
    """docxtpl's patches on a paragraph's text: `{%p ` → `{% `, straight quotes inside tags, cell tags."""
    text = re.sub(r"(\{%|\{\{)(?:tr|tc|p|r) ", r"\1 ", text)
    text = re.sub(r"\{#(?:tr|tc|p) ", "{# ", text)
    text = re.sub(r"\{%\s*(?:colspan|cellbg)\s+([^%]*?)\s*%\}", r"{{ \1 }}", text)
    text = re.sub(r"\{%\s*[vh]m\s*%\}", "", text)
    quotes = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
    return re.sub(r"(?<=\{[{%])(.*?)(?=[}%]\})", lambda m: m.group(0).translate(quotes), text)


def _scan_tags(part: Part, lines: list[str]) -> tuple[list[Finding], dict[int, list[tuple[int, int]]]]:
    """Match every `{{ {% {#` with its closer: split across paragraphs (T4), unclosed or mismatched (T3).

    Returns the findings and, per line, the spans of broken openers to cut before parsing.
    """
    tokens = [(i, m.start(), m.group()) for i, text in enumerate(lines) for m in TAG.finditer(text)]
    findings: list[Finding] = []
    cuts: dict[int, list[tuple[int, int]]] = {}
    for n, (i, at, token) in enumerate(tokens):
        if token not in CLOSER:
            continue
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        if following and following[2] == CLOSER[token]:
            if following[0] != i:
                findings.append(_split_finding(part, i, following[0], token))
            continue
        end = following[1] if following and following[0] == i else len(lines[i])
        if following and following[0] == i and following[2] not in CLOSER:
            end += 2  # a mismatched closer goes with the cut: `{{ org %}`
        cuts.setdefault(i, []).append((at, end))
        findings.append(_unclosed_finding(part, i, token, following))
    return findings, cuts


def _cut(text: str, spans: Any) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


# --------------------------------------------------------------------------- findings


def _finding(rule: str, code: str, part: Part | str, line: Line | None, message: str, **more) -> Finding:
    severity = Severity.WARNING if rule in {"T2", "T7", "T8"} else Severity.ERROR
    sheet = part.name if isinstance(part, Part) else part
    return Finding(
        rule=rule,
        code=code,
        severity=severity,
        sheet=sheet,
        cell=line.where if line else "",
        expected=more.get("expected", ""),
        actual=more.get("actual", ""),
        message=message,
        related=tuple(more.get("related", ())),
    )


def around(text: str, needle: str = "") -> str:
    """The paragraph's text, shortened to the part around `needle` when long."""
    text = text.strip()
    at = text.find(needle) if needle else -1
    if len(text) <= 2 * AROUND + len(needle) or at < 0:
        return text if len(text) <= 2 * AROUND + 20 else text[: 2 * AROUND] + "…"
    start, end = max(0, at - AROUND), min(len(text), at + len(needle) + AROUND)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _split_finding(part: Part, first: int, last: int, token: str) -> Finding:
    lines = part.lines[first : last + 1]
    where = "单元格" if any(line.cell for line in lines) else "段落"
    texts = " / ".join(f"“{around(line.text)}”" for line in lines)
    message = (
        f"填充标记“{token}…{CLOSER[token]}”被拆到了{len(lines)}个{where}中（{lines[0].where}至{lines[-1].where}），"
        f"不能填充：{texts}。请把整个标记放在同一个{where}里（中间不要换行）。"
    )
    return _finding("T4", "split-tag", part, lines[0], message, actual=token)


def _unclosed_finding(part: Part, i: int, token: str, following: tuple | None) -> Finding:
    line = part.lines[i]
    if following and following[0] == i and following[2] not in CLOSER:
        what = f"以“{token}”开始，却以“{following[2]}”结束，应为“{CLOSER[token]}”"
        code = "mismatched-tag"
    else:
        what = f"以“{token}”开始，但在本段中没有结束的“{CLOSER[token]}”"
        code = "unclosed-tag"
    message = f"填充标记写法有误：{what}；所在文字：“{around(line.text, token)}”。"
    return _finding("T3", code, part, line, message, expected=CLOSER[token], actual=token)


SYNTAX_HINTS = (
    ("unexpected end of template", "语句块没有结束（缺少对应的 {%p endfor %} 或 {%p endif %}）"),
    ("Encountered unknown tag", "使用了不认识的语句"),
    ("expected token", "标记中有多余或缺少的内容"),
    ("unexpected", "标记中有不应出现的字符"),
    ("No filter named", "使用了不存在的过滤器"),
    ("No test named", "使用了不存在的测试"),
)


BLOCK_TAG = re.compile(r"\{%-?\s*(end)?(for|if|macro|call|filter|with|raw|autoescape)\b")


def _syntax_finding(part: Part, lines: list[str], exc: jinja2.TemplateSyntaxError) -> Finding:
    index = (exc.lineno or 1) - 1
    detail = exc.message or ""
    if "end of template" in detail.lower():  # jinja2 points at the end; the unclosed block starts earlier
        index = _unclosed_block(lines, index)
    index = max(0, min(index, len(part.lines) - 1))
    line = part.lines[index] if part.lines else None
    what = next((hint for key, hint in SYNTAX_HINTS if key.lower() in detail.lower()), "无法解析")
    text = f"；所在文字：“{around(line.text)}”" if line else ""
    message = f"填充标记写法有误：{what}（{detail}）{text}。"
    return _finding("T3", "syntax", part, line, message, actual=detail)


def _unclosed_block(lines: list[str], default: int) -> int:
    """The line of the innermost `{% for/if … %}` left open at the end, or `default`."""
    stack: list[int] = []
    for i, text in enumerate(lines):
        for match in BLOCK_TAG.finditer(text):
            if match.group(1):
                if stack:
                    stack.pop()
            else:
                stack.append(i)
    return stack[-1] if stack else default


def _problem_finding(part: Part, problem: Problem) -> Finding:
    line = part.lines[max(0, min(problem.lineno - 1, len(part.lines) - 1))]
    text = f"；所在文字：“{around(line.text, problem.name.split('.')[0])}”"
    if problem.kind == "unsafe":
        message = f"填充标记“{problem.name}”{problem.detail}，为安全起见不会执行{text}。请删除该标记。"
        return _finding("T5", "unsafe", part, line, message, actual=problem.name)
    if problem.kind == "unsupported":
        message = f"填充标记写法有误：{problem.detail}{text}。"
        return _finding("T3", "unsupported", part, line, message, actual=problem.name)
    hint = f"（是否应为“{problem.suggestion}”？）" if problem.suggestion else ""
    message = f"使用了未知的变量“{problem.name}”{hint}{text}。可用的字段见 `xxgk template fields`。"
    return _finding(
        "T1", "unknown-variable", part, line, message, expected=problem.suggestion, actual=problem.name
    )


def _unused_values(usage: Usage) -> list[Finding]:
    """One warning per official table with values the template never prints."""
    findings = []
    for table in fmt.TABLES:
        missing = [key for key in table.keys if key not in usage.values]
        if not missing:
            continue
        if len(missing) == len(table.keys):
            what = f"没有使用{table.name}“{table.caption}”的任何统计数（共 {len(missing)} 项）"
        else:
            shown = "、".join(f"{key}（{fmt.VALUES[key].description}）" for key in missing[:10])
            more = f"等 {len(missing)} 项" if len(missing) > 10 else ""
            what = f"没有使用{table.name}的统计数：{shown}{more}"
        message = f"模板{what}，生成的报告中将缺少这些数据。可用的字段见 `xxgk template fields`。"
        findings.append(_finding("T2", "unused-values", "正文", None, message, related=missing))
    return findings


def _custom_fields(usage: Usage) -> list[Finding]:
    findings = []
    for name in sorted(usage.custom):
        message = (
            f"模板使用了自定义字段“custom.{name}”：生成报告时，工作簿“基本信息”的自定义字段中必须有"
            f"名称为“{name}”的一项，否则无法生成。"
        )
        findings.append(_finding("T7", "custom-field", "正文", None, message, actual=name))
    return findings


def _duplicates_finding(name: str) -> Finding:
    message = (
        f"模板文件中部件“{name}”出现了多次（LibreOffice 另存时可能出现），已按最后一份处理；"
        "建议在 Word 或 WPS 中打开模板后重新保存。"
    )
    return _finding("T8", "duplicate-part", "文件", None, message, actual=name)


# --------------------------------------------------------------------------- the probe


def _probe(template: Path, custom: list[str]) -> list[Finding]:
    """Render a sample report with the template for real: what docxtpl or the sandbox refuses is a finding."""
    from .render import render_report

    folder = Path(tempfile.mkdtemp(prefix="xxgk-probe-"))
    try:
        render_report(sample_report(tuple(custom)), folder / "probe.docx", template)
    except TemplateError as exc:
        message = f"用示例数据试填充模板失败：{exc.message}"
        return [_finding("T6", "render-failed", "文件", None, message)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return []
