"""The placeholders a Word template can use, with their Chinese meaning; the check of the names it uses.

The list is generated: value names and their meaning come from format.VALUES, the other names are the
keys context.build_context returns, each described here (a test keeps this description complete).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import nodes

from ..core.model import Info, Paragraph, Report
from ..format import official as fmt

CUSTOM_EXAMPLE = "名称"
SECTIONS = fmt.SECTIONS
INFO_LABELS = {f.key: f for f in fmt.INFO_FIELDS}
NOTES = {
    # Every name build_context returns besides the values; an info field's label and hint come first.
    "title": "",
    "title_lines": "标题按排版断成的一行或两行（列表，用 {%p for line in title_lines %} 逐行输出）",
    "org": "",
    "self_name": "",
    "year": "",
    "date": "输出写法如“2025年1月20日”",
    "preamble": "列表，每段一项，用 {%p for text in preamble %} 逐段输出",
    "sections": "六个部分的正文，按部分分列，见 sections.<部分>",
    "section_headings": "六个部分的标题文字，见 section_headings.<部分>",
    "custom": "基本信息中的自定义字段，见 custom.<名称>",
}
SECTION_ITEM = (
    "的正文（列表；每项有 heading 小标题、run_in 小标题是否接排在段首、paragraphs 各段文字）；"
    "表二至表四所在部分未填写时为按数据生成的说明"
)
VALUE_ROOT_NOTE = "的统计数，见下列 {root}.… 各项"


@dataclass(frozen=True)
class Field:
    name: str  # as written in a template: applications.new.natural_person
    meaning: str  # Chinese
    kind: str  # value | text | list | custom

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "meaning": self.meaning, "kind": self.kind}


# --------------------------------------------------------------------------- the list


def sample_report(custom: tuple[str, ...] = ()) -> Report:
    """A report with every field filled, so that every name and every branch of a template has a value."""
    info = Info(
        org="某某县某某局",
        self_name="本机关",
        year=2024,
        date=dt.date(2025, 1, 20),
        organ_type=fmt.ORGAN_TYPES[0],
        custom={name: f"（{name}）" for name in custom},
    )
    report = Report(info=info, values=dict.fromkeys(fmt.VALUES, 1))
    for section in fmt.SECTIONS:
        report.sections[section.key] = [
            Paragraph("（一）小标题", "正文第一段。\n正文第二段。"),
            Paragraph("（二）接排的小标题。", "正文。"),
        ]
    return report


@cache
def sample_context() -> dict[str, Any]:
    from .context import build_context

    return build_context(sample_report())


def value_roots() -> dict[str, str]:
    """First part of each value key → the table (or section) it belongs to, in format order."""
    return {key.split(".")[0]: _value_place(spec) for key, spec in fmt.VALUES.items()}


def _value_place(spec: fmt.Value) -> str:
    table = fmt.TABLE_BY_ID.get(spec.table)
    return f"{table.name}“{table.caption}”" if table else "第六部分“信息处理费”"


def _value_table(spec: fmt.Value) -> str:
    table = fmt.TABLE_BY_ID.get(spec.table)
    return table.name if table else "第六部分"


def top_level_meanings() -> dict[str, str]:
    """The meaning of every top-level name a template can use."""
    meanings = {root: place + VALUE_ROOT_NOTE.format(root=root) for root, place in value_roots().items()}
    for name in NOTES:
        meanings[name] = _info_meaning(name)
    return meanings


def _info_meaning(name: str) -> str:
    spec = INFO_LABELS.get(name)
    if spec is None:
        return NOTES[name]
    note = NOTES[name]
    return f"基本信息“{spec.label}”：{spec.hint}" + (f"；{note}" if note else "")


def fields() -> list[Field]:
    """Every placeholder: the text fields in the order build_context returns them, then the values."""
    context = sample_context()
    roots = value_roots()
    found: list[Field] = []
    for name, value in context.items():
        if name in roots:
            continue
        if name == "sections":
            found += [Field(f"sections.{s.key}", f"“{s.heading}”{SECTION_ITEM}", "list") for s in SECTIONS]
        elif name == "section_headings":
            found += [Field(f"section_headings.{s.key}", f"标题“{s.heading}”", "text") for s in SECTIONS]
        elif name == "custom":
            meaning = "基本信息“自定义字段”中名称为该名称的一项，如 {{ custom.联系电话 }}"
            found.append(Field(f"custom.{CUSTOM_EXAMPLE}", meaning, "custom"))
        else:
            found.append(Field(name, _info_meaning(name), "list" if isinstance(value, list) else "text"))
    for key, spec in fmt.VALUES.items():
        unit = "" if spec.kind.unit in spec.description else f"（{spec.kind.unit}）"
        found.append(Field(key, f"{_value_table(spec)}：{spec.description}{unit}", "value"))
    return found


def fields_markdown() -> str:
    """The list as a README section: a heading, a short introduction and a table 字段 | 含义."""
    lines = [
        "### 模板字段",
        "",
        "自定义 Word 模板（先用 `xxgk template export` 导出默认模板再修改）中可以使用下列字段，"
        "写法如 `{{ org }}`；统计数按填写值原样输出。列表字段要用 `{%p for … %}` 逐项输出，"
        "写法可参照默认模板。改好的模板先用 `xxgk template check` 检查，"
        "再用 `xxgk build --template` 生成报告。",
        "",
        "| 字段 | 含义 |",
        "|---|---|",
    ]
    for f in fields():
        lines.append(f"| `{f.name}` | {f.meaning.replace('|', '｜')} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- names a template uses

ANYTHING = object()  # a value whose shape is not known: every name below it is accepted
LOOP = {  # what jinja2's `loop` offers inside {% for %}
    **dict.fromkeys(("index", "index0", "revindex", "revindex0", "length", "depth", "depth0"), 1),
    **dict.fromkeys(("first", "last"), True),
    **dict.fromkeys(("previtem", "nextitem", "cycle", "changed"), ANYTHING),
}


PRIVATE = "访问了以下划线开头的内部属性"


class _Custom(dict):
    """custom.<名称>: any name, each a text (the workbook decides which exist)."""


@dataclass(frozen=True)
class Ref:
    written: str  # as the template writes it: item.heading
    path: tuple[str, ...] | None  # the context path, None below a loop variable
    value: Any


@dataclass(frozen=True)
class Problem:
    kind: str  # unknown | unsafe | unsupported
    name: str
    lineno: int
    suggestion: str = ""
    detail: str = ""


@dataclass
class Usage:
    """What the walked templates use: value keys printed, custom field names."""

    values: set[str] = field(default_factory=set)
    custom: set[str] = field(default_factory=set)
    complete: bool = True  # every part was parsed and walked


def walk(tree: nodes.Template, usage: Usage) -> list[Problem]:
    """Unknown and unsafe names in a parsed template; the values and custom fields it uses go to `usage`."""
    walker = _Walker(usage)
    walker.block(tree.body, {})
    return walker.problems


class _Walker:
    def __init__(self, usage: Usage):
        self.usage = usage
        self.problems: list[Problem] = []
        context = dict(sample_context())
        context["custom"] = _Custom()
        self.context = context
        from .docx import make_environment

        self.globals = set(make_environment().globals)

    def block(self, body: list[nodes.Node], scope: dict[str, Any]) -> None:
        for node in body:
            self.visit(node, scope)

    def visit(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        """Statements bind names; a name chain is resolved as a whole; anything else is walked through."""
        if isinstance(node, nodes.For):
            self._for(node, scope)
        elif isinstance(node, nodes.Assign | nodes.AssignBlock | nodes.With | nodes.Macro | nodes.CallBlock):
            self._binding(node, scope)
        elif isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            self._used(self.resolve(node, scope))
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            self._problem("unsupported", type(node).__name__.lower(), node, detail="模板中不能引用其他模板")
        else:
            if isinstance(node, nodes.Pow):
                self._problem("unsafe", "**", node, detail="使用了乘方运算")
            if isinstance(node, nodes.Filter) and node.name == "attr":
                self._attr_filter(node)
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    def _for(self, node: nodes.For, scope: dict[str, Any]) -> None:
        items = self.resolve(node.iter, scope) if _is_chain(node.iter) else None
        if _is_chain(node.iter):
            self._used(items)
        else:
            self.visit(node.iter, scope)
        inner = dict(scope)
        self._bind(node.target, _element(items), inner)
        inner["loop"] = Ref("loop", None, LOOP)
        if node.test is not None:
            self.visit(node.test, inner)
        self.block(node.body, inner)
        self.block(node.else_, scope)

    def _binding(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        """{% set %}, {% with %}, {% macro %}, {% call %}: walk the values, then bind the new names."""
        inner = dict(scope)
        for name in ("caller", "varargs", "kwargs"):
            inner[name] = Ref(name, None, ANYTHING)
        for child in node.iter_child_nodes(exclude=("target", "targets", "args", "body")):
            self.visit(child, scope)
        targets = [getattr(node, "target", None), *getattr(node, "targets", []), *getattr(node, "args", [])]
        for target in targets:
            if target is not None:
                self._bind(target, None, inner)
        if isinstance(node, nodes.Macro):  # a macro may call itself (the sandbox bounds the depth)
            inner[node.name] = Ref(node.name, None, ANYTHING)
        self.block(getattr(node, "body", []), inner)
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            self._bind(node.target, None, scope)
        elif isinstance(node, nodes.Macro):
            scope[node.name] = Ref(node.name, None, ANYTHING)

    def _bind(self, target: nodes.Node, shape: Ref | None, scope: dict[str, Any]) -> None:
        for name in target.find_all(nodes.Name) if not isinstance(target, nodes.Name) else [target]:
            value = shape.value if shape and isinstance(target, nodes.Name) else ANYTHING
            scope[name.name] = Ref(name.name, None, value)

    # ----------------------------------------------------------------------- chains

    def resolve(self, node: nodes.Node, scope: dict[str, Any]) -> Ref | None:
        """The value a Name/Getattr/Getitem chain reaches; None when unknown (reported) or not knowable."""
        if isinstance(node, nodes.Name):
            return self._name(node, scope)
        if isinstance(node, nodes.Getattr):
            return self._member(node, node.node, node.attr, scope, item=False)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            return self._member(node, node.node, node.arg.value, scope, item=True)
        self.visit(node, scope)
        return None

    def _name(self, node: nodes.Name, scope: dict[str, Any]) -> Ref | None:
        if node.name in scope:
            return scope[node.name]
        if node.name in self.context:
            return Ref(node.name, (node.name,), self.context[node.name])
        if node.name in self.globals:
            return Ref(node.name, None, ANYTHING)
        known = [*scope, *self.context]
        self._problem("unknown", node.name, node, suggestion=_closest(node.name, known))
        return None

    def _member(self, node: nodes.Node, base_node: nodes.Node, key: Any, scope, *, item: bool) -> Ref | None:
        if _private_in_chain(node):  # reported once, for the whole chain: ''.__class__.__mro__
            self._problem("unsafe", _written(node), node, detail=PRIVATE)
            return None
        if item is False or not isinstance(base_node, nodes.Const):
            base = self.resolve(base_node, scope)
        else:
            base = None
        if base is None or base.value is ANYTHING:
            return None
        written = f"{base.written}[{key}]" if isinstance(key, int) else f"{base.written}.{key}"
        path = (*base.path, str(key)) if base.path else None
        value = base.value
        if isinstance(value, _Custom):
            self.usage.custom.add(str(key))
            return Ref(written, path, "")
        found, child = _lookup(value, key, item=item)
        if found:
            return Ref(written, path, child)
        if isinstance(key, str) and hasattr(value, key):  # a method, such as items()
            self._used(base)
            return Ref(written, None, ANYTHING)
        known = [f"{base.written}.{k}" for k in value] if isinstance(value, dict) else []
        self._problem("unknown", written, node, suggestion=_closest(written, known))
        return None

    def _used(self, ref: Ref | None) -> None:
        """A chain printed, looped over or passed on: the value keys at or below it are used."""
        if ref is None or not ref.path:
            return
        dotted = ".".join(ref.path)
        self.usage.values.update(k for k in fmt.VALUES if k == dotted or k.startswith(dotted + "."))

    def _attr_filter(self, node: nodes.Filter) -> None:
        arg = node.args[0] if node.args else None
        if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
            self._problem("unsafe", f"attr('{arg.value}')", node, detail=PRIVATE)

    def _problem(self, kind: str, name: str, node: nodes.Node, **more: str) -> None:
        self.problems.append(Problem(kind, name, node.lineno, **more))


def _is_chain(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name | nodes.Getattr) or (
        isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)
    )


def _lookup(value: Any, key: Any, *, item: bool) -> tuple[bool, Any]:
    """jinja2's lookup on a sample value: `a.b` tries the attribute first, `a['b']` the item first."""
    if isinstance(value, dict) and key in value and not (not item and hasattr(value, str(key))):
        return True, value[key]
    if isinstance(value, list | str) and isinstance(key, int) and -len(value) <= key < len(value):
        return True, value[key]
    return False, None


def _element(items: Ref | None) -> Ref | None:
    """The shape of one item of a list looped over: the first item, or the union of dict items."""
    if items is None or not isinstance(items.value, list) or not items.value:
        return None
    first = items.value[0]
    if all(isinstance(v, dict) for v in items.value):
        merged: dict[str, Any] = {}
        for v in items.value:
            merged.update({k: x for k, x in v.items() if k not in merged})
        first = merged
    return Ref("", None, first)


def _private_in_chain(node: nodes.Node) -> bool:
    """A `_name` anywhere along a Getattr/Getitem chain: the sandbox refuses those."""
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(key, str) and key.startswith("_"):
            return True
        node = node.node
    return False


def _written(node: nodes.Node) -> str:
    """A chain as the template writes it (calls shown as `()`)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        arg = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return f"{_written(node.node)}[{arg!r}]" if isinstance(arg, str) else f"{_written(node.node)}[{arg}]"
    if isinstance(node, nodes.Call):
        return f"{_written(node.node)}()"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    return "…"


def _closest(name: str, known: list[str]) -> str:
    found = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return found[0] if found else ""
