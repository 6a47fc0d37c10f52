"""Render a Report into the Word report through a docxtpl template: the only module importing docxtpl.

Templates run in a Jinja2 sandbox with autoescape and StrictUndefined, so the clerk's text is printed
literally (never executed) and an unknown placeholder in a template is an error, not a blank.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

import docxtpl
import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml.etree import XMLSyntaxError

from . import format as fmt
from .docx_package import deduplicated
from .errors import TemplateError, UnreadableInput
from .model import Report, nested_values
from .prose import effective_preamble, effective_sections
from .safety import inspect_input
from .sandbox import TemplateLimitError, limit_message, make_environment

# Characters XML 1.0 forbids (and ones docxtpl would turn into breaks: \x07, \x0c), lone surrogates.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LISTING_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")  # what docxtpl's resolve_listing acts on
_LEVEL3 = re.compile(r"^\d+[.．、]")  # `1.` sub-items: printed in 仿宋 like the body
TITLE_LINE_CHARS = 20  # 2号 characters in the 156 mm type area


def default_template_path() -> Path:
    return Path(__file__).resolve().parent / "templates" / "default.docx"


# --------------------------------------------------------------------------- context


def clean(text: str) -> str:
    """Text safe for XML: invalid control characters dropped, line ends as `\\n`, tabs as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _INVALID_XML.sub("", text)


def one_line(text: str) -> str:
    return " ".join(clean(text).split("\n")).strip()


def lines(text: str) -> list[str]:
    """Non-empty lines, leading/trailing spaces (full-width ones too) removed: the style indents."""
    return [line.strip() for line in clean(text).split("\n") if line.strip()]


def format_date(report: Report) -> str:
    """`2025年1月17日`: no leading zeros; "" when not given."""
    d = report.info.date
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _width(text: str) -> float:
    """Printed width in full-width characters: ASCII letters and digits are half-width."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def title_lines(title: str, org: str, year: str) -> list[str]:
    """The title in one line, or two when long: broken after the organ's name or before the year,
    else in the middle, so that no short word is left alone on the second line."""
    given = lines(title)
    if len(given) != 1 or _width(given[0]) <= TITLE_LINE_CHARS:
        return given
    text = given[0]
    breaks = [len(org)] if org and text.startswith(org) else []
    if year and year in text:
        breaks.append(text.index(year))
    breaks.append((len(text) + 1) // 2)
    for at in breaks:
        head, tail = text[:at], text[at:]
        if head and tail and max(_width(head), _width(tail)) <= TITLE_LINE_CHARS:
            return [head, tail]
    return [text]


def text_items(rows: list) -> list[dict[str, Any]]:
    """Section rows as ready records: {heading, run_in, paragraphs}.

    A heading ending in `。` is run in (printed in 楷体 at the start of the first body paragraph); a
    body with line breaks is several paragraphs; `1.` level-3 headings are printed in 仿宋 as body text.
    """
    items = []
    for row in rows:
        heading, paragraphs = one_line(row.heading), lines(row.body)
        if not heading and not paragraphs:
            continue
        run_in = heading.endswith("。")
        if heading and _LEVEL3.match(heading):
            if run_in and paragraphs:
                paragraphs[0] = heading + paragraphs[0]
            else:
                paragraphs.insert(0, heading)
            heading, run_in = "", False
        if run_in and not paragraphs:
            paragraphs = [""]
        items.append({"heading": heading, "run_in": run_in, "paragraphs": paragraphs})
    return items


def build_context(report: Report) -> dict[str, Any]:
    """Everything a template can use: the values by dotted key, and the text fields below."""
    info = report.info
    org = one_line(info.org)
    title = one_line(info.display_title)
    year = "" if info.year is None else str(info.year)
    context = nested_values(report)
    context.update(
        title=title,
        title_lines=title_lines(info.display_title, org, year),
        org=org,
        self_name=one_line(info.self_name),
        year=year,
        date=format_date(report),
        preamble=lines(effective_preamble(report)),
        sections={key: text_items(rows) for key, rows in effective_sections(report).items()},
        section_headings={s.key: s.heading for s in fmt.SECTIONS},
        custom={one_line(k): clean(v) for k, v in info.custom.items()},
    )
    return context


# --------------------------------------------------------------------------- rendering


class _Template(DocxTemplate):
    """docxtpl's template, with its XML clean-up cached: a pure function of the part's XML."""

    def patch_xml(self, src_xml: str) -> str:
        return cached("patched", src_xml, super().patch_xml, str)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl turns \\t \\a \\n \\f in text into tabs, paragraphs and breaks, one regex pass per
        paragraph and run; with none of them in any `w:t` that pass changes nothing, so skip it."""
        return super().resolve_listing(xml) if _LISTING_TEXT.search(xml) else xml


