"""The Jinja2 sandbox templates run in: no unsafe attributes, and bounded time, memory and output
(the limits and the checks on values are in render.limits).

jinja2's SandboxedEnvironment stops a template from reaching Python internals, but not from asking
for a billion-character string (`'{:>1000000000}'.format(1)`, `center(10**9)`, `'x' * 10000 * 10000`)
or looping for hours. This sandbox checks every intercepted operation before it runs:

- string and list sizes: repetition, `+`, `~`, methods and filters are refused when their result
  would exceed `MAX_VALUE_SIZE`, formatting and padding widths above `MAX_WIDTH`;
- loops: every `{% for %}` step counts against `MAX_LOOP_STEPS`, `range()` is bounded, recursive
  loops are refused when compiled, macros nest at most `MAX_MACRO_DEPTH` deep;
- output: one rendered part is at most `MAX_OUTPUT_CHARS` characters;
- time: a render stops after `RENDER_SECONDS` (checked on every intercepted operation and loop step).

Each violation raises TemplateLimitError (a jinja2 SecurityError) with a Chinese message and, when
known, the template line (`lineno`), which docxtpl turns into the text around the tag.
"""

from __future__ import annotations

import functools
import time
import types
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter

from .cache import compiled
from .limits import (
    MAX_LOOP_STEPS,
    MAX_MACRO_DEPTH,
    MAX_OUTPUT_CHARS,
    MAX_VALUE_SIZE,
    RENDER_SECONDS,
    UNSAFE_ATTRIBUTES,
    WIDTH_FILTERS,
    TemplateLimitError,
    bounded_range,
    check_filter,
    check_method,
    check_printf,
    check_product,
    check_size,
    check_spec,
    check_width,
    refuse,
    weight,
)


class _CheckedFormat:
    """`str.format` with every field's width and precision checked."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        check_spec(format_spec)
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _Formatter(_CheckedFormat, SandboxedFormatter):
    pass


class _EscapeFormatter(_CheckedFormat, SandboxedEscapeFormatter):
    pass


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles every `{% for %}` over `environment.guard_loop(...)`, `~` through a size check,
    and refuses recursive loops."""

    def visit_For(self, node: nodes.For, frame: Any) -> None:
        if node.recursive:
            self.fail("模板中不能使用递归循环（recursive）", node.lineno)
        original = node.iter
        guard = nodes.EnvironmentAttribute("guard_loop", lineno=node.lineno)
        node.iter = nodes.Call(guard, [original], [], None, None, lineno=node.lineno)
        try:
            super().visit_For(node, frame)
        finally:
            node.iter = original

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


class _LimitedTemplate(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        """As jinja2's, starting the clock. Python's recursion limit is a limit error too, and what a
        filter or method raises on odd arguments (`truncate` asserts, `'{0}'.format()`, a dict changed
        while looped over) a template error: none of them is a bug of ours."""
        env = self.environment
        if isinstance(env, LimitedSandbox) and env.started is None:
            env.started = time.monotonic()
        try:
            return super().render(*args, **kwargs)
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError):
            raise  # the renderer words these
        except MemoryError:  # a hole in the limits above, under a memory cap: still the template's
            raise TemplateLimitError("填充所需的内存超出了可用内存") from None
        except RecursionError:
            raise TemplateLimitError("嵌套调用过深（宏、块或过滤器互相调用的层数过多）") from None
        except LookupError as exc:
            raise jinja2.TemplateRuntimeError(f"无法取值（{type(exc).__name__}: {exc}）") from None
        except Exception as exc:
            raise jinja2.TemplateRuntimeError(f"无法计算（{type(exc).__name__}: {exc}）") from None


