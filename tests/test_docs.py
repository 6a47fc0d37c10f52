"""Docs that cannot drift: README's generated parts, its two commands, and CI running README's tests."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_readme_generated_parts_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_readme_opens_with_the_main_job_and_the_test_command():
    main_job, tests = bash_blocks(readme())[:2]
    assert "xxgk build sample_workbooks/" in main_job
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command():
    tests = bash_blocks(readme())[1]
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_main_job_sample_exists():
    main_job = bash_blocks(readme())[0]
    sample = re.search(r"(sample_workbooks/\S+\.xlsx)", main_job).group(1)
    assert (ROOT / sample).is_file()


def test_every_command_is_documented_with_its_help():
    text = readme()
    for command in (
        "new",
        "check",
        "dump",
        "build",
        "template export",
        "template fields",
        "template check",
        "serve",
    ):
        assert f"### `xxgk {command}`" in text, command