# Derived text and code, by hash of the source: in memory, and on disk like Python's own .pyc files.
_CACHE: dict[str, Any] = {}
_CACHE_ENTRIES = 64
_CACHE_SALT = f"{sys.version}|jinja2 {jinja2.__version__}|docxtpl {docxtpl.__version__}|"


T = TypeVar("T")


def cached(kind: str, source: str, make: Callable[[str], T], of_type: type[T]) -> T:
    """`make(source)`, computed once per source text: the XML clean-up and the Jinja compilation
    (the two slowest steps of a render) give the same result for the same template every run."""
    text = _CACHE_SALT + kind + "|" + source
    key = f"{kind}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
    value = _CACHE.get(key)
    if not isinstance(value, of_type):
        value = _read_cached(key)
    if not isinstance(value, of_type):  # not cached, or a damaged cache file
        value = make(source)
        _write_cached(key, value)
    if len(_CACHE) >= _CACHE_ENTRIES:
        _CACHE.clear()
    _CACHE[key] = value
    return value


def compiled(env: SandboxedEnvironment, source: str) -> CodeType:
    """The code for `source`, compiled for the sandbox (the salt names the environment's class)."""
    kind = f"code-{type(env).__qualname__}{getattr(env, 'code_version', '')}-{env.autoescape}"
    return cached(kind, source, env.compile, CodeType)


def _cache_dir(system: str = os.name) -> Path:
    """$XDG_CACHE_HOME, else %LOCALAPPDATA% on Windows, else ~/.cache: then xxgk/jinja."""
    local = os.environ.get("LOCALAPPDATA") if system == "nt" else None
    base = os.environ.get("XDG_CACHE_HOME") or local or Path.home() / ".cache"
    return Path(base) / "xxgk" / "jinja"


def _read_cached(key: str) -> Any:
    try:
        return marshal.loads((_cache_dir() / f"{key}.bin").read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _write_cached(key: str, value: Any) -> None:
    """Best effort: a cache that cannot be written is no error."""
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(marshal.dumps(value))
        os.replace(tmp, folder / f"{key}.bin")
    except OSError:
        return


def render_report(report: Report, out: Path, template: Path | None = None) -> None:
    """Write the Word report for `report` to `out`, from `template` or the default one."""
    template = template or default_template_path()
    try:
        inspect_input(template, expect="docx")  # as `template check`: size, zip bomb, DTD, kind by content
        with deduplicated(template) as source:  # LibreOffice can write duplicate zip entries
            tpl = _render(source, template, report)
            tpl.save(out)
    except UnreadableInput as exc:  # the zip directory could not be read: a broken template
        raise TemplateError(exc.message) from exc


def _render(source: Path, template: Path, report: Report) -> DocxTemplate:
    """Fill the template at `source` (a clean copy of `template`, named in messages)."""
    try:
        tpl = _Template(source)
        tpl.render(build_context(report), jinja_env=make_environment())
    except jinja2.TemplateError as exc:
        raise TemplateError(template_message(template, exc)) from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError) as exc:
        raise TemplateError(
            f"无法读取 Word 模板 {template}：它不是有效的 .docx 文件。请改用默认模板。"
        ) from exc
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateError(f"Word 模板 {template} 中的填充标记无法计算（{exc}）。请检查模板。") from exc
    props = tpl.docx.core_properties
    props.title, props.author = one_line(report.info.display_title), one_line(report.info.org)
    return tpl


def template_message(template: Path, exc: jinja2.TemplateError) -> str:
    """A Chinese message naming the template, the variable or the line, and what to do."""
    if isinstance(exc, TemplateLimitError):
        return limit_message(template, exc)
    where = _nearby_text(exc)
    if isinstance(exc, SecurityError):
        what = f"含有不安全的填充标记（{exc.message}），已拒绝执行"
    elif isinstance(exc, jinja2.UndefinedError):
        what = f"使用了未知的变量“{_variable_name(exc.message or '')}”"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        what = f"第 {exc.lineno} 行的填充标记写法有误（{exc.message}）"
    else:
        what = f"无法填充（{exc.message}）"
    hint = "请对照 `xxgk template fields` 列出的变量名修改模板，或改用默认模板。"
    return f"Word 模板 {template} {what}{where}。{hint}"


def _variable_name(message: str) -> str:
    """The name in jinja2's "'foo' is undefined" / "'dict object' has no attribute 'bar'"."""
    found = re.findall(r"'([^']*)'", message)
    return found[-1] if found else message


def _nearby_text(exc: Exception) -> str:
    """docxtpl attaches the template text around the error (tags stripped) for syntax errors."""
    context = getattr(exc, "docx_context", None)
    if not context:
        return ""
    text = " ".join(" ".join(str(line).split()) for line in context).strip()
    return f"，位置附近的文字：{text[:80]}" if text else ""
