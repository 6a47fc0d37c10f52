"""Drift: official labels typed only in format.py, info fields declared once, docstrings on the model
and the format, and a loud failure if a dependency's private API we rely on moves."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from converter.core import model
from converter.format import official as fmt

GENERIC = {"标题", "其他", "部门", "总计", "自然人", "行政复议", "行政诉讼"}  # also ordinary words in prose


def official_labels() -> set[str]:
    labels = {c.label for t in fmt.TABLES for c in t.cells if c.label}
    labels |= {t.caption for t in fmt.TABLES} | {s.heading for s in fmt.SECTIONS}
    labels |= {f.label for f in fmt.INFO_FIELDS} | set(fmt.OVERVIEW_SUBHEADS) | set(fmt.LABELS_2019)
    labels |= {part for v in fmt.VALUES.values() for part in v.description.split(" / ")}
    return {label for label in labels if len(label) >= 2} - GENERIC


def code_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not documentation (f-string parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {  # a string standing alone as a statement documents (module, class, function, constant)
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


# Patterns that recognise what published reports print (R5's sentences, the fee sentence, where a table
# starts): they must spell the words reports use, misprints and variants included. Listed one by one,
# so that a label typed anywhere else still fails.
RECOGNISING = {
    "text_figures.py": {
        "依申请公开",
        "规章",
        "未经复议直接起诉",
        "复议后起诉",
        "行政许可",
        "行政处罚",
        "行政强制",
        "行政事业性收费",
    },
    "fees.py": {"实际收取的总金额"},
    "sections.py": {"信息内容", "申请人情况"},
}


def test_official_labels_are_typed_only_in_format_py():
    labels = official_labels()
    found = []
    for path in sorted((ROOT / "converter").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "converter/format/official.py":
            continue
        allowed = RECOGNISING.get(path.name, set())
        for line, text in code_strings(path):
            found += [f"{path.name}:{line}: {label}" for label in labels - allowed if label in text]
    assert found == []


def test_the_drift_test_sees_a_typed_label(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        '"""Doc: 行政规范性文件 here is fine."""\nX = f"共{1}件行政规范性文件"\n', encoding="utf-8"
    )
    texts = [text for _, text in code_strings(planted)]
    assert any("行政规范性文件" in text for text in texts)
    assert not any(text.startswith("Doc:") for text in texts)


def test_info_fields_are_declared_once():
    attributes = [f.name for f in dataclasses.fields(model.Info)]
    assert attributes == [f.key for f in fmt.INFO_FIELDS] + ["custom"]
    assert tuple(f.key for f in fmt.INFO_FIELDS) == model.INFO_KEYS
    assert list(model.Report().to_dict()["info"]) == [*model.INFO_KEYS, "custom"]


@pytest.mark.parametrize("module", [fmt, model], ids=lambda m: m.__name__)
def test_public_classes_and_functions_have_docstrings(module):
    missing = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not obj.__doc__:
            missing.append(name)
        for member, value in vars(obj).items() if inspect.isclass(obj) else ():
            documented = isinstance(value, property) or inspect.isfunction(value)
            if not member.startswith("_") and documented and not value.__doc__:
                missing.append(f"{name}.{member}")
    assert missing == []


# --------------------------------------------------------------------------- private APIs, fenced


def test_typer_still_carries_the_click_we_translate():
    from converter.cli import words as cli_words

    assert cli_words.click_errors.NoSuchOption.__name__ == "NoSuchOption", (
        "typer._click moved: update converter/cli_words.py (Chinese usage errors and help headings)"
    )
    assert hasattr(cli_words.HelpFormatter, "write_dl"), "typer._click.formatting.HelpFormatter changed"


def test_zipfile_still_finds_the_end_record_as_we_read_it(tmp_path):
    from converter.read.inspect import central_directory_size

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.xml", "<x/>")
    with path.open("rb") as stream:
        size = central_directory_size(stream)
    with zipfile.ZipFile(path) as archive:
        assert size == 46 + len("x.xml"), "zipfile._EndRecData moved or changed: update safety.py"
        assert archive.namelist() == ["x.xml"]
