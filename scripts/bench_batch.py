"""Benchmark a county office's batch: N distinct workbooks through `xxgk check` and `xxgk build`, and
`xxgk build --pdf` for a smaller set (run by hand; figures go into the notes, not into tests).

    .venv/bin/python scripts/bench_batch.py [--workbooks 1000] [--pdf 50] [--runs 3]

Each command runs as its own process on a folder; wall time is the median of the runs, peak memory is
the largest resident set of the main process and of any one worker (they are its children).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def make_workbooks(folder: Path, count: int) -> None:
    """`count` distinct consistent workbooks: other organs, other figures (totals still add up)."""
    from factories import consistent_report

    from converter.write.workbook import write_workbook

    folder.mkdir(parents=True)
    randomness = random.Random(2024)
    for number in range(count):
        report = consistent_report()
        report.info.org = f"某某县第{number:04d}局"
        shift = randomness.randint(0, 50)
        for column in ("natural_person", "commercial"):  # R0 holds: 一 and 四 move together
            report.values[f"applications.new.{column}"] += shift
            report.values[f"applications.carried_forward.{column}"] += shift
        for key in ("new", "carried_forward"):
            report.values[f"applications.{key}.total"] += 2 * shift
        report.values["proactive.licensing.decisions"] = randomness.randint(0, 5000)
        write_workbook(folder / f"单位{number:04d}.xlsx", report)


def timed(argv: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (MiB) of the process tree's largest member, for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed ({result.returncode}): {result.stderr[-500:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def clean(folder: Path) -> None:
    for path in folder.iterdir():
        if path.suffix in (".docx", ".html", ".pdf"):
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workbooks", type=int, default=1000)
    parser.add_argument("--pdf", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    compileall.compile_dir(ROOT / "converter", quiet=1)  # as `pip install` leaves it
    xxgk = [sys.executable, "-m", "converter"]
    print(f"cores: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "各单位"
        start = time.perf_counter()
        make_workbooks(folder, options.workbooks)
        print(f"made {options.workbooks} workbooks in {time.perf_counter() - start:.1f} s")
        for name, argv in (
            ("check", [*xxgk, "check", str(folder), "--quiet"]),
            ("build", [*xxgk, "build", str(folder), "--quiet", "--force"]),
        ):
            runs = [timed(argv) for _ in range(options.runs)]
            seconds = statistics.median(s for s, _ in runs)
            peak = max(m for _, m in runs)
            per = seconds / options.workbooks * 1000
            print(f"xxgk {name} of {options.workbooks}: {seconds:.2f} s ({per:.1f} ms a workbook)", end="")
            print(f", peak RSS {peak} MiB")
        clean(folder)
        pdf_folder = Path(tmp) / "PDF"
        pdf_folder.mkdir()
        for path in sorted(folder.glob("*.xlsx"))[: options.pdf]:
            shutil.copy(path, pdf_folder / path.name)
        seconds, peak = timed([*xxgk, "build", str(pdf_folder), "--quiet", "--pdf"])
        made = len(list(pdf_folder.glob("*.pdf")))
        print(
            f"xxgk build --pdf of {made}: {seconds:.1f} s ({seconds / made * 1000:.0f} ms a report)", end=""
        )
        print(f", peak RSS {peak} MiB")


if __name__ == "__main__":
    main()
