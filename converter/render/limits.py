"""What a template may compute: the sandbox's limits, and the checks that hold values, widths and
sizes to them before an operation runs (render.sandbox calls them from the operations it intercepts)."""

from __future__ import annotations

import re
import sys
from typing import Any

from jinja2.sandbox import SecurityError

MAX_REPEAT = 10_000
"""Largest repetition count (`'x' * n`)."""
MAX_VALUE_SIZE = 200_000
"""Characters (or items) of any string or list a template computes or hands to a filter or method."""
MAX_WIDTH = 1_000
"""Largest width or precision in formatting and padding (`'{:>10}'`, `'%5.2f'`, `center(40)`)."""
MAX_INT_BITS = 256
"""Largest product of two whole numbers (about 77 digits)."""
MAX_RANGE = 10_000
"""Most items `range()` may give."""
MAX_LOOP_STEPS = 100_000
"""Loop steps in all `{% for %}` loops of one report, together."""
MAX_MACRO_DEPTH = 20
"""Macros calling macros, nested."""
MAX_OUTPUT_CHARS = 5_000_000
"""Characters one rendered part (body, header, footer…) may have; the default report has ~0.2 million."""
RENDER_SECONDS = 3.0
"""Time a template may spend rendering one report; the default template takes well under 0.1 s."""

PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
DIGITS = re.compile(r"\d+")
WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "batch", "slice", "truncate", "round", "tojson"})
UNSAFE_ATTRIBUTES = frozenset({"encode"})
"""No bytes in templates: their methods (center, replace, `*`…) would need every check again."""
GROWING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


class TemplateLimitError(SecurityError):
    """A template asked for more than the sandbox allows; `lineno` is the template line, if known."""

    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.lineno = lineno


def refuse(message: str) -> TemplateLimitError:
    """The error to raise, pointing at the template line being run (from the Python stack)."""
    return TemplateLimitError(message, _template_line())


def _template_line() -> int | None:
    """The line of the innermost template frame: jinja2's `debug_info` maps code lines to it."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == "<template>" and "debug_info" in frame.f_globals:
            pairs = [tuple(map(int, x.split("="))) for x in frame.f_globals["debug_info"].split("&") if x]
            return next((line for line, code in reversed(pairs) if code <= frame.f_lineno), 1)
        frame = frame.f_back
    return None


def weight(value: Any, budget: int = MAX_VALUE_SIZE) -> int:
    """About how many characters `value` prints as, counted only up to just past `budget`.

    Containers are walked (shared and self-containing ones as often as they would print), so a list
    holding the same big list many times weighs what its printout would.
    """
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(item)
        elif isinstance(item, range):
            total += len(item)
        else:
            total += 1
    return total


def check_size(value: Any, what: str = "计算结果") -> Any:
    """`value`, unless it weighs more than `MAX_VALUE_SIZE`."""
    if weight(value) > MAX_VALUE_SIZE:
        raise refuse(f"{what}超过 {MAX_VALUE_SIZE:,} 个字符（项）的上限")
    return value


def check_width(number: Any, what: str = "宽度") -> None:
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_WIDTH:
        raise refuse(f"格式或填充的{what} {number} 超过上限 {MAX_WIDTH}")


def check_spec(spec: str) -> None:
    """A `str.format` field's spec (`>10`, `.2f`): its width and precision."""
    for digits in DIGITS.findall(spec):
        check_width(int(digits) if len(digits) < 12 else 10**12)


def check_printf(text: str, args: Any) -> None:
    """`%`-formatting: widths and precisions written in `text`, or given as `*` arguments."""
    starred = False
    for match in PRINTF.finditer(text):
        for group in match.groups():
            if group == "*":
                starred = True
            elif group:
                check_width(int(group) if len(group) < 12 else 10**12)
    if starred:
        for arg in args if isinstance(args, tuple) else (args,):
            check_width(arg)


