"""Benchmark `xxgk import` / `xxgk audit`: import + audit per report for each input kind, medians.

    .venv/bin/python scripts/bench_import.py [--runs N]

Inputs: both samples built to .docx, saved by LibreOffice as .docx, .pdf and .html, the PDF through
`pdftotext -layout`, each sample as Markdown the way converters make it (plain, one table per row,
labels pulled out of the table) and as a portal's glued text copy (tests/published_inputs.py), and the
real published files in tests/data/published. Targets (issues 12, 17): <= 0.3 s per PDF report,
<= 0.1 s per .docx, .html, text or Markdown report. Peak memory of the whole run is shown.
"""

from __future__ import annotations

import argparse
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
SAMPLES = ROOT / "sample_workbooks"
REAL = ROOT / "tests" / "data" / "published"
TARGETS = {"pdf": 0.3, "docx": 0.1, "html": 0.1, "text": 0.1, "markdown": 0.1}


def make_inputs(folder: Path) -> list[Path]:
    from converter.app import pipeline

    built = []
    for name in ("huaian-2024", "oumiao-2024"):
        out = folder / f"{name}.docx"
        pipeline.build(SAMPLES / f"{name}.json", out)
        built.append(out)
    files = list(built)
    soffice = shutil.which("soffice")
    if soffice:
        profile = folder / "lo-profile"
        for target, sub in (("pdf", "pdf"), ("html", "html"), ("docx:MS Word 2007 XML", "lo")):
            (folder / sub).mkdir()
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                 "--outdir", str(folder / sub), *map(str, built)],
                check=True, capture_output=True,
            )  # fmt: skip
            files += sorted((folder / sub).iterdir())
        if shutil.which("pdftotext"):
            for pdf in sorted((folder / "pdf").iterdir()):
                txt = folder / f"{pdf.stem}.txt"
                subprocess.run(["pdftotext", "-layout", str(pdf), str(txt)], check=True)
                files.append(txt)
    files += converted_texts(folder)
    return files + sorted(p for p in REAL.iterdir() if p.suffix in (".pdf", ".html", ".txt"))


def converted_texts(folder: Path) -> list[Path]:
    """Each sample as Markdown from a converter (three shapes) and as a portal's glued text copy."""
    sys.path.insert(0, str(ROOT / "tests"))
    from published_inputs import markdown_table3, report_glued_text, report_markdown, table3_rows

    from converter.read.sources import load

    out = []
    for name in ("huaian-2024", "oumiao-2024"):
        report = load(SAMPLES / f"{name}.json").report
        rows = table3_rows(report)
        shapes = {
            "plain": markdown_table3(rows),
            "split": markdown_table3(rows, split=True),
            "pulled": markdown_table3(rows, pulled=set(range(25)), wrap=9),
        }
        for shape, table3 in shapes.items():
            path = folder / "md" / f"{name}-{shape}.md"
            path.parent.mkdir(exist_ok=True)
            path.write_text(report_markdown(report, table3, width=30), encoding="utf-8")
            out.append(path)
        glued = folder / "md" / f"{name}-glued.txt"
        glued.write_text(report_glued_text(report), encoding="utf-8")
        out.append(glued)
    return out


def time_one(path: Path, runs: int) -> tuple[str, float, float]:
    """(kind, median wall seconds, median CPU seconds): on a shared machine the CPU time is the figure."""
    from converter.published import import_report
    from converter.published.audit import audit_one
    from converter.published.document import norm
    from converter.published.rows import similarity

    times, cpu = [], []
    kind = ""
    for _ in range(runs):
        similarity.cache_clear()  # each report is timed as if it were the first
        norm.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        imported = import_report(path)
        audit_one(imported)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        kind = imported.kind
    return kind, statistics.median(times), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_inputs(Path(tmp))
        time_one(files[0], 1)  # warm up: module imports are not per report
        by_kind: dict[str, list[float]] = {}
        for path in files:
            kind, median, cpu = time_one(path, args.runs)
            by_kind.setdefault(kind, []).append(cpu)
            name = path.parent.name + "/" + path.name
            print(f"{name:42s} {kind:8s} {median * 1000:7.1f} ms ({cpu * 1000:.1f} ms CPU)")
    failed = False
    for kind, medians in sorted(by_kind.items()):
        worst = max(medians)
        ok = worst <= TARGETS[kind]
        failed |= not ok
        middle = statistics.median(medians) * 1000
        print(f"{kind:8s}: CPU median {middle:.1f} ms, worst {worst * 1000:.1f} ms "
              f"(target <= {TARGETS[kind] * 1000:.0f} ms) {'OK' if ok else 'SLOW'}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the whole run: {peak:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
