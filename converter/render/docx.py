"""The Word renderer: a report's context into a .docx through a docxtpl template (the one docxtpl user).

Templates run in a Jinja2 sandbox with autoescape and StrictUndefined, so the clerk's text is printed
literally (never executed) and an unknown placeholder in a template is an error, not a blank.
"""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import nsmap, qn
from docxtpl import DocxTemplate
from jinja2.sandbox import SecurityError
from lxml import etree
from lxml.etree import XMLSyntaxError

from ..core.errors import TemplateError, UnreadableInput
from ..read.inspect import inspect_input
from .cache import cached
from .docx_package import deduplicated
from .sandbox import TemplateLimitError, limit_message, make_environment
from .signature import centre_signature, char_width

_DYNAMIC_TABLES = re.compile(r"\{%-?\s*(?:tc|colspan|cellbg|vm|hm)\b")  # tags that change a table's grid
_PLACEHOLDER = re.compile(r'<[^<>]*\sxxgk-body="1"[^<>]*/>')
_START_TAG = re.compile(r"<[^<>]+>")
_XMLNS = re.compile(r'\s+xmlns:([\w.-]+)="([^"]*)"')
_PLAIN = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)  # as python-docx's
_DOCPR = etree.XPath("//wp:docPr", namespaces=nsmap)
_LISTING_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")  # what docxtpl's resolve_listing acts on


def default_template_path() -> Path:
    return Path(__file__).resolve().parent / "templates" / "default.docx"


# --------------------------------------------------------------------------- rendering


class _Template(DocxTemplate):
    """docxtpl's template, with its XML clean-up cached: a pure function of the part's XML."""

    def patch_xml(self, src_xml: str) -> str:
        return cached("patched", src_xml, super().patch_xml, str)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl turns \\t \\a \\n \\f in text into tabs, paragraphs and breaks, one regex pass per
        paragraph and run; with none of them in any `w:t` that pass changes nothing, so skip it."""
        return super().resolve_listing(xml) if _LISTING_TEXT.search(xml) else xml

    # The rendered body: docxtpl parses it on its own, evens out table grids, then moves it into the
    # document, node by node (a third of a render). Without `{%tc %}` or `{% colspan %}` there is no
    # grid to even out, so the whole document is parsed once with the body in place instead.

    def get_xml(self) -> str:
        self._source: str = super().get_xml()  # the body as written: build_xml reads it first
        return self._source

    def fix_tables(self, xml: str) -> Any:
        if cached("dynamic-tables", self._source, _has_dynamic_tables, bool):
            return super().fix_tables(xml)
        return xml

    def fix_docpr_ids(self, tree: Any) -> None:
        if not isinstance(tree, str):
            super().fix_docpr_ids(tree)

    def map_tree(self, tree: Any) -> None:
        if isinstance(tree, str):  # put in place when saving: footnotes still read the template's sections
            self._rendered_body = tree
            return
        super().map_tree(tree)

    def save(self, filename: Any, *args: Any, **kwargs: Any) -> None:
        body, self._rendered_body = getattr(self, "_rendered_body", None), None
        if body is not None:
            try:
                self._parse_in_place(body)
            except XMLSyntaxError:  # output that needs docxtpl's forgiving parser
                tree = super().fix_tables(body)
                super().fix_docpr_ids(tree)
                super().map_tree(tree)
        body = self.docx._element.find(qn("w:body"))
        if body is not None:
            centre_signature(body, char_width(self.docx.styles.element))
        super().save(filename, *args, **kwargs)

    def _parse_in_place(self, body_xml: str) -> None:
        root = self.docx._element
        body = root.body
        shell_root = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)  # the body never moves:
        for child in root:  # moving it makes lxml walk every node of it
            shell_root.append(
                etree.Element(body.tag, {"xxgk-body": "1"}) if child is body else copy.deepcopy(child)
            )
        shell = etree.tostring(shell_root, encoding="unicode")
        marker = _PLACEHOLDER.search(shell)
        if marker is None:
            raise XMLSyntaxError("no body placeholder", None, 0, 0)  # handled: docxtpl's own way
        body_xml = _without_inherited_namespaces(body_xml, root.nsmap)
        # A plain element tree: python-docx's element classes cost most of the parse, and once rendered
        # nothing but saving reads the document.
        document = etree.fromstring(
            (shell[: marker.start()] + body_xml + shell[marker.end() :]).encode(), _PLAIN
        )
        for picture in _DOCPR(document):  # as docxtpl's fix_docpr_ids: unique drawing ids
            self.docx_ids_index += 1
            picture.attrib["id"] = str(self.docx_ids_index)
        self.docx._part._element = self.docx._element = document


def _without_inherited_namespaces(body_xml: str, declared: dict[Any, str]) -> str:
    """The body's start tag without the namespace declarations the document element already makes (lxml
    repeats them when it serializes the body alone), so the document is written as before."""
    start = _START_TAG.match(body_xml)
    if start is None:
        return body_xml

    def keep(found: re.Match) -> str:
        return "" if declared.get(found.group(1)) == found.group(2) else found.group(0)

    return _XMLNS.sub(keep, start.group(0)) + body_xml[start.end() :]


def _has_dynamic_tables(body_xml: str) -> bool:
    """Whether a body uses a tag that changes a table's grid (its text read without the XML tags)."""
    return bool(_DYNAMIC_TABLES.search(re.sub(r"<[^>]+>", "", body_xml)))


