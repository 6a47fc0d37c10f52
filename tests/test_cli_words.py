"""Click's own words in Chinese: help headings, and every kind of usage error a clerk can make."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from converter.cli import app
from converter.cli.words import display_width, translate

runner = CliRunner()
# Words Click and Typer print in English; none may reach the clerk.
ENGLISH = re.compile(
    r"Usage|Error|Options|Arguments|Commands|Invalid|Missing|No such|Try '|Did you mean|required|"
    r"does not|is not|Show this|Got unexpected|requires|Possible|Aborted"
)


def xxgk(*args: str):
    return runner.invoke(app, list(args))


USAGE_ERRORS = [
    (
        ["dump", "无此文件.xlsx"],
        "错误：参数“工作簿”：找不到文件“无此文件.xlsx”；请检查文件名和所在文件夹是否正确。",
    ),
    (["dump", "{folder}"], "是文件夹，请给出其中的文件。"),
    (["build", "--bogus"], "错误：没有 --bogus 这个选项。"),
    (["build", "--forc", "x.xlsx"], "错误：没有 --forc 这个选项，您要用的是不是 --force？"),
    (["bild", "x.xlsx"], "错误：没有“bild”这个命令。您要用的是不是“build”？"),
    (["template", "chek"], "错误：没有“chek”这个命令。您要用的是不是“check”？"),
    (["build"], "错误：缺少参数“工作簿”：一个或多个工作簿（.xlsx）或 JSON 文件。"),
    (["check"], "错误：缺少参数“工作簿”：一个或多个工作簿（.xlsx）或 JSON 文件。"),
    (["new", "a.xlsx", "--year", "二〇二四"], "错误：选项 --year：“二〇二四”不是整数。"),
    (["new", "a.xlsx", "--year", "1999"], "错误：选项 --year：1999 不在允许的范围（2000 至 2100）内。"),
    (["build", "{file}", "-o"], "错误：选项 -o 后面要跟一个值。"),
    (["build", "--force=1", "{file}"], "错误：选项 --force 后面不能跟值。"),
    (["dump", "{file}", "多余.xlsx"], "错误：多余的参数：多余.xlsx。"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS)
def test_a_usage_error_is_told_in_chinese(tmp_path, args, message):
    (tmp_path / "文件夹").mkdir()
    (tmp_path / "有.xlsx").write_bytes(b"")
    args = [a.format(folder=tmp_path / "文件夹", file=tmp_path / "有.xlsx") for a in args]
    result = xxgk(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr
    assert result.stdout == ""


def test_the_usage_hint_names_the_command():
    assert "运行 `xxgk build --help` 查看用法。" in xxgk("build", "--bogus").stderr
    assert "运行 `xxgk template --help` 查看用法。" in xxgk("template", "chek").stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        *([command, "--help"] for command in ("new", "check", "dump", "build")),
        *(["template", command, "--help"] for command in ("export", "fields", "check")),
    ],
)
def test_help_is_in_chinese_and_aligned(args):
    result = xxgk(*args)
    assert result.exit_code == 0
    assert result.stdout.startswith("用法：xxgk ")
    assert "显示本帮助后退出" in result.stdout
    assert not ENGLISH.search(result.stdout), result.stdout
    assert "{" not in result.stdout.splitlines()[0]  # a required argument is shown bare
    for block in re.findall(r"(?:参数|选项|命令)：\n((?:  .*\n?)+)", result.stdout):
        # every description in a list starts at the same column, Chinese terms counted as two
        columns = {
            display_width(re.match(r"  (\S+(?: \S+)*)  +", line).group(0)) for line in block.splitlines()
        }
        assert len(columns) == 1, block


def test_no_arguments_shows_the_help_in_chinese():
    result = xxgk()
    assert result.exit_code == 2
    assert "用法：xxgk [选项] 命令 [参数]..." in result.stderr
    assert "命令：" in result.stderr
    assert not ENGLISH.search(result.stderr)


def test_an_unknown_message_is_kept_as_it_is():
    assert translate("Something new in Click.") == "Something new in Click."
    assert translate("File 'a b.xlsx' does not exist.").startswith("找不到文件“a b.xlsx”")
    assert translate('Path "it\'s.xlsx" does not exist.').startswith("找不到文件“it's.xlsx”")


def test_the_console_script_speaks_chinese_too(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "converter", "dump", str(tmp_path / "无.xlsx")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误：参数“工作簿”：找不到文件")
    assert not ENGLISH.search(proc.stderr)


def test_dash_h_is_help_too():
    for args in (["-h"], ["build", "-h"], ["template", "check", "-h"]):
        result = xxgk(*args)
        assert result.exit_code == 0
        assert result.stdout.startswith("用法：xxgk ")
        assert re.search(r"-h, --help +显示本帮助后退出$", result.stdout, re.M)


def all_params():
    """Every parameter of every command, with the command's path."""
    import typer

    def walk(command, path):
        for param in command.params:
            yield path, param
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_option_and_argument_help_ends_the_same_way_everywhere():
    """Help texts are phrases: none ends with 。 (Click's own `显示本帮助后退出` neither)."""
    helps = [(path, p.name, p.help) for path, p in all_params() if getattr(p, "help", None)]
    assert len(helps) > 40
    assert [h for h in helps if h[2].rstrip().endswith("。")] == []
    for path in {tuple(path) for path, _ in all_params()}:
        text = xxgk(*path, "--help").stdout
        options = text.split("选项：")[-1].split("命令：")[0]
        assert not re.search(r"。$", options, re.M), path


@pytest.mark.parametrize(
    ("click", "words"),
    [("2000<=x<=2100", "2000 至 2100"), ("x>=1", "不小于 1"), ("x<=9", "不大于 9"), ("0<x<1", "0 至 1")],
)
def test_ranges_in_words(click, words):
    from converter.cli.words import range_words

    assert range_words(click) == words


def test_number_ranges_are_in_words_in_help():
    assert "[2000 至 2100]" in xxgk("new", "--help").stdout


@pytest.mark.parametrize("path", [["check"], ["build"]])
def test_wrapped_docstring_lines_join_without_a_space_between_chinese(path):
    """Click joins a docstring's wrapped lines with a space: `并行检查， 结果`."""
    text = xxgk(*path, "--help").stdout
    assert "并行检查，结果" in text or "并行处理，报告" in text
    wide = r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uff60]"
    assert not re.search(rf"{wide} {wide}", text)
