"""Benchmark the report library (run by hand; figures go into the notes and README, not into tests).

    .venv/bin/python scripts/bench_library.py [--reports 1000] [--versions 20000] [--db URL]
    .venv/bin/python scripts/bench_library.py --postgres-temp --workers 2   # a throwaway PostgreSQL

1. Ingest: N distinct reports made from the samples (organs of several regions and types, five years,
   numbers scaled, prose varied, one in ten with a table fault) as JSON files, through `xxgk library add`
   (SQLite or PostgreSQL in one process with its pool), or `add --queue` and W workers (PostgreSQL).
2. Queries at many versions: the library is grown to V versions by copying stored rows under new organs
   (bulk inserts, not ingest), then each main query runs 20 times: p50 and p95.
3. Database size per report (SQLite: the file; PostgreSQL: pg_database_size).
"""

from __future__ import annotations

import argparse
import copy
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
sys.path.insert(0, str(ROOT / "tests"))

REGIONS = ("江苏省/淮安市/洪泽区", "江苏省/淮安市/涟水县", "湖北省/襄阳市/襄城区", "福建省/平潭综合实验区")
KINDS = ("局", "委员会", "镇人民政府", "街道办事处", "人民政府")


def make_reports(folder: Path, count: int) -> None:
    bases = [
        json.loads((ROOT / "sample_workbooks" / n).read_text("utf-8"))
        for n in ("huaian-2024.json", "oumiao-2024.json")
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        organ, year = divmod(i, 5)
        data = copy.deepcopy(bases[organ % 2])
        region = REGIONS[organ % len(REGIONS)]
        kind = KINDS[organ % len(KINDS)]
        data["info"].update(
            org=f"{region.rsplit('/', 1)[-1]}第{organ}{kind}", year=2020 + year, title="", date=None
        )
        data["info"]["organ_type"] = ""
        factor = 1 + (organ + year) % 7
        for key, value in data["values"].items():
            if isinstance(value, int):
                data["values"][key] = value * factor
        if i % 10 == 3:  # a fault: R0/R2 no longer hold
            data["values"]["applications.new.natural_person"] = (
                data["values"]["applications.new.natural_person"] or 0
            ) + 1
        first = data["sections"]["overview"][0]
        first["body"] = (
            f"{data['info']['org']}{2020 + year}年共办理申请{factor * 100 + i % 97}件。" + first["body"]
        )
        (folder / f"r{i:06d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def ingest(url: str, folder: Path, workers: int) -> float:
    command = [sys.executable, "-m", "converter", "library"]
    started = time.perf_counter()
    if workers:
        subprocess.run(
            [*command, "add", "--queue", "--db", url, str(folder)], check=True, capture_output=True
        )
        runs = [subprocess.Popen([*command, "worker", "--until-empty", "--db", url]) for _ in range(workers)]
        for run in runs:
            run.wait()
    else:
        subprocess.run([*command, "add", "-q", "--db", url, str(folder)], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    directory = folder.parent / "机关名录.csv"  # every organ with its region: what an office imports
    names = sorted({json.loads(p.read_text("utf-8"))["info"]["org"] for p in folder.glob("*.json")})
    lines = ["机关全称,上级地区,机关类型,别名"]
    lines += [f"{n},{next(r for r in REGIONS if n.startswith(r.rsplit('/', 1)[-1]))},," for n in names]
    directory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [*command, "organs", "--import", str(directory), "--db", url], check=True, capture_output=True
    )
    return seconds


def grow(url: str, target: int) -> int:
    """Copy stored organs, reports, versions, values and findings under new organs until `target`
    versions: the shape of a real library, without the cost of reading files."""
    from sqlalchemy import create_engine, func, insert, select

    from converter.library import db
    from converter.library import schema as s

    engine = create_engine(db.database_url(url))
    with engine.begin() as conn:
        have = conn.execute(select(func.count()).select_from(s.versions)).scalar()
        organs = [dict(r._mapping) for r in conn.execute(select(s.organs))]
        reports = [dict(r._mapping) for r in conn.execute(select(s.reports))]
        versions = [
            dict(r._mapping)
            for r in conn.execute(select(s.versions).where(s.versions.c.report_id.is_not(None)))
        ]
        values = {}
        for r in conn.execute(select(s.report_values)):
            values.setdefault(r.version_id, []).append(dict(r._mapping))
        found = {}
        for r in conn.execute(select(s.findings)):
            found.setdefault(r.version_id, []).append(dict(r._mapping))
        ids = {
            t: conn.execute(select(func.max(t.c.id))).scalar() or 0
            for t in (s.organs, s.reports, s.versions, s.findings)
        }
    copy_number = 0
    while have < target:
        copy_number += 1
        organ_map, report_map = {}, {}
        rows = {t: [] for t in ("organs", "reports", "versions", "values", "findings")}
        for o in organs:
            ids[s.organs] += 1
            organ_map[o["id"]] = ids[s.organs]
            rows["organs"].append(
                {
                    **o,
                    "id": ids[s.organs],
                    "name": f"{o['name']}#{copy_number}",
                    "display_name": f"{o['display_name']}#{copy_number}",
                }
            )
        for r in reports:
            ids[s.reports] += 1
            report_map[r["id"]] = ids[s.reports]
            rows["reports"].append(
                {**r, "id": ids[s.reports], "organ_id": organ_map[r["organ_id"]], "latest_version_id": None}
            )
        latest = {}
        for v in versions:
            if have >= target:
                break
            ids[s.versions] += 1
            vid = ids[s.versions]
            latest[report_map[v["report_id"]]] = vid
            rows["versions"].append(
                {
                    **v,
                    "id": vid,
                    "report_id": report_map[v["report_id"]],
                    "content_hash": f"{copy_number:08x}{v['content_hash'][8:]}",
                }
            )
            rows["values"] += [{**x, "version_id": vid} for x in values.get(v["id"], [])]
            for f in found.get(v["id"], []):
                ids[s.findings] += 1
                rows["findings"].append({**f, "id": ids[s.findings], "version_id": vid})
            have += 1
        for r in rows["reports"]:
            r["latest_version_id"] = latest.get(r["id"])
        rows["reports"] = [r for r in rows["reports"] if r["latest_version_id"]]
        with engine.begin() as conn:
            for table, name in (
                (s.organs, "organs"),
                (s.reports, "reports"),
                (s.versions, "versions"),
                (s.report_values, "values"),
                (s.findings, "findings"),
            ):
                for start in range(0, len(rows[name]), 5000):
                    conn.execute(insert(table), rows[name][start : start + 5000])
    engine.dispose()
    print(f"summaries rebuilt for the copies: {rebuild(url):.1f} s")
    analyze(url)
    return have


def analyze(url: str) -> None:
    """The planner's statistics (and PostgreSQL's visibility map, for index-only scans), as autovacuum
    or a periodic ANALYZE would leave them on a library in use."""
    from sqlalchemy import create_engine

    from converter.library import db

    engine = create_engine(db.database_url(url))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def rebuild(url: str) -> float:
    """Every summary row made again (the copies were inserted beside the code that keeps them)."""
    from sqlalchemy import create_engine

    from converter.library import db, summaries

    engine = create_engine(db.database_url(url))
    started = time.perf_counter()
    with engine.begin() as conn:
        summaries.rebuild(conn)
    engine.dispose()
    return time.perf_counter() - started


def percentiles(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds of `runs` calls (the 95th of a sorted list: the worst but one of 20)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def time_queries(url: str, runs: int = 20) -> dict[str, tuple[float, float]]:
    from sqlalchemy import create_engine

    from converter.library import db, queries

    engine = create_engine(db.database_url(url))
    organ_name = "洪泽区第0局"
    with engine.connect() as conn:
        organ = queries.find_organ(conn, organ_name)[0][0]

        def dashboard():  # what the dashboard's overview and trends run (converter.library.dashboard)
            from converter.library.dashboard import Filters, overview, trends

            overview(conn, "", Filters())
            trends(conn, "", Filters())

        cases = {
            "list --year 2024 --region 江苏省/淮安市": lambda: queries.rows(
                conn, year=2024, region="江苏省/淮安市"
            ),
            "list --rule R0 --year 2023": lambda: queries.rows(conn, rule="R0", year=2023),
            "list --type 乡镇街道 --year 2022": lambda: queries.rows(conn, organ_type="乡镇街道", year=2022),
            "show ORGAN (history, R4)": lambda: queries.history(conn, organ),
            "dashboard overview + trends (both views)": dashboard,
        }
        out = {}
        for name, run in cases.items():
            out[name] = percentiles(run, runs)
        started = time.perf_counter()
        queries.rows(conn)
        out["export's query (every row)"] = ((time.perf_counter() - started) * 1000,) * 2
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:  # the whole command: the query and writing the workbook
        for suffix in ("csv", "xlsx"):
            command = [sys.executable, "-m", "converter", "library", "export", "--db", url]
            started = time.perf_counter()
            subprocess.run(
                [*command, "-o", str(Path(tmp) / f"指标.{suffix}")], check=True, capture_output=True
            )
            out[f"export -o 指标.{suffix} (command)"] = ((time.perf_counter() - started) * 1000,) * 2
    return out


def stored_versions(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from converter.library import db
    from converter.library import schema as s

    engine = create_engine(db.database_url(url))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(s.versions)).scalar()
    engine.dispose()
    return n


def size_of(url: str) -> int:
    from sqlalchemy import create_engine

    from converter.library import db

    full = db.database_url(url)
    if full.startswith("sqlite"):
        path = Path(full.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine = create_engine(full)
    with engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    engine.dispose()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20000)
    parser.add_argument("--db", default="")
    parser.add_argument("--postgres-temp", action="store_true", help="start a throwaway PostgreSQL server")
    parser.add_argument(
        "--workers", type=int, default=0, help="PostgreSQL: add --queue and this many workers"
    )
    args = parser.parse_args()
    cluster = None
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-library-") as tmp:
        folder = Path(tmp) / "reports"
        url = args.db or str(Path(tmp) / "library.db")
        if args.postgres_temp:
            from library_support import Cluster

            cluster = Cluster()
            url = cluster.database()
        try:
            make_reports(folder, args.reports)
            seconds = ingest(url, folder, args.workers)
            how = f"add --queue + {args.workers} workers" if args.workers else "add"
            print(
                f"ingest {args.reports} reports ({how}, {os.cpu_count()} cores): {seconds:.1f} s, "
                f"{args.reports / seconds:.1f} reports/s"
            )
            print(f"stored: {stored_versions(url)} versions")
            print(f"size after ingest: {size_of(url) / args.reports / 1024:.1f} KiB per report")
            have = grow(url, args.versions)
            print(f"grown to {have} versions: {size_of(url) / have / 1024:.1f} KiB per version")
            for name, (p50, p95) in time_queries(url).items():
                print(f"  {name:40} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
        finally:
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