class WordRenderer:
    """The .docx output: the default 公文 template or a clerk's own, filled in the sandbox."""

    kind = "docx"
    suffix = ".docx"

    def render(self, context: dict[str, Any], out: Path, template: Path | None = None) -> None:
        """Write the Word report for `context` to `out`, from `template` or the default one."""
        template = template or default_template_path()
        try:
            _inspect_template(template)  # as `template check`: size, zip bomb, DTD, kind
            with deduplicated(template) as source:  # LibreOffice can write duplicate zip entries
                tpl = _render(source, template, context)
                tpl.save(out)
        except UnreadableInput as exc:  # the zip directory could not be read: a broken template
            raise TemplateError(exc.message) from exc


_INSPECTED: set[tuple[str, int, int, int]] = set()


def _inspect_template(template: Path) -> None:
    """`safety.inspect_input` once per template file and version (a batch renders it a thousand times):
    the key is the file's identity, size and modification time, so a changed file is inspected again."""
    try:
        stat = Path(template).stat()
    except OSError:
        inspect_input(template, expect="docx")  # says in Chinese what is wrong with the path
        raise
    key = (str(Path(template).resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _INSPECTED:
        inspect_input(template, expect="docx")
        _INSPECTED.add(key)


def render_report(report: Any, out: Path, template: Path | None = None) -> None:
    """Write the Word report for a Report (a shortcut for tests and `template check`'s trial render)."""
    from .context import build_context

    WordRenderer().render(build_context(report), out, template)


def _render(source: Path, template: Path, context: dict[str, Any]) -> DocxTemplate:
    """Fill the template at `source` (a clean copy of `template`, named in messages)."""
    try:
        tpl = _Template(source)
        tpl.render(context, jinja_env=make_environment())
    except jinja2.TemplateError as exc:
        raise TemplateError(template_message(template, exc)) from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError) as exc:
        raise TemplateError(
            f"无法读取 Word 模板 {template}：它不是有效的 .docx 文件。请改用默认模板。"
        ) from exc
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateError(f"Word 模板 {template} 中的填充标记无法计算（{exc}）。请检查模板。") from exc
    props = tpl.docx.core_properties
    props.title = _core_text(context.get("title", ""))
    props.author = _core_text(context.get("org", ""))
    return tpl


CORE_PROPERTY_CHARS = 255  # Word's limit on a core document property; python-docx refuses more


def _core_text(value: object) -> str:
    """A document property within Word's 255 characters (an implausibly long 机关全称 is cut, with …)."""
    text = str(value or "")
    return text if len(text) <= CORE_PROPERTY_CHARS else text[: CORE_PROPERTY_CHARS - 1] + "…"


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
