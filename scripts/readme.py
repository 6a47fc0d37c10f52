"""Regenerate the generated parts of README.md from the code (rules, commands, fields, limits).

python scripts/readme.py          # rewrite README.md
python scripts/readme.py --check  # exit 1 when README.md is out of date (tests run this)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
README = ROOT / "README.md"


def rules() -> str:
    from converter.format import official as fmt

    lines = ["### 检查规则（勾稽关系）", "", "| 规则 | 级别 | 规则 | 说明 |", "|---|---|---|---|"]
    for rule in fmt.RULES.values():
        lines.append(f"| {rule.id} | {rule.levels} | {rule.title} | {rule.explanation} |")
    return "\n".join(lines)


def commands() -> str:
    from typer.testing import CliRunner

    from converter.cli import app, command_paths

    runner = CliRunner()
    parts = []
    for argv in command_paths():
        result = runner.invoke(app, [*argv, "--help"], terminal_width=100, prog_name="xxgk")
        if result.exit_code != 0:
            raise RuntimeError(f"xxgk {' '.join(argv)} --help failed: {result.output}")
        parts += [f"### `xxgk {' '.join(argv)}`", "", "```text", result.output.strip(), "```", ""]
    return "\n".join(parts).strip()


def fields() -> str:
    from converter.render.fields import fields_markdown

    return fields_markdown()


def limits() -> str:
    from converter.app.limits import limits_markdown

    return limits_markdown()


GENERATORS: dict[str, Callable[[], str]] = {
    "rules": rules,
    "commands": commands,
    "fields": fields,
    "limits": limits,
}


def regenerate(text: str) -> str:
    for name, generate in GENERATORS.items():
        if f"<!-- {name} -->" not in text:
            continue
        end = f"<!-- /{name} -->" if f"<!-- /{name} -->" in text else ""
        pattern = re.compile(rf"<!-- {name} -->.*?{re.escape(end)}" if end else rf"<!-- {name} -->", re.S)
        try:
            body = generate()
        except ImportError:
            continue
        block = f"<!-- {name} -->\n{body}\n<!-- /{name} -->"
        text = pattern.sub(lambda _m, block=block: block, text, count=1)
    return text


def main() -> int:
    current = README.read_text(encoding="utf-8")
    fresh = regenerate(current)
    if "--check" in sys.argv:
        if fresh != current:
            print("README.md 已过期：请运行 python scripts/readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
