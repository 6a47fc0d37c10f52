"""The house in wings: import-linter's contracts (pyproject.toml) hold, every wing is placed in the
layers and says what it is for; a circle or an upward import fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # import-linter brings tomli there
    import tomli as tomllib

PACKAGE = ROOT / "converter"


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and " 0 broken" in result.stdout


def wings() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def test_every_wing_is_a_layer():
    (layers,) = [c["layers"] for c in contracts() if c["type"] == "layers"]
    placed = {name.strip().removeprefix("converter.") for layer in layers for name in layer.split("|")}
    assert set(wings()) == placed


def test_every_wing_says_what_it_is_for():
    for wing in wings():
        doc = ast.get_docstring(ast.parse((PACKAGE / wing / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 60, f"converter/{wing}/__init__.py: say what the wing is for"


def test_no_module_is_left_beside_the_wings():
    """Only the package marker and `python -m converter` live at the top; modules go in a wing."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]
