"""Click's own words in Chinese: the headings of `--help` and the messages for usage errors.

Typer 0.28 carries its own copy of Click (`typer._click`), English only and without gettext, so a
clerk who mistypes a command would read "Error: No such option". Here a help formatter writes the
headings in Chinese, and `ChineseGroup.main` shows each kind of usage error as a Chinese message.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import exceptions as click_errors  # Typer's Click: these have no public name
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

HEADINGS = {"Usage": "用法", "Arguments": "参数", "Options": "选项", "Commands": "命令"}
PHRASES = {
    "Show this message and exit.": "显示本帮助后退出",
    "[required]": "[必填]",
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "命令 [参数]...",
}
_REQUIRED = re.compile(r"\{([^{}]+)\}")  # Typer's usage line writes a required argument as {name}
_RANGE = re.compile(r"\[(?P<range>[^\[\]]*x[^\[\]]*)\]")  # Click's range of a number option: [2000<=x<=2100]
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_WRAP_SPACE = re.compile(rf"(?<=[{_WIDE}])[ \t]*\n[ \t]*(?=[{_WIDE}])")  # a line break between Chinese text
_PHRASE = re.compile("|".join(re.escape(phrase) for phrase in PHRASES))

# The messages of Click's parser and of Typer's parameter types, as (pattern, Chinese).
_QUOTED = r"(['\"])(?P<value>.*)\1"
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"^\w+ {_QUOTED} does not exist\.$"),
        "找不到文件“{value}”；请检查文件名和所在文件夹是否正确。",
    ),
    (re.compile(rf"^\w+ {_QUOTED} is a directory\.$"), "“{value}”是文件夹，请给出其中的文件。"),
    (re.compile(rf"^\w+ {_QUOTED} is not readable\.$"), "没有读取“{value}”的权限。"),
    (re.compile(rf"^{_QUOTED} is not a valid (integer|int|int range)\.$"), "“{value}”不是整数。"),
    (
        re.compile(r"^(?P<value>.*) is not in the range (?P<range>.*)\.$"),
        "{value} 不在允许的范围（{range}）内。",
    ),  # the range in words: range_words
    (
        re.compile(r"^No such command '(?P<value>.*)'\.(?: Did you mean '(?P<near>[^']*)'.*\?)?$"),
        "没有“{value}”这个命令。",
    ),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<value>.*)\)$"), "多余的参数：{value}。"),
    (re.compile(r"^Option '(?P<value>.*)' requires an argument\.$"), "选项 {value} 后面要跟一个值。"),
    (re.compile(r"^Option '(?P<value>.*)' does not take a value\.$"), "选项 {value} 后面不能跟值。"),
    (re.compile(r"^Missing command\.$"), "缺少命令。"),
]


def phrases(text: str) -> str:
    text = _RANGE.sub(lambda m: f"[{range_words(m.group('range'))}]", text)
    return _PHRASE.sub(lambda m: PHRASES[m.group(0)], text)


_BOUNDS = (
    (re.compile(r"^(?P<low>[^<>=]+)<=?x<=?(?P<high>[^<>=]+)$"), "{low} 至 {high}"),
    (re.compile(r"^x>=(?P<low>[^<>=]+)$"), "不小于 {low}"),
    (re.compile(r"^x>(?P<low>[^<>=]+)$"), "大于 {low}"),
    (re.compile(r"^x<=(?P<high>[^<>=]+)$"), "不大于 {high}"),
    (re.compile(r"^x<(?P<high>[^<>=]+)$"), "小于 {high}"),
)


def range_words(text: str) -> str:
    """Click's range of a number in words: `2000<=x<=2100` -> `2000 至 2100`, `x>=1` -> `不小于 1`."""
    for pattern, words in _BOUNDS:
        found = pattern.match(text.strip())
        if found:
            return words.format(**found.groupdict())
    return text


def translate(message: str) -> str:
    """Click's English message in Chinese; one not in the table is kept as it is."""
    for pattern, chinese in MESSAGES:
        found = pattern.match(message)
        if found:
            values = found.groupdict()
            if "range" in values:
                values["range"] = range_words(values["range"])
            text = chinese.format(**values)
            if found.groupdict().get("near"):
                text += f"您要用的是不是“{found.group('near')}”？"
            return text
    return message


def usage_message(exc: click_errors.ClickException) -> str:
    """The Chinese message for a usage error, with where to find the usage."""
    message = f"错误：{_what(exc)}"
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f"\n运行 `{ctx.command_path} --help` 查看用法。"
    return message


def _what(exc: click_errors.ClickException) -> str:
    if isinstance(exc, click_errors.NoSuchOption):
        near = "、".join(sorted(exc.possibilities or []))
        return f"没有 {exc.option_name} 这个选项" + (f"，您要用的是不是 {near}？" if near else "。")
    if isinstance(exc, click_errors.MissingParameter) and exc.param is not None:
        about = getattr(exc.param, "help", None)
        return f"缺少{_name(exc.param)}" + (f"：{about.rstrip('。')}。" if about else "。")
    if isinstance(exc, click_errors.BadParameter) and exc.param is not None:
        return f"{_name(exc.param)}：{translate(exc.message)}"
    return translate(exc.message)


def _name(param: Any) -> str:
    """An option by its flags (选项 -o/--output), an argument by its metavar (参数“工作簿”)."""
    if param.param_type_name == "option":
        return f"选项 {'/'.join(param.opts)}"
    return f"参数“{param.human_readable_name.rstrip('.')}”"


class ChineseHelpFormatter(HelpFormatter):
    """Click's help layout with Chinese headings, columns aligned by display width (a Chinese
    character takes two columns) and required arguments shown bare (`工作簿`, not `{工作簿}`)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = _REQUIRED.sub(r"\1", phrases(args))
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_text(self, text: str) -> None:
        """A paragraph of help: lines joined without a space between Chinese characters (Click joins a
        docstring's wrapped lines with one: `并行检查， 结果`)."""
        super().write_text(_WRAP_SPACE.sub("", text))

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, phrases(text)) for term, text in rows]
        first_col = min(max((display_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if display_width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = text.splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for a wide (Chinese) character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class ChineseContext(typer.Context):
    formatter_class = ChineseHelpFormatter


class ChineseCommand(TyperCommand):
    context_class = ChineseContext


class ChineseGroup(TyperGroup):
    """The group of commands: help in Chinese, and usage errors shown in Chinese with exit code 2."""

    context_class = ChineseContext

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            code = super().main(*args, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # `xxgk` alone: the help, as Click shows it
            typer.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            typer.echo(usage_message(exc), err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("已取消。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
