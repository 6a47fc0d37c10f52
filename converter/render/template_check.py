"""Check a clerk's Word template before it is used: typos, missing table values, broken or unsafe tags.

Each part docxtpl renders is read as lines of text (one per paragraph), normalised the way docxtpl
patches it, and parsed by the same sandboxed Jinja2 environment that renders reports (`scan`); the
template rules T1–T8 of format.RULES then each read that scan through their one checker
(`CHECKERS`). Last, when nothing else is wrong, a sample report is rendered for real (T6).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..check.registry import Registry
from ..core.errors import TemplateError
from ..core.findings import FileFindings, Finding, Severity, errors
from ..format import official as fmt
from ..read.inspect import duplicate_entries, inspect_input
from .docx_package import Part, deduplicated, template_parts
from .fields import Problem, Usage, sample_report, walk
from .sandbox import TemplateLimitError, make_environment

TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
AROUND = 30  # characters of text shown on each side of a tag


@dataclass(frozen=True)
class PartPosition:
    """Where in a template: a part (正文, 页眉, 文件) and a paragraph or cell (第3段, 表格2第1行第4列)."""

    part: str
    where: str = ""
    order: tuple[int, ...] = (1,)  # reading order: the file first, then parts and lines, then the whole

    def __str__(self) -> str:
        return f"{self.part}!{self.where}" if self.where else self.part

    def to_dict(self) -> dict[str, str]:
        return {"kind": "template", "part": self.part, "where": self.where}


FILE = PartPosition("文件", order=(0,))
BODY = PartPosition("正文", order=(2,))
PROBE = PartPosition("文件", order=(3,))


@dataclass
class PartScan:
    """One part as read: its broken tags (T3, T4), a syntax error (T3), and the names it uses."""

    part: Part
    index: int
    tags: list[Finding] = field(default_factory=list)
    syntax: Finding | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Scan:
    """What the template rules look at: the template, its parts as read, and what they use."""

    path: Path
    clean: Path  # the template, or a copy without duplicate zip entries
    duplicates: list[str]
    parts: list[PartScan]
    usage: Usage


REGISTRY: Registry[Scan] = Registry()
CHECKERS = REGISTRY.checkers
checker = REGISTRY.checker


def export_template(out: Path, *, force: bool = False) -> Path:
    """Write the default template to `out` for editing; an existing file only with `force`."""
    from ..write.files import write_atomically
    from .docx import default_template_path

    return write_atomically(
        out, lambda tmp: shutil.copyfile(default_template_path(), tmp), force=force, suffix=".docx"
    )


def check_template_file(path: Path) -> FileFindings:
    return FileFindings(Path(path), check_template(path))


def check_template(path: Path) -> list[Finding]:
    """All findings for the template at `path`; UnreadableInput when it is not a safe .docx at all."""
    path = Path(path)
    inspect_input(path, expect="docx")
    duplicates = duplicate_entries(path)
    with deduplicated(path) as clean:
        usage = Usage()
        parts = [scan_part(part, i, usage) for i, part in enumerate(template_parts(clean))]
        return run(Scan(path, clean, duplicates, parts, usage))


def run(scan: Scan) -> list[Finding]:
    """Each declared template rule through its checker; a rule `only_if_clean` after all others."""
    rules = fmt.rules_of(fmt.Scope.TEMPLATE)
    findings: list[Finding] = []
    for rule in sorted(rules, key=lambda r: r.only_if_clean):
        if rule.only_if_clean and errors(findings):
            continue
        findings += CHECKERS[rule.id](scan)
    return sorted(findings, key=lambda f: f.position.order if f.position else ())


# --------------------------------------------------------------------------- one part


def scan_part(part: Part, index: int, usage: Usage) -> PartScan:
    """Tag-level problems first (split, unclosed); then parse what docxtpl would and walk the names."""
    scanned = PartScan(part, index)
    lines = [_as_docxtpl_sees(line.text) for line in part.lines]
    scanned.tags, cuts = _scan_tags(scanned, lines)
    source = "\n".join(_cut(text, cuts.get(i, ())) for i, text in enumerate(lines))
    env = make_environment()
    try:
        tree = env.parse(source)
        env.compile(tree)
    except jinja2.TemplateSyntaxError as exc:
        usage.complete = False
        if not scanned.tags:  # after a broken tag the parser's complaints are only its echoes
            scanned.syntax = _syntax_finding(scanned, lines, exc)
        return scanned
    scanned.problems = walk(tree, usage)
    return scanned


# --------------------------------------------------------------------------- the checkers


@checker("T1")
def unknown_names(scan: Scan) -> Iterator[Finding]:
    """T1: names the report does not provide."""
    for scanned in scan.parts:
        yield from (_problem_finding(scanned, p) for p in scanned.problems if p.kind == "unknown")


@checker("T2")
def unused_values(scan: Scan) -> list[Finding]:
    """T2: table values the template never prints (only when every part could be read)."""
    return _unused_values(scan.usage) if scan.usage.complete else []


@checker("T3")
def broken_tags(scan: Scan) -> Iterator[Finding]:
    """T3: unclosed or mismatched tags, syntax errors, tags that refer to other templates."""
    for scanned in scan.parts:
        yield from (f for f in scanned.tags if f.rule == "T3")
        if scanned.syntax:
            yield scanned.syntax
        yield from (_problem_finding(scanned, p) for p in scanned.problems if p.kind == "unsupported")


@checker("T4")
def split_tags(scan: Scan) -> Iterator[Finding]:
    """T4: tags cut across paragraphs or cells."""
    for scanned in scan.parts:
        yield from (f for f in scanned.tags if f.rule == "T4")


@checker("T5")
def unsafe_tags(scan: Scan) -> Iterator[Finding]:
    """T5: what the sandbox would refuse."""
    for scanned in scan.parts:
        yield from (_problem_finding(scanned, p) for p in scanned.problems if p.kind == "unsafe")


@checker("T6")
def trial_render(scan: Scan) -> list[Finding]:
    """T6: a sample report rendered with the template for real."""
    return _probe(scan.clean, sorted(scan.usage.custom))


@checker("T7")
def custom_fields(scan: Scan) -> list[Finding]:
    """T7: custom fields the workbook must then provide."""
    return _custom_fields(scan.usage) if scan.usage.complete else []


@checker("T8")
def duplicate_parts(scan: Scan) -> list[Finding]:
    """T8: zip entries stored twice."""
    return [_duplicates_finding(name) for name in scan.duplicates]


def _as_docxtpl_sees(text: str) -> str:
    """docxtpl's patches on a paragraph's text: `{%p ` → `{% `, straight quotes inside tags, cell tags."""
    text = re.sub(r"(\{%|\{\{)(?:tr|tc|p|r) ", r"\1 ", text)
    text = re.sub(r"\{#(?:tr|tc|p) ", "{# ", text)
    text = re.sub(r"\{%\s*(?:colspan|cellbg)\s+([^%]*?)\s*%\}", r"{{ \1 }}", text)
    text = re.sub(r"\{%\s*[vh]m\s*%\}", "", text)
    quotes = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
    return re.sub(r"(?<=\{[{%])(.*?)(?=[}%]\})", lambda m: m.group(0).translate(quotes), text)


def _scan_tags(scanned: PartScan, lines: list[str]) -> tuple[list[Finding], dict[int, list[tuple[int, int]]]]:
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
                findings.append(_split_finding(scanned, i, following[0], token))
            continue
        end = following[1] if following and following[0] == i else len(lines[i])
        if following and following[0] == i and following[2] not in CLOSER:
            end += 2  # a mismatched closer goes with the cut: `{{ org %}`
        cuts.setdefault(i, []).append((at, end))
        findings.append(_unclosed_finding(scanned, i, token, following))
    return findings, cuts


def _cut(text: str, spans: Any) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


# --------------------------------------------------------------------------- findings


def _finding(
    rule: str, code: str, where: PartScan | PartPosition, line: int | None, message: str, **more: Any
) -> Finding:
    """A finding of a template rule at a line of a part (or at a fixed position such as FILE)."""
    if isinstance(where, PartScan):
        index = line if line is not None else 0
        text = where.part.lines[index].where if line is not None and where.part.lines else ""
        position = PartPosition(where.part.name, text, (1, where.index, index))
    else:
        position = where
    return Finding(
        rule=rule,
        code=code,
        severity=Severity(fmt.RULES[rule].severity),
        field="",
        expected=more.get("expected", ""),
        actual=more.get("actual", ""),
        message=message,
        related=tuple(more.get("related", ())),
        position=position,
    )


def around(text: str, needle: str = "") -> str:
    """The paragraph's text, shortened to the part around `needle` when long."""
    text = text.strip()
    at = text.find(needle) if needle else -1
    if len(text) <= 2 * AROUND + len(needle) or at < 0:
        return text if len(text) <= 2 * AROUND + 20 else text[: 2 * AROUND] + "…"
    start, end = max(0, at - AROUND), min(len(text), at + len(needle) + AROUND)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _split_finding(scanned: PartScan, first: int, last: int, token: str) -> Finding:
    lines = scanned.part.lines[first : last + 1]
    where = "单元格" if any(line.cell for line in lines) else "段落"
    texts = " / ".join(f"“{around(line.text)}”" for line in lines)
    message = (
        f"填充标记“{token}…{CLOSER[token]}”被拆到了{len(lines)}个{where}中（{lines[0].where}至{lines[-1].where}），"
        f"不能填充：{texts}。请把整个标记放在同一个{where}里（中间不要换行）。"
    )
    return _finding("T4", "split-tag", scanned, first, message, actual=token)