def bounded_range(*args: int) -> range:
    """`range()`, at most `MAX_RANGE` items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise refuse(f"range{args} 有 {len(rng):,} 项，超过上限 {MAX_RANGE:,}")
    return rng


def check_product(left: Any, right: Any) -> None:
    """`'x' * n`, `[x] * n`, `m * n`: bounded before computing."""
    seq, count = (right, left) if isinstance(left, int) else (left, right)
    if isinstance(seq, str | bytes | bytearray | list | tuple) and isinstance(count, int):
        if count > MAX_REPEAT or weight(seq) * max(count, 0) > MAX_VALUE_SIZE:
            raise refuse(f"重复次数过大（结果超过 {MAX_VALUE_SIZE:,} 个字符或项的上限）")
    elif isinstance(left, int) and isinstance(right, int) and _bits(left, right) > MAX_INT_BITS:
        raise refuse(f"相乘的数值过大（超过约 {MAX_INT_BITS * 3 // 10} 位数字）")


def _bits(left: int, right: int) -> int:
    return left.bit_length() + right.bit_length()


def check_method(obj: Any, args: tuple, kwargs: dict) -> None:
    """Methods that grow text or lists: padding widths, and the size of their result, before calling."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str):
        if name in ("center", "ljust", "rjust", "zfill", "expandtabs"):
            for arg in (*args, *kwargs.values()):
                check_width(arg, f"宽度（{name}）")
        estimate(name, owner, args, kwargs)
    elif isinstance(owner, list | dict | set) and name in GROWING_METHODS:
        check_growth(name, owner, args, kwargs)


def check_growth(name: str, owner: Any, args: tuple, kwargs: dict) -> None:
    """`list.append/extend`, `dict.update`…: the container may not outgrow the size limit."""
    if weight(owner) + weight((args, list(kwargs.values()))) > MAX_VALUE_SIZE:
        raise refuse(f"列表或字典超过 {MAX_VALUE_SIZE:,} 项的上限（{name}）")


def estimate(name: str, text: str, args: tuple, kwargs: dict) -> None:
    """The size `text.replace/join/expandtabs(...)` would have, refused before it is built."""
    size = 0
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        hits = text.count(old) if old else len(text) + 1
        size = len(text) + hits * len(new)
    elif name == "join" and args:
        items = args[0] if isinstance(args[0], list | tuple | str) else ()
        size = weight(items) + len(text) * len(items)
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        size = len(text) * max(longest, 1)
    elif name == "expandtabs":
        size = len(text) + text.count("\t") * int((args or (8,))[0] or 0)
    if size > MAX_VALUE_SIZE:
        raise refuse(f"“{name}”的结果超过 {MAX_VALUE_SIZE:,} 个字符的上限")


def check_filter(name: str, value: Any, rest: tuple, kwargs: dict) -> None:
    """Filters whose result can be much larger than their input."""
    text = value if isinstance(value, str) else ""
    if name == "format" and isinstance(value, str):
        check_printf(value, kwargs or rest)
    elif name == "indent":
        prefix = (rest or (kwargs.get("width", 4),))[0]
        prefix = " " * prefix if isinstance(prefix, int) else str(prefix)
        check_width(len(prefix), "缩进宽度（indent）")
        if len(text) + len(prefix) * (text.count("\n") + 1) > MAX_VALUE_SIZE:
            raise refuse(f"“indent”的结果超过 {MAX_VALUE_SIZE:,} 个字符的上限")
    elif name == "wordwrap":
        width = (rest or (kwargs.get("width", 79),))[0]
        glue = rest[2] if len(rest) > 2 else kwargs.get("wrapstring") or "\n"
        lines = len(text) // max(int(width) if isinstance(width, int) else 1, 1) + 1
        if len(text) + len(str(glue)) * lines > MAX_VALUE_SIZE:
            raise refuse(f"“wordwrap”的结果超过 {MAX_VALUE_SIZE:,} 个字符的上限")
    elif name in ("replace", "join"):
        items = value if name == "join" and isinstance(value, list | tuple | str) else ()
        glue = (rest or (kwargs.get("d", ""),))[0] if name == "join" else ""
        args = (items,) if name == "join" else rest
        estimate(name, text if name == "replace" else str(glue), args, {})
