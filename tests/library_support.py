"""A throwaway PostgreSQL server for the library tests: `initdb` and `pg_ctl` from the Debian package,
run as the unprivileged `postgres` user when the tests run as root (PostgreSQL refuses root), in a
folder that user owns. Without PostgreSQL the PostgreSQL cases are skipped, and fail under CI=true."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL server in a temporary folder; `database()` makes a fresh database's URL."""

    def __init__(self) -> None:
        binaries = pg_bin()
        if binaries is None:
            if os.environ.get("CI") == "true":
                pytest.fail(
                    "PostgreSQL (initdb, pg_ctl) is required under CI=true: scripts/setup.sh installs it"
                )
            pytest.skip("PostgreSQL not installed (scripts/setup.sh installs it)")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="xxgk-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.folder.chmod(0o700)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"
        )
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """The server killed at once (a lost connection for every client)."""
        self.stop("immediate")

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        from sqlalchemy import create_engine, text

        engine = create_engine(
            self.admin_url().replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        for _ in range(3):
            try:
                self.stop("immediate")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.5)
        shutil.rmtree(self.folder, ignore_errors=True)


def assert_summaries_as_rebuilt(url: str) -> None:
    """The summaries kept by each write are what a rebuild from the stored facts makes (the rebuild is
    rolled back: the library is left as it was)."""
    from sqlalchemy import create_engine, select

    from converter.library import db, summaries
    from converter.library import schema as s

    def snapshot(conn) -> tuple[list, list]:
        kept = s.summaries
        columns = [c for c in kept.c if c.name != "generation"]
        rows = conn.execute(select(*columns).order_by(kept.c.report_id)).all()
        rules = conn.execute(
            select(s.summary_rules).order_by(s.summary_rules.c.report_id, s.summary_rules.c.rule)
        ).all()
        return [tuple(r) for r in rows], [tuple(r) for r in rules]

    engine = create_engine(db.database_url(url))
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            kept = snapshot(conn)
            assert kept[0], "no summaries at all"
            summaries.rebuild(conn)
            assert snapshot(conn) == kept
            transaction.rollback()
    finally:
        engine.dispose()
