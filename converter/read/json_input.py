"""Read JSON input within bounds (size, nesting depth, number length); refusals in Chinese, with the place.

`json.loads` alone turns `[[[[…` 100,000 deep into a RecursionError, a 5,001-digit count into a ValueError
(Python's int limit) and `1e400` into `inf`, all crashes or silent nonsense further on. Here numbers are
parsed by hooks that keep an over-long or non-finite literal as a `BadNumber`, and the parsed value is then
walked once (iteratively) for the depth and those markers, so the message can name the JSON path.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import UnreadableInput
from .inspect import inspect_input
from .limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS

IDENTIFIER = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*$")


@dataclass(frozen=True)
class BadNumber:
    """A number literal kept as text because it is too long or not finite."""

    text: str
    problem: str


def _parse_int(text: str) -> int | BadNumber:
    digits = len(text) - text.startswith("-")
    if digits > MAX_NUMBER_DIGITS:
        return BadNumber(text, f"有 {digits:,} 位，超过 {MAX_NUMBER_DIGITS} 位的上限")
    return int(text)


def _parse_float(text: str) -> float | BadNumber:
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_NUMBER_DIGITS:
        return BadNumber(text, f"有 {digits:,} 位数字，超过 {MAX_NUMBER_DIGITS} 位的上限")
    value = float(text)
    if not math.isfinite(value):
        return BadNumber(text, "超出了可以表示的数值范围")
    return value


def _parse_constant(text: str) -> BadNumber:
    return BadNumber(text, "不是有效的数字（JSON 不允许 NaN、Infinity）")


def load_json(path: Path, *, keep_bad_numbers: bool = False) -> Any:
    """The parsed content of the JSON file at `path`; UnreadableInput (naming the file, and the place
    in it) when it is too large, not UTF-8, malformed, nested too deep or holds an impossible number.

    `keep_bad_numbers`: an impossible number is kept as its literal text instead (a report's values
    are then read like cells, and such a value becomes a finding at its field)."""
    path = Path(path)
    if inspect_input(path, expect="workbook") != "json":
        raise UnreadableInput(f"{path.name} 不是 JSON 文件；请使用 `xxgk dump` 输出的 .json 文件。")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(
            f"{path.name} 不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节无法解码）；"
            "请用 `xxgk dump` 重新生成，或在编辑器中以 UTF-8 编码另存。"
        ) from exc
    except OSError as exc:
        raise UnreadableInput(
            f"无法读取 {path}（{exc.strerror or exc}）；请把文件复制到本机磁盘后再试。"
        ) from exc
    return parse_json(text, path.name, keep_bad_numbers=keep_bad_numbers)


def parse_json(text: str, name: str = "JSON 输入", *, keep_bad_numbers: bool = False) -> Any:
    """As `load_json`, for text already read (`name` is used in messages)."""
    try:
        data = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except RecursionError:
        raise UnreadableInput(_depth_message(name, "")) from None
    except json.JSONDecodeError as exc:
        raise UnreadableInput(
            f"{name} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近格式有误（{exc.msg}）；"
            "请使用 `xxgk dump` 输出的格式。"
        ) from None
    if isinstance(data, BadNumber) and keep_bad_numbers:
        return data.text
    _check_tree(data, name, keep_bad_numbers)
    return data


def _check_tree(data: Any, name: str, keep_bad_numbers: bool = False) -> None:
    """Depth and bad numbers, walked without recursion; the first problem is reported with its path
    (or, with `keep_bad_numbers`, each bad number replaced by its literal text)."""
    stack: list[tuple[Any, tuple, Any]] = [(data, (), None)]
    while stack:
        value, where, parent = stack.pop()
        if isinstance(value, BadNumber) and keep_bad_numbers:
            parent[where[-1]] = value.text
            continue
        if isinstance(value, BadNumber):
            shown = value.text if len(value.text) <= 24 else value.text[:20] + "…"
            raise UnreadableInput(
                f"{name} 中 {json_path(where)} 处的数字“{shown}”{value.problem}；请检查该项的数值。"
            )
        if len(where) > MAX_JSON_DEPTH:
            raise UnreadableInput(_depth_message(name, json_path(where[:MAX_JSON_DEPTH])))
        if isinstance(value, dict):
            stack.extend((item, (*where, key), value) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, (*where, index), value) for index, item in reversed(list(enumerate(value))))


def _depth_message(name: str, where: str) -> str:
    place = f"（在 {where} 之下）" if where else ""
    return (
        f"{name} 的嵌套层数超过 {MAX_JSON_DEPTH} 层的上限{place}，不是 `xxgk dump` 输出的报告数据；"
        "请确认选择了正确的文件。"
    )


def json_path(where: tuple) -> str:
    """`$.values["一、主动公开"][3]`-style path: keys that are names after a dot, others quoted."""
    parts = ["$"]
    for step in where:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step, ensure_ascii=False)}]")
    return "".join(parts)
