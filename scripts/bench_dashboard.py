"""Benchmark the dashboard's views at many report versions (run by hand; figures go into the notes).

    .venv/bin/python scripts/bench_dashboard.py [--reports 500] [--versions 100000] [--db URL]
    .venv/bin/python scripts/bench_dashboard.py --postgres-temp          # a throwaway PostgreSQL

The library is made as scripts/bench_library.py makes it (reports ingested through `xxgk library add`,
a directory imported, then grown by copying rows to V versions, without the stored documents no view
reads), with 1,000 reviews (half of them
dismissals) on random findings. Each view's query (converter.library.dashboard / review, what one
page or API call runs) is timed 10 times for an unscoped and a county-scoped account: p50 and p95.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_library  # noqa: E402  (the library's own generator)


def drop_documents(url: str) -> None:
    """The stored `xxgk dump` of each version is read by no view (only by `library show`'s R4): without
    it the copies take 2 GiB less (40 KiB a version) and the figures are the same."""
    from sqlalchemy import create_engine, update

    from converter.library import db
    from converter.library import schema as s

    engine = create_engine(db.database_url(url))
    with engine.begin() as conn:
        conn.execute(update(s.versions).values(document=None))
    engine.dispose()


def add_reviews(url: str, count: int = 1000) -> None:
    import datetime as dt

    from sqlalchemy import create_engine, func, insert, select

    from converter.library import db
    from converter.library import schema as s

    engine = create_engine(db.database_url(url))
    with engine.begin() as conn:
        top = conn.execute(select(func.max(s.findings.c.id))).scalar() or 0
        ids = random.Random(22).sample(range(1, top + 1), min(count, top))
        rows = conn.execute(select(s.findings).where(s.findings.c.id.in_(ids))).all()
        now = dt.datetime(2026, 1, 1)
        conn.execute(
            insert(s.reviews),
            [
                {
                    "version_id": f.version_id,
                    "finding_id": f.id,
                    "reviewer": "基准",
                    "status": "dismissed" if i % 2 else "confirmed",
                    "note": "基准测试",
                    "created_at": now,
                    "rule": f.rule,
                    "code": f.code,
                    "field": f.field,
                    "position": f.position,
                    "message": f.message,
                }
                for i, f in enumerate(rows)
            ],
        )
    engine.dispose()


def time_views(url: str, runs: int = 10) -> dict[str, tuple[float, float]]:
    from sqlalchemy import create_engine, select

    from converter.library import dashboard, db, review
    from converter.library import schema as s
    from converter.library.dashboard import Filters

    engine = create_engine(db.database_url(url))
    out: dict[str, tuple[float, float]] = {}
    with engine.connect() as conn:
        organ = conn.execute(select(s.organs.c.id).order_by(s.organs.c.id).limit(1)).scalar()
        report = conn.execute(
            select(s.reports.c.id).where(s.reports.c.organ_id == organ).order_by(s.reports.c.year.desc())
        ).first()[0]
        county = "江苏省/淮安市/洪泽区"
        cases = {
            "choices (filters)": lambda scope: dashboard.choices(conn, scope),
            "overview": lambda scope: dashboard.overview(conn, scope, Filters()),
            "overview year=2024 + dismissed": lambda scope: dashboard.overview(
                conn, scope, Filters(year=2024, dismissed=True)
            ),
            "matrix page 1": lambda scope: dashboard.matrix(conn, scope, Filters()),
            "matrix rule=R0": lambda scope: dashboard.matrix(conn, scope, Filters(rule="R0")),
            "ranking by region": lambda scope: dashboard.ranking(conn, scope, Filters()),
            "ranking by organ": lambda scope: dashboard.ranking(conn, scope, Filters(by="organ")),
            "trends": lambda scope: dashboard.trends(conn, scope, Filters()),
            "heatmap": lambda scope: dashboard.heatmap(conn, scope, Filters()),
            "organ (drill-down)": lambda scope: dashboard.organ_years(conn, scope, organ),
            "report (findings, history)": lambda scope: review.report_detail(conn, scope, report),
        }
        for name, run in cases.items():
            for label, scope in (("all", ""), ("county", county)):
                out[f"{name} [{label}]"] = bench_library.percentiles(
                    lambda run=run, scope=scope: run(scope), runs
                )
        for label, scope in (("all", ""), ("county", county)):
            started = time.perf_counter()
            dashboard.to_xlsx(dashboard.matrix(conn, scope, Filters(), everything=True), "")
            out[f"export matrix.xlsx (every organ) [{label}]"] = ((time.perf_counter() - started) * 1000,) * 2
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--postgres-temp", action="store_true", help="start a throwaway PostgreSQL server")
    parser.add_argument("--existing", default="", help="time the views of this library as it is (no build)")
    args = parser.parse_args()
    if args.existing:
        for name, (p50, p95) in time_views(args.existing).items():
            print(f"  {name:48} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
        return
    cluster = None
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-dashboard-") as tmp:
        folder = Path(tmp) / "reports"
        url = args.db or str(Path(tmp) / "library.db")
        if args.postgres_temp:
            from library_support import Cluster

            cluster = Cluster()
            url = cluster.database()
        try:
            bench_library.make_reports(folder, args.reports)
            seconds = bench_library.ingest(url, folder, 0)
            print(f"ingest {args.reports} reports: {seconds:.1f} s")
            drop_documents(url)
            have = bench_library.grow(url, args.versions)
            add_reviews(url)
            print(f"summaries rebuilt with the reviews: {bench_library.rebuild(url):.1f} s")
            bench_library.analyze(url)
            print(f"grown to {have} versions, 1,000 reviews; {bench_library.size_of(url) / 2**20:.0f} MiB")
            for name, (p50, p95) in time_views(url).items():
                print(f"  {name:48} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
        finally:
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
