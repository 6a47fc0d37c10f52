"""The library on several machines: `add --queue` and `worker` on a real PostgreSQL server; a worker
killed mid-way loses nothing and stores nothing twice; a server killed mid-ingest leaves no half report."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from sqlalchemy import func, select, text
from test_library import SAMPLES, assert_consistent, cli, count, engine, many_reports, xxgk

from converter.library import schema


def test_the_queue_needs_postgresql(tmp_path):
    for args in (["add", "--queue", str(SAMPLES)], ["worker", "--until-empty"]):
        result = xxgk(str(tmp_path / "library.db"), *args)
        assert result.exit_code == 2
        assert "需要 PostgreSQL 报告库" in result.output


def test_queued_files_are_stored_by_a_worker_once(postgres_cluster, tmp_path):
    url = postgres_cluster.database()
    queued = xxgk(url, "add", "--queue", str(SAMPLES))
    assert queued.exit_code == 0, queued.output
    assert "已排入队列：4 个文件" in queued.output
    assert "已排入队列：0 个文件（4 个已在库中或已排队" in xxgk(url, "add", "--queue", str(SAMPLES)).output
    assert count(url, schema.pending_files) == 4 and count(url, schema.versions) == 0
    worked = subprocess.run(cli("worker", "--until-empty", "--db", url), capture_output=True, timeout=300)
    assert worked.returncode == 0, worked.stderr.decode()
    assert count(url, schema.versions) == 4 and count(url, schema.pending_files) == 0
    listed = json.loads(xxgk(url, "list", "--json").stdout)
    assert sorted(r["organ"] for r in listed["reports"]) == ["淮安市人民政府", "襄城区欧庙镇人民政府"]
    again = xxgk(url, "add", "--queue", str(SAMPLES))
    assert "已排入队列：0 个文件（4 个已在库中或已排队" in again.output


def scalar(url: str, sql: str, **params) -> int:
    e = engine(url)
    try:
        with e.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        e.dispose()


def test_two_workers_one_killed_midway_every_report_stored_exactly_once(postgres_cluster, tmp_path):
    url = postgres_cluster.database()
    files = many_reports(tmp_path / "in", 200)
    assert xxgk(url, "add", "--queue", str(tmp_path / "in")).exit_code == 0
    worker = cli("worker", "--stalled-after", "2", "--db", url)
    doomed = subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    survivor = None
    try:
        deadline = time.monotonic() + 300
        while not scalar(url, "SELECT count(*) FROM procrastinate_workers") and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed_id = scalar(url, "SELECT min(id) FROM procrastinate_workers")
        survivor = subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        busy = "SELECT count(*) FROM procrastinate_jobs WHERE worker_id = :w AND status = 'doing'"
        while time.monotonic() < deadline and not (
            count(url, schema.versions) >= 40 and scalar(url, busy, w=doomed_id)
        ):
            time.sleep(0.02)
        doomed.send_signal(signal.SIGKILL)  # mid-job: no chance to finish or give back its job
        doomed.wait(timeout=30)
        held = scalar(url, busy, w=doomed_id)  # still "doing" under the dead worker until found stalled
        stored_at_kill = count(url, schema.versions)
        assert stored_at_kill < len(files)
        while count(url, schema.versions) < len(files) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # a second copy would show now
    finally:
        if survivor is not None:
            survivor.send_signal(signal.SIGTERM)
            _, err = survivor.communicate(timeout=60)
        if doomed.poll() is None:
            doomed.kill()
    assert survivor.returncode == 0, err.decode()
    assert count(url, schema.versions) == len(files)
    assert count(url, schema.pending_files) == 0
    e = engine(url)
    with e.connect() as conn:
        once = conn.execute(
            select(func.count(func.distinct(schema.versions.c.content_hash)), func.count())
        ).one()
        assert tuple(once) == (len(files), len(files))
        jobs = dict(
            conn.execute(text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")).all()
        )
        assert jobs == {"succeeded": len(files)}
        retried = conn.execute(
            text("SELECT count(*) FROM procrastinate_events WHERE type = 'deferred_for_retry'")
        ).scalar()
    e.dispose()
    # The job the killed worker held (almost always one: it was seen busy just before the kill) went
    # back to the queue and was done by the other; whether or not it held one, nothing is lost or doubled.
    assert retried >= held
    assert_consistent(url)


def test_a_database_server_killed_mid_ingest_stops_with_a_message_and_no_half_report(tmp_path):
    from library_support import Cluster

    cluster = Cluster()  # its own server: this test kills it
    try:
        url = cluster.database()
        many_reports(tmp_path / "in", 150)
        run = subprocess.Popen(
            cli("add", "-q", "--db", url, str(tmp_path / "in")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if count(url, schema.versions) >= 10:
                    break
            except Exception:  # not created yet
                pass
            time.sleep(0.05)
        cluster.kill()
        _, err = run.communicate(timeout=120)
        assert run.returncode == 5, err.decode()
        message = err.decode()
        assert "连接失败或中断" in message and "正在写入的报告未保存" in message
        assert "Traceback" not in message
        cluster.start()
        stored = count(url, schema.versions)
        assert 10 <= stored < 150
        assert_consistent(url)
        again = subprocess.run(cli("add", "-q", "--db", url, str(tmp_path / "in")), capture_output=True)
        assert again.returncode == 0, again.stderr.decode()
        assert count(url, schema.versions) == 150
        assert_consistent(url)
    finally:
        cluster.close()
