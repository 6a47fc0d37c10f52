"""Interleaved A/B timing of whole `xxgk` commands from two checkouts (e.g. before and after a change).

    .venv/bin/python scripts/bench_trees.py OLD_TREE NEW_TREE [--runs N]

Each round runs `xxgk --help` and `xxgk build` (Huai'an sample) from both trees in alternating order
(PYTHONPATH selects the tree, the same interpreter and libraries serve both), so a busy spell on the
machine slows both alike. Byte-compile both trees first (`python -m compileall -q TREE/converter`) when
PYTHONDONTWRITEBYTECODE is set, as `pip install` would have.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    trees = {"old": args.old, "new": args.new}
    tmp = tempfile.mkdtemp()
    commands = {
        "help": lambda tree: ["--help"],
        "build": lambda tree: [
            "build",
            f"{tree}/sample_workbooks/huaian-2024.xlsx",
            "-o",
            f"{tmp}/out.docx",
            "--force",
        ],
    }
    times: dict[tuple[str, str], list[float]] = {(c, t): [] for c in commands for t in trees}
    try:
        for i in range(args.runs):
            order = list(trees.items()) if i % 2 else list(reversed(trees.items()))
            for command, make in commands.items():
                for name, tree in order:
                    env = {**os.environ, "PYTHONPATH": tree, "XDG_CACHE_HOME": f"{tmp}/cache-{name}"}
                    start = time.perf_counter()
                    argv = [sys.executable, "-m", "converter", *make(tree)]
                    subprocess.run(argv, env=env, cwd=tmp, check=True, capture_output=True)
                    times[(command, name)].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(tmp)
    for (command, name), values in times.items():
        median, low = statistics.median(values) * 1000, min(values) * 1000
        print(f"{command:6} {name}: median {median:.0f} ms, min {low:.0f} ms (n={len(values)})")


if __name__ == "__main__":
    main()