class LimitedSandbox(SandboxedEnvironment):
    """The sandbox with limits; one instance per report render (it counts loop steps and time)."""

    intercepted_binops = frozenset({"**", "*", "+", "%"})
    code_generator_class = _LimitedCodeGenerator
    template_class = _LimitedTemplate
    code_version = 1  # part of the compiled-code cache key: raise it when the code generator changes

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range
        self.globals.pop("lipsum", None)  # lipsum(n, max=10**9): no use in a report
        self.filters = {name: _guard_filter(self, name, f) for name, f in self.filters.items()}
        self.finalize = check_size
        self.started: float | None = None
        self.steps = 0
        self.depth = 0

    # ----------------------------------------------------------------------- time and steps

    def tick(self) -> None:
        if self.started is not None and time.monotonic() - self.started > RENDER_SECONDS:
            raise refuse(f"填充时间超过 {RENDER_SECONDS:g} 秒的上限")

    def guard_loop(self, iterable: Any) -> Any:
        """Each step of a `{% for %}` loop, counted against `MAX_LOOP_STEPS`."""
        for item in iterable:
            self.steps += 1
            if self.steps > MAX_LOOP_STEPS:
                raise refuse(f"循环总次数超过 {MAX_LOOP_STEPS:,} 次的上限")
            if not self.steps & 0xFF:
                self.tick()
            yield item

    def concat(self, pieces: Any) -> str:  # type: ignore[override]
        """Join a part's (or a block's) output, at most `MAX_OUTPUT_CHARS` characters."""
        kept, total = [], 0
        for number, piece in enumerate(pieces):
            total += len(piece)
            if total > MAX_OUTPUT_CHARS:
                raise refuse(f"填充结果超过 {MAX_OUTPUT_CHARS:,} 个字符的上限")
            if not number & 0x3FF:
                self.tick()
            kept.append(piece)
        return "".join(kept)

    def joined(self, parts: tuple, autoescape: bool) -> str:
        """`a ~ b`: checked before the text is built."""
        if sum(weight(part) for part in parts) > MAX_VALUE_SIZE:
            raise refuse(f"用“~”连接的文字超过 {MAX_VALUE_SIZE:,} 个字符的上限")
        return jinja2.runtime.markup_join(parts) if autoescape else jinja2.runtime.str_join(parts)

    # ----------------------------------------------------------------------- operations

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return attr not in UNSAFE_ATTRIBUTES and super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "**":
            raise refuse("模板中不允许使用乘方运算")
        if operator == "*":
            check_product(left, right)
        elif operator == "+" and isinstance(left, str | list | tuple):
            if weight(left) + weight(right) > MAX_VALUE_SIZE:
                raise refuse(f"用“+”连接的结果超过 {MAX_VALUE_SIZE:,} 个字符（项）的上限")
        elif operator == "%" and isinstance(left, str):
            check_size(right, "格式化的内容")
            check_printf(left, right)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.tick()
        if getattr(__obj, "__func__", None) is LimitedSandbox.guard_loop:  # compiled in, not a user call
            return __obj(*args)
        check_method(__obj, args, kwargs)
        if not isinstance(__obj, Macro):
            return check_size(super().call(__context, __obj, *args, **kwargs))
        if __self.depth >= MAX_MACRO_DEPTH:
            raise refuse(f"宏（macro）嵌套调用超过 {MAX_MACRO_DEPTH} 层（宏是否调用了自身？）")
        __self.depth += 1
        try:
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            __self.depth -= 1

    def wrap_str_format(self, value: Any) -> Any:
        """As jinja2's, with a formatter that checks widths and a size check on the arguments."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType):
            return None
        if value.__name__ not in ("format", "format_map") or not isinstance(value.__self__, str):
            return None
        text = value.__self__
        escaping = isinstance(text, jinja2.utils.markupsafe.Markup)
        formatter = _EscapeFormatter(self, escape=text.escape) if escaping else _Formatter(self)
        mapping = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if mapping:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            check_size((text, args, list(kwargs.values())), "格式化的文字")
            return type(text)(check_size(formatter.vformat(text, args, kwargs)))

        return wrapper


def _guard_filter(env: LimitedSandbox, name: str, func: Any) -> Any:
    """`func` (a filter) with its input size, widths and result size checked."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        env.tick()
        value, rest = (args[skip] if len(args) > skip else None), args[skip + 1 :]
        check_size((value, rest, list(kwargs.values())), f"过滤器“{name}”的输入")
        if name in WIDTH_FILTERS:
            for arg in (*rest, *kwargs.values()):
                check_width(arg, f"宽度（{name}）")
        check_filter(name, value, rest, kwargs)
        return check_size(func(*args, **kwargs), f"过滤器“{name}”的结果")

    return guarded


def make_environment() -> LimitedSandbox:
    """A fresh sandbox for one render: autoescape on, unknown names are errors."""
    return _CachedSandbox(undefined=jinja2.StrictUndefined, autoescape=True)


class _CachedSandbox(LimitedSandbox):
    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:
        """As jinja2's, with the compiled code cached (a template's XML is the same from run to run)."""
        if not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cls = template_class or self.template_class
        return cls.from_code(self, compiled(self, source), self.make_globals(globals), None)


def limit_message(template: Any, exc: TemplateLimitError) -> str:
    """Chinese: which limit, and the paragraph holding the tag (docxtpl attaches the text around it)."""
    context = list(getattr(exc, "docx_context", None) or ())
    line = context[min((exc.lineno or 1) - 1, 3)] if context and exc.lineno else ""
    text = " ".join(str(line).split())
    if len(text) > 80:
        at = max(0, text.find("{") - 10)
        text = ("…" if at else "") + text[at : at + 80] + "…"
    where = f"；所在文字：“{text}”" if text else ""
    return (
        f"Word 模板 {template} 含有不安全的填充标记（超出安全限制：{exc.message}），已停止填充{where}。"
        "请简化或删除该标记，或改用默认模板。"
    )
