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

    lines = [
        "### 检查规则（勾稽关系、要素、内容、时效、雷同）",
        "",
        "| 规则 | 级别 | 适用 | 规则 | 说明 |",
        "|---|---|---|---|---|",
    ]
    for rule in fmt.RULES.values():
        lines.append(f"| {rule.id} | {rule.levels} | {_applies(rule)} | {rule.title} | {rule.explanation} |")
    return "\n".join(lines)


def _applies(rule) -> str:
    """Where a rule runs: check (workbooks), audit (published reports), template check."""
    from converter.format import official as fmt

    if rule.scope is fmt.Scope.TEMPLATE:
        return "模板"
    names = {fmt.WORKBOOK: "工作簿", fmt.PUBLISHED: "已发布报告"}
    return "、".join(names[s] for s in rule.sources)


def profiles() -> str:
    """The built-in scoring profiles, item by item, from their TOML files."""
    from converter.check.scoring import BUILT_IN, load_profile, number

    parts = []
    for name in BUILT_IN:
        profile = load_profile(name)
        parts += [
            f"**`--profile {name}`：{profile.name}**"
            f"（满分 {number(profile.total)}，最低 {number(profile.floor)}）",
            "",
            "| 评分项 | 规则 | 每条错误扣分 | 每条警告扣分 | 最多扣分 |",
            "|---|---|---|---|---|",
        ]
        for item in profile.items:
            rules = "、".join(item.rules) or f"（{item.not_assessable}）"
            error, warning = (
                number(item.points[s]) if s in item.points else "—" for s in ("error", "warning")
            )
            parts.append(f"| {item.title} | {rules} | {error} | {warning} | {number(item.max)} |")
        parts.append("")
    return "\n".join(parts).strip()


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
    from converter.published.limits import published_limits_markdown

    return f"{limits_markdown()}\n\n{published_limits_markdown()}"


GENERATORS: dict[str, Callable[[], str]] = {
    "rules": rules,
    "profiles": profiles,
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
