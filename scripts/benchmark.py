"""Benchmark: medians over several runs, with the targets of issue 3.

    .venv/bin/python scripts/benchmark.py [--runs N]

- in-process check + render per report (target <= 50 ms);
- whole-process `xxgk build` on the city sample (target <= 1.5 x `import openpyxl, docx, docxtpl`);
- whole-process `xxgk --help` (target <= 0.25 s).
"""

from __future__ import annotations

import argparse
import json
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
    from converter.checks import check
    from converter.model import report_from_dict
    from converter.render import render_report

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


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for name, seconds in in_process(runs, tmp).items():
            print(f"check + render in process, {name}: {seconds * 1000:.1f} ms (target <= 50 ms)")
        imports = median_seconds(lambda: run([sys.executable, "-c", "import openpyxl, docx, docxtpl"]), runs)
        out = tmp / "city.docx"
        build = median_seconds(
            lambda: run([*XXGK, "build", str(SAMPLES / "huaian-2024.xlsx"), "-o", str(out), "--force"]), runs
        )
        help_time = median_seconds(lambda: run([*XXGK, "--help"]), runs)
    print(f"python -c 'import openpyxl, docx, docxtpl': {imports * 1000:.0f} ms")
    print(f"xxgk build (city sample, whole process): {build * 1000:.0f} ms = {build / imports:.2f} x imports")
    print("  (target <= 1.5 x imports)")
    print(f"xxgk --help: {help_time * 1000:.0f} ms (target <= 250 ms)")


if __name__ == "__main__":
    main()
