"""Which database, and whether this version of xxgk may read it: SQLite by default, PostgreSQL by URL.

A database is used only at the schema revision this code was written for (Alembic's head). A new empty
one is created at that revision; an older one must be upgraded (`xxgk library upgrade`), and one written
by a newer xxgk is refused: neither is ever read as if it had this schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ExitCode, XxgkError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

DEFAULT_DB = "xxgk-library.db"
ENV_DB = "XXGK_DB"
MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_LOCK = 0x78786B67  # "xxkg": PostgreSQL advisory lock key held while the schema is created or upgraded


class LibraryError(XxgkError):
    """The library database cannot be opened, read or written (connection lost, disk full, old schema)."""

    exit_code = ExitCode.OUTPUT
    reason = "database"


def database_url(given: str | None = None) -> str:
    """`--db`, else $XXGK_DB, else ./xxgk-library.db; a plain path is a SQLite file."""
    value = (given or os.environ.get(ENV_DB) or DEFAULT_DB).strip()
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().absolute())
    if value.startswith(("postgresql://", "postgres://")):  # psycopg 3, the driver procrastinate uses too
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def engine_for(url: str) -> Engine:
    """An engine for the URL. SQLite: every transaction takes the write lock at BEGIN (so two writers
    queue instead of one failing, and DDL is transactional: a library is created whole or not at all),
    waiting up to a minute for another writer; except a connection from `reading`, whose deferred
    BEGIN takes no lock (WAL: readers neither wait for a writer nor for each other)."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # the driver's own BEGIN off: ours below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            read_only = connection.get_execution_options().get(READ_ONLY)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # an unknown scheme or a driver that is not installed
        raise LibraryError(f"无法使用数据库 {shown(url)}：{exc}", reason="database-url") from exc


READ_ONLY = "xxgk_read_only"  # the execution option `reading` sets


def reading(engine: Engine) -> Connection:
    """A connection that only reads (a context manager, as `engine.connect()`): on SQLite its
    transactions take no write lock, so the dashboard's readers never queue behind `add`'s writes
    or behind each other. For reading only: writes go through `engine.begin()`."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def _alembic_config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(config).get_current_head() or ""


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))  # type: ignore[arg-type]
    return {rev.revision for rev in script.walk_revisions()}


def upgrade(url: str) -> tuple[str | None, str]:
    """Bring the database to this version's schema: (revision before, revision after)."""
    from alembic import command

    with translated(url):
        engine = engine_for(url)
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":  # one upgrade at a time (SQLite: BEGIN IMMEDIATE)
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
                before = current_revision(connection)
                _refuse_foreign(connection, before, url)
                if before is not None and before not in known_revisions():
                    raise LibraryError(_newer_message(url, before), reason="database-newer")
                command.upgrade(_alembic_config(connection), "head")
                after = current_revision(connection)
                if before is not None and before != after:  # derived rows, made again by this code
                    from . import summaries

                    summaries.rebuild(connection)
                    _analyze(connection)
                _upgrade_queue(connection)
        finally:
            engine.dispose()
    return before, after or ""


def refresh_statistics(engine: Engine) -> None:
    """SQLite: the query planner's statistics brought up to date after a write run (the views' covering
    indexes are chosen by them). Sampled (`analysis_limit`): milliseconds even for a library of
    gigabytes. PostgreSQL's autovacuum keeps its own."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            _analyze(connection)


def _analyze(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")


def _upgrade_queue(connection: Connection) -> None:
    """PostgreSQL: the queue's own tables (procrastinate's schema), applied once, in the upgrade's
    transaction (under its lock)."""
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    exists = connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    if exists is None:
        from procrastinate.schema import SchemaManager

        raw = connection.connection.driver_connection  # no parameters: the schema's `%` are literal
        raw.execute(SchemaManager.get_schema())  # type: ignore[union-attr]


def _refuse_foreign(connection: Connection, revision: str | None, url: str) -> None:
    from sqlalchemy import inspect

    if revision is None and inspect(connection).get_table_names():
        raise LibraryError(
            f"{shown(url)} 中已有其他数据表，不是 xxgk 的报告库；请换一个数据库（--db）。",
            reason="not-a-library",
        )


def _newer_message(url: str, revision: str) -> str:
    return (
        f"报告库 {shown(url)} 由更新版本的 xxgk 写入（数据库版本 {revision}），"
        "本版本无法正确读取；请升级 xxgk 后再使用。"
    )


@contextmanager
def opened(url: str) -> Iterator[Engine]:
    """The engine of a library at this version's schema: created when new, refused when older or newer."""
    with translated(url):
        engine = engine_for(url)
        try:
            with engine.begin() as connection:
                revision = current_revision(connection)
                head = head_revision()
                if revision is None:
                    _refuse_foreign(connection, revision, url)
                if revision != head and revision is not None:
                    if revision in known_revisions():
                        raise LibraryError(
                            f"报告库 {shown(url)} 是旧版本（数据库版本 {revision}，当前 {head}）；"
                            "请先运行 `xxgk library upgrade` 升级后再使用（升级前建议备份）。",
                            reason="database-old",
                        )
                    raise LibraryError(_newer_message(url, revision), reason="database-newer")
            if revision is None:
                upgrade(url)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def one_writer(url: str) -> Iterator[None]:
    """SQLite: one `add` at a time. SQLite's busy wait is not fair (a writer can miss every gap between
    another run's transactions until its timeout), so a second run waits here, queued by the kernel on
    a lock file beside the database, until the first is done. PostgreSQL (and Windows): no wait here."""
    try:
        import fcntl
    except ImportError:  # Windows: SQLite's own busy wait
        fcntl = None  # type: ignore[assignment]
    lock = Path(url.removeprefix("sqlite:///") + ".lock")
    if fcntl is None or not url.startswith("sqlite:///") or not lock.parent.is_dir():
        yield  # the database's own locking (and its messages, for a missing folder)
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Database failures as a Chinese message naming the database (never a traceback)."""
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except sa_exc.OperationalError as exc:
        raise LibraryError(_operational_message(url, exc)) from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise LibraryError(_lost_message(url)) from exc
        raise


def _operational_message(url: str, exc: Exception) -> str:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    lowered = detail.lower()
    if "disk is full" in lowered or "no space left" in lowered or "disk full" in lowered:
        return f"磁盘空间不足，无法写入报告库 {shown(url)}；正在写入的报告未保存，请清理磁盘后再试。"
    if "unable to open database" in lowered:
        return f"无法打开报告库 {shown(url)}：文件夹不存在或没有写入权限。"
    if "locked" in lowered:
        return f"报告库 {shown(url)} 正被其他程序长时间占用，请稍后再试。"
    if any(word in lowered for word in ("connection", "server", "terminat", "closed", "refused")):
        return _lost_message(url) + f"（{detail}）"
    return f"报告库 {shown(url)} 读写失败：{detail}"


def _lost_message(url: str) -> str:
    return (
        f"与数据库 {shown(url)} 的连接失败或中断；正在写入的报告未保存（已保存的不受影响），"
        "请检查数据库服务后重新运行，已入库的文件会自动跳过。"
    )
