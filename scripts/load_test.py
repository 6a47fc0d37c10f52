"""Load and fault test of `xxgk serve`, run by hand (not a test): figures for the developers' notes.

    .venv/bin/python scripts/load_test.py [--uploads 500] [--clients 20]

Starts `python -m converter serve` on a free port of 127.0.0.1 and sends the uploads from concurrent
clients: good workbooks (built: the .docx must have the same text as `pipeline.build`), workbooks with
errors (422 and the findings), hostile files (422), oversized bodies (413). Reports latency p50/p95 per
kind, the peak RSS of the server and its workers, and the answers by status. Then kills a worker in the
middle of requests and shows that the server recovers. Only 127.0.0.1 is ever contacted; it stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from docx_text import docx_text  # noqa: E402
from web_support import docx_renamed, empty_file, free_port, wait_until_up, wrong_workbook, zip_bomb  # noqa: E402

from converter.app import pipeline  # noqa: E402

MiB = 1024 * 1024


def prepare(folder: Path) -> dict[str, list[tuple[str, bytes, str, int]]]:
    """Kinds of upload: (file name, content, endpoint, expected status), with the expected report texts."""
    samples = [ROOT / "sample_workbooks" / n for n in ("huaian-2024.xlsx", "oumiao-2024.xlsx")]
    expected = {}
    for sample in samples:
        expected[sample.name] = docx_text(
            pipeline.build(sample, folder / f"{sample.stem}.docx", force=True).output
        )
    prepare.expected = expected  # type: ignore[attr-defined]
    wrong = wrong_workbook(folder)
    hostile = [docx_renamed(folder), empty_file(folder), zip_bomb(folder)]
    return {
        "good-build": [(s.name, s.read_bytes(), "/api/build", 200) for s in samples],
        "good-check": [(s.name, s.read_bytes(), "/api/check", 200) for s in samples],
        "errors-build": [(wrong.name, wrong.read_bytes(), "/api/build", 422)],
        "hostile-check": [(h.name, h.read_bytes(), "/api/check", 422) for h in hostile],
        "oversized": [("big.xlsx", os.urandom(21 * MiB), "/api/check", 413)],
    }


MIX = [("good-build", 55), ("good-check", 15), ("errors-build", 12), ("hostile-check", 13), ("oversized", 5)]


def plan(uploads: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    kinds = [k for k, share in MIX for _ in range(share)]
    return [rng.choice(kinds) for _ in range(uploads)]


def send(client: httpx.Client, base: str, kind: str, upload: tuple[str, bytes, str, int]) -> dict:
    name, content, path, want = upload
    started = time.perf_counter()
    try:
        response = client.post(base + path, files={"workbook": (name, content)}, timeout=120)
        status, body = response.status_code, response.content
    except httpx.HTTPError as exc:  # an oversized upload may be cut off while still sending
        status, body = (413 if kind == "oversized" else -1), str(exc).encode()
    elapsed = time.perf_counter() - started
    right = status == want and verify(kind, name, body)
    return {"kind": kind, "status": status, "seconds": elapsed, "right": right}


def verify(kind: str, name: str, body: bytes) -> bool:
    if kind == "good-build":
        with tempfile.NamedTemporaryFile(suffix=".docx") as out:
            out.write(body)
            out.flush()
            return docx_text(Path(out.name)) == prepare.expected[name]  # type: ignore[attr-defined]
    data = json.loads(body)
    if kind == "good-check":
        return data[0]["ok"] is True
    if kind == "errors-build":
        return data["reason"] == "findings" and data["result"]["errors"] > 0
    if kind == "hostile-check":
        return data[0]["unreadable"] is True and bool(data[0]["message"])
    return "message" in data


def tree_rss(root: int) -> int:
    """RSS in bytes of a process and all its descendants, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, grew = {root}, True
    while grew:
        new = {pid for pid, parent in parents.items() if parent in family} - family
        family |= new
        grew = bool(new)
    total = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def workers_of(root: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == root and b"spawn_main" in cmdline:
                pids.append(int(entry.name))
    return pids


class PeakRss(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(base: str, pid: int, uploads: dict, count: int, clients: int) -> list[dict]:
    kinds = plan(count)
    local = threading.local()

    def one(i: int) -> dict:
        if not hasattr(local, "client"):
            local.client = httpx.Client()
        kind = kinds[i]
        return send(local.client, base, kind, uploads[kind][i % len(uploads[kind])])

    monitor = PeakRss(pid)
    monitor.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    monitor.done.set()
    monitor.join()
    report_load(results, wall, monitor.peak, clients)
    return results


def report_load(results: list[dict], wall: float, peak: int, clients: int) -> None:
    print(f"\n{len(results)} uploads from {clients} clients in {wall:.1f} s ({len(results) / wall:.1f}/s)")
    print(f"statuses: {dict(sorted(Counter(r['status'] for r in results).items()))}")
    wrong = [r for r in results if not r["right"]]
    print(
        f"answered as expected: {len(results) - len(wrong)}/{len(results)}; 5xx: "
        f"{sum(1 for r in results if r['status'] >= 500)}"
    )
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r["seconds"])
    all_seconds = [r["seconds"] for r in results]
    print(f"{'kind':<14} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, seconds in [*sorted(by_kind.items()), ("all", all_seconds)]:
        print(
            f"{kind:<14} {len(seconds):>4} {statistics.median(seconds) * 1000:>8.0f} "
            f"{percentile(seconds, 95) * 1000:>8.0f}"
        )
    print(f"peak RSS of server + workers: {peak / MiB:.0f} MiB")


def fault(base: str, pid: int, uploads: dict) -> None:
    """Kill a worker while builds are running: those answer 503 (retry), later ones 200 again."""
    good = uploads["good-build"][0]
    victims = workers_of(pid)
    print(f"\nfault: workers {victims}; killing {victims[0]} while 8 builds are in flight")
    with ThreadPoolExecutor(8) as pool, httpx.Client() as client:
        futures = [pool.submit(send, client, base, "good-build", good) for _ in range(8)]
        time.sleep(0.15)
        os.kill(victims[0], signal.SIGKILL)
        during = [f.result() for f in futures]
    print(
        f"during the kill: statuses {dict(Counter(r['status'] for r in during))}, "
        f"{sum(r['right'] for r in during)}/8 right reports"
    )
    with httpx.Client() as client:
        after = [send(client, base, "good-build", good) for _ in range(10)]
        health = client.get(base + "/api/health").json()
    print(
        f"after: {sum(r['right'] for r in after)}/10 builds right; pool restarts: {health['restarts']}; "
        f"workers now {workers_of(pid)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "converter", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process=server)
        with tempfile.TemporaryDirectory() as folder:
            uploads = prepare(Path(folder))
            idle = tree_rss(server.pid)
            print(f"server + workers at rest: {idle / MiB:.0f} MiB")
            results = load(base, server.pid, uploads, args.uploads, args.clients)
            fault(base, server.pid, uploads)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    return 0 if all(r["right"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