def _unclosed_finding(scanned: PartScan, i: int, token: str, following: tuple | None) -> Finding:
    line = scanned.part.lines[i]
    if following and following[0] == i and following[2] not in CLOSER:
        what = f"以“{token}”开始，却以“{following[2]}”结束，应为“{CLOSER[token]}”"
        code = "mismatched-tag"
    else:
        what = f"以“{token}”开始，但在本段中没有结束的“{CLOSER[token]}”"
        code = "unclosed-tag"
    message = f"填充标记写法有误：{what}；所在文字：“{around(line.text, token)}”。"
    return _finding("T3", code, scanned, i, message, expected=CLOSER[token], actual=token)


SYNTAX_HINTS = (
    ("unexpected end of template", "语句块没有结束（缺少对应的 {%p endfor %} 或 {%p endif %}）"),
    ("Encountered unknown tag", "使用了不认识的语句"),
    ("expected token", "标记中有多余或缺少的内容"),
    ("unexpected", "标记中有不应出现的字符"),
    ("No filter named", "使用了不存在的过滤器"),
    ("No test named", "使用了不存在的测试"),
)


BLOCK_TAG = re.compile(r"\{%-?\s*(end)?(for|if|macro|call|filter|with|raw|autoescape)\b")


def _syntax_finding(scanned: PartScan, lines: list[str], exc: jinja2.TemplateSyntaxError) -> Finding:
    part = scanned.part
    index = (exc.lineno or 1) - 1
    detail = exc.message or ""
    if "end of template" in detail.lower():  # jinja2 points at the end; the unclosed block starts earlier
        index = _unclosed_block(lines, index)
    index = max(0, min(index, len(part.lines) - 1))
    line = part.lines[index] if part.lines else None
    what = next((hint for key, hint in SYNTAX_HINTS if key.lower() in detail.lower()), "无法解析")
    text = f"；所在文字：“{around(line.text)}”" if line else ""
    message = f"填充标记写法有误：{what}（{detail}）{text}。"
    return _finding("T3", "syntax", scanned, index if line else None, message, actual=detail)


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


