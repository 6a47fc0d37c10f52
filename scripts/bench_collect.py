"""Benchmark `xxgk library collect`'s own work (run by hand; figures go into the notes, not into tests):
reading pages (decode, list, detail) and a whole run of the saved 平潭 column against the local test
portal with no delay, first run (fetch and store) and second run (304s, nothing stored).

    .venv/bin/python scripts/bench_collect.py [--repeat 200] [--runs 3]

A real run is bound by the sites' delay (1 s between requests to a host by default), not by this.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def per_call(action, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from converter.library.collect import portal

    page = (ROOT / "tests/data/published/pingtan-2022.html").read_bytes()
    listing = (ROOT / "tests/data/portal/zfxxgknb/index.htm").read_bytes()
    gbk = (ROOT / "tests/data/portal/zfxxgknb/t20140225_80774.htm").read_text(encoding="utf-8").encode("gbk")
    text = portal.decode_page(page).text
    print(f"decode, 268 KB UTF-8 page: {per_call(lambda: portal.decode_page(page), args.repeat):.2f} ms")
    print(f"decode, GBK page:          {per_call(lambda: portal.decode_page(gbk), args.repeat):.2f} ms")
    list_text = portal.decode_page(listing).text
    url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    listed = per_call(lambda: portal.parse_list(list_text, url), args.repeat)
    detailed = per_call(lambda: portal.parse_detail(text, url + "a.htm"), args.repeat)
    print(f"list page:                 {listed:.2f} ms")
    print(f"detail, 268 KB page:       {detailed:.2f} ms")

    from portal_server import COLUMN, Portal, pingtan_column

    from converter.library import db as library_db
    from converter.library.collect.fetch import Politeness
    from converter.library.collect.run import Seed
    from converter.library.collect.store import collect

    first, second = [], []
    for _ in range(args.runs):
        server = Portal().start()
        pingtan_column(server)
        with tempfile.TemporaryDirectory() as folder:
            db = library_db.database_url(str(Path(folder) / "library.db"))
            rules = Politeness(delay=0.0, allow_private=True)
            seeds = [Seed("平潭综合实验区", server.url(COLUMN))]
            for times in (first, second):
                start = time.perf_counter()
                summary = collect(db, seeds, rules, cache=Path(folder) / "http.db")
                times.append(time.perf_counter() - start)
        server.stop()
    documents = len(summary.events)
    print(
        f"whole column, {documents} documents, {summary.requests} requests, no delay (median of {args.runs}):"
    )
    print(f"  first run  {statistics.median(first):.2f} s (fetch, read, check, store)")
    print(f"  second run {statistics.median(second):.2f} s (conditional requests, nothing stored)")


if __name__ == "__main__":
    main()
