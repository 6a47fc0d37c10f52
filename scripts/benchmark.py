"""Benchmark: medians over several runs, with the targets of issue 3.

    .venv/bin/python scripts/benchmark.py [--runs N]

- in-process check + render per report (target <= 50 ms);
- whole-process `xxgk build` on the city sample (target <= 1.5 x `import openpyxl, docx, docxtpl`);
- whole-process `xxgk --help` (target <= 0.25 s).

The package's modules are byte-compiled first, as `pip install` does. Builds use their own template
cache (XDG_CACHE_HOME); the first build of a template, which fills that cache, is shown apart.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "sample_workbooks"
XXGK = [sys.executable, "-m", "converter"]


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(runs: int, tmp: Path) -> dict[str, float]:
    from converter.check.rules import check
    from converter.read.report_json import report_from_dict
    from converter.render.docx import render_report

    results = {}
    for sample in sorted(SAMPLES.glob("*.json")):
        report = report_from_dict(json.loads(sample.read_text(encoding="utf-8")))
        out = tmp / f"{sample.stem}.docx"
        render_report(report, out)  # warm-up: imports and template parsing of the first call

        def once(report=report, out=out):
            check(report)
            render_report(report, out)

        results[sample.stem] = median_seconds(once, runs)
    return results


def seconds(argv: list[str], cache: Path | None = None) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)} if cache else None
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def whole_process(runs: int, tmp: Path) -> dict[str, list[float]]:
    """Each measurement once per round, the rounds one after another, so that a busy spell of the
    machine slows the baseline and the build alike instead of one of them."""
    build = [*XXGK, "build", str(SAMPLES / "huaian-2024.xlsx"), "-o", str(tmp / "city.docx"), "--force"]
    seconds(build, tmp / "cache")  # fills the template cache, as the clerk's first build does
    times: dict[str, list[float]] = {"imports": [], "build": [], "first build": [], "help": []}
    for round_number in range(runs):
        times["imports"].append(seconds([sys.executable, "-c", "import openpyxl, docx, docxtpl"]))
        times["build"].append(seconds(build, tmp / "cache"))
        times["first build"].append(seconds(build, tmp / f"empty-cache-{round_number}"))
        times["help"].append(seconds([*XXGK, "--help"]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    # pip compiles an installed package's modules; a source tree run with PYTHONDONTWRITEBYTECODE=1
    # (as on these machines) would recompile ours in every process and time the compiler.
    compileall.compile_dir(ROOT / "converter", quiet=1)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for name, taken in in_process(runs, tmp).items():
            print(f"check + render in process, {name}: {taken * 1000:.1f} ms (target <= 50 ms)")
        times = whole_process(runs, tmp)
    ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    ratios = [build / imports for build, imports in zip(times["build"], times["imports"], strict=True)]
    print(f"python -c 'import openpyxl, docx, docxtpl': {ms['imports']:.0f} ms")
    ratio = ms["build"] / ms["imports"]
    print(f"xxgk build (city sample, whole process): {ms['build']:.0f} ms = {ratio:.2f} x imports")
    print(
        f"  (target <= 1.5 x imports; per round: median {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f}-{max(ratios):.2f})"
    )
    print(f"  the first build, with an empty template cache: {ms['first build']:.0f} ms")
    print(f"xxgk --help: {ms['help']:.0f} ms (target <= 250 ms)")


if __name__ == "__main__":
    main()