def _problem_finding(scanned: PartScan, problem: Problem) -> Finding:
    index = max(0, min(problem.lineno - 1, len(scanned.part.lines) - 1))
    line = scanned.part.lines[index]
    text = f"；所在文字：“{around(line.text, problem.name.split('.')[0])}”"
    if problem.kind == "unsafe":
        message = f"填充标记“{problem.name}”{problem.detail}，为安全起见不会执行{text}。请删除该标记。"
        return _finding("T5", "unsafe", scanned, index, message, actual=problem.name)
    if problem.kind == "unsupported":
        message = f"填充标记写法有误：{problem.detail}{text}。"
        return _finding("T3", "unsupported", scanned, index, message, actual=problem.name)
    hint = f"（是否应为“{problem.suggestion}”？）" if problem.suggestion else ""
    message = f"使用了未知的变量“{problem.name}”{hint}{text}。可用的字段见 `xxgk template fields`。"
    return _finding(
        "T1", "unknown-variable", scanned, index, message, expected=problem.suggestion, actual=problem.name
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
        findings.append(_finding("T2", "unused-values", BODY, None, message, related=missing))
    return findings


def _custom_fields(usage: Usage) -> list[Finding]:
    findings = []
    for name in sorted(usage.custom):
        message = (
            f"模板使用了自定义字段“custom.{name}”：生成报告时，工作簿“基本信息”的自定义字段中必须有"
            f"名称为“{name}”的一项，否则无法生成。"
        )
        findings.append(_finding("T7", "custom-field", BODY, None, message, actual=name))
    return findings


def _duplicates_finding(name: str) -> Finding:
    message = (
        f"模板文件中部件“{name}”出现了多次（LibreOffice 另存时可能出现），已按最后一份处理；"
        "建议在 Word 或 WPS 中打开模板后重新保存。"
    )
    return _finding("T8", "duplicate-part", FILE, None, message, actual=name)


# --------------------------------------------------------------------------- the probe


def _probe(template: Path, custom: list[str]) -> list[Finding]:
    """Render a sample report with the template for real: what docxtpl or the sandbox refuses is a finding."""
    from .docx import render_report

    folder = Path(tempfile.mkdtemp(prefix="xxgk-probe-"))
    try:
        render_report(sample_report(tuple(custom)), folder / "probe.docx", template)
    except TemplateError as exc:
        if isinstance(exc.__cause__, TemplateLimitError):  # as `build` refuses it: exit 4, not a finding
            raise
        message = f"用示例数据试填充模板失败：{exc.message}"
        return [_finding("T6", "render-failed", PROBE, None, message)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return []
