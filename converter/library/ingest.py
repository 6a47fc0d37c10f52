"""`xxgk library add`: files, folders and .zip archives into the library, each report once.

Reading and checking use the commands' own functions (converter.pipeline for workbooks and JSON,
converter.published.audit for published reports) and may run in a process pool (`prepare` is pure); the
calling process stores each result in a transaction of its own (`store`), so an interrupted run leaves
every report either stored whole or not at all. The same bytes again store nothing (content hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..format import official as fmt

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".json")
PUBLISHED_SUFFIXES = (".docx", ".pdf", ".html", ".htm", ".mht", ".mhtml", ".txt", ".md")
ARCHIVE_SUFFIXES = (".zip",)
ACCEPTED_SUFFIXES = WORKBOOK_SUFFIXES + PUBLISHED_SUFFIXES + ARCHIVE_SUFFIXES
MiB = 1024 * 1024
MAX_FILE_BYTES = 100 * MiB  # one report file, on disk or in an archive
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_TOTAL = 1024 * MiB  # uncompressed, all entries together
MAX_COMPRESSION_RATIO = 100  # above 10 MiB uncompressed
RATIO_CHECKED_ABOVE = 10 * MiB
CHANGED_AFTER_PUBLICATION = "发布后被修改"
IMPORT_DATE_SOURCE = "报告落款"
LISTED_CHANGES = 10


def ruleset_version() -> str:
    """The rule set that made a finding: xxgk's version and a digest of every declared rule."""
    digest = hashlib.sha256()
    for rule in fmt.RULES.values():
        digest.update(repr((rule.id, rule.severity, rule.message, rule.equations, rule.messages)).encode())
    return f"{__version__}+{digest.hexdigest()[:8]}"


# --------------------------------------------------------------------------- what to read


@dataclass(frozen=True)
class Job:
    """One file to read: where it is now, what to call it, and its bytes' hash."""

    path: str  # a readable file (an archive's entry is copied out under a plain name)
    source: str  # as the user knows it: the path, or `archive.zip!inner/name.pdf`
    file_name: str
    content_hash: str = ""
    size: int = 0
    dates: tuple[tuple[str, Any], ...] = ()  # publication dates found outside the file: (source, date)


@dataclass(frozen=True)
class Skipped:
    """A path that is not a file to store (missing, or an archive entry refused before reading)."""

    source: str
    message: str
    content_hash: str = ""  # set when the refused bytes are stored as a failed result
    size: int = 0


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        while chunk := fh.read(MiB):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def expand(paths: Iterable[Path], scratch: Path) -> Iterator[Job | Skipped]:
    """Each file given, every accepted file of a folder (recursively, sorted; hidden and lock files
    left out), and the entries of .zip archives copied into `scratch` within bounds."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if _accepted(p, path)):
                yield from _file(found, scratch)
        elif path.is_file():
            yield from _file(path, scratch)
        else:
            yield Skipped(str(path), f"找不到文件 {path}，或它不是一个文件。")


def _accepted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    if any(p.startswith((".", "~$")) for p in parts):
        return False
    return path.suffix.lower() in ACCEPTED_SUFFIXES and path.is_file() and not path.is_symlink()


def _file(path: Path, scratch: Path) -> Iterator[Job | Skipped]:
    if path.suffix.lower() in ARCHIVE_SUFFIXES:
        yield from _archive(path, scratch)
        return
    try:
        content_hash, size = sha256_of(path)
    except OSError as exc:
        yield Skipped(str(path), f"无法读取 {path}：{exc.strerror or exc}")
        return
    yield Job(str(path), str(path), path.name, content_hash, size)


def _archive(path: Path, scratch: Path) -> Iterator[Job | Skipped]:
    """A .zip's report files, bounded: entry count, sizes, compression ratio; no name may leave the
    archive (absolute, `..`, drive letters); an archive inside an archive is not opened."""
    import zipfile

    from ..read.inspect import UNSAFE_NAME

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Skipped(str(path), f"{path.name} 不是完好的 .zip 压缩包，无法打开（{exc}）。")
        return
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_ENTRIES:
            yield Skipped(
                str(path), f"{path.name} 中有 {len(infos)} 个文件，超过 {MAX_ARCHIVE_ENTRIES} 个，未处理。"
            )
            return
        if sum(i.file_size for i in infos) > MAX_ARCHIVE_TOTAL:
            yield Skipped(str(path), f"{path.name} 解压后超过 {MAX_ARCHIVE_TOTAL // MiB} MB，未处理。")
            return
        for index, info in enumerate(infos):
            name = info.filename
            source = f"{path}!{name}"
            base = name.rsplit("/", 1)[-1]
            if UNSAFE_NAME.search(name):
                yield Skipped(source, f"{path.name} 中的“{name}”路径不安全（绝对路径或 ..），未处理。")
                continue
            if base.startswith((".", "~$")) or Path(base).suffix.lower() not in ACCEPTED_SUFFIXES:
                continue
            if Path(base).suffix.lower() in ARCHIVE_SUFFIXES:
                yield Skipped(source, f"{path.name} 中的“{name}”是压缩包中的压缩包，未处理；请解压后再添加。")
                continue
            too_big = info.file_size > MAX_FILE_BYTES or (
                info.file_size > RATIO_CHECKED_ABOVE
                and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
            )
            if too_big:
                yield Skipped(
                    source, f"{path.name} 中的“{name}”解压后过大（{info.file_size} 字节），未处理。"
                )
                continue
            target = scratch / str(index) / base
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                _copy_bounded(archive, info, target)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
                yield Skipped(source, f"{path.name} 中的“{name}”已损坏，无法解压（{exc}）。")
                continue
            content_hash, size = sha256_of(target)
            yield Job(str(target), source, base, content_hash, size)


def _copy_bounded(archive: Any, info: Any, target: Path) -> None:
    """Copy an entry out, stopping past its declared size (a lying header cannot fill the disk)."""
    written = 0
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(MiB):
            written += len(chunk)
            if written > min(info.file_size, MAX_FILE_BYTES):
                raise ValueError("解压后的大小与压缩包记录的不符")
            dst.write(chunk)


# --------------------------------------------------------------------------- read and check (pure)


@dataclass
class Prepared:
    """One file read and checked: everything `store` writes, as plain data (crosses process bounds)."""

    job: Job
    file_format: str = ""
    published: bool = False
    message: str = ""  # non-empty: the file could not be used, and why
    org: str = ""
    year: int | None = None
    published_on: dt.date | None = None
    published_on_from: str = ""  # where the date was read ("" with a date: the report's 落款)
    values: dict[str, tuple[float | None, str]] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)
    document: dict[str, Any] | None = None

    @property
    def errors(self) -> int:
        return sum(f["severity"] == "error" for f in self.findings)


def prepare(job: Job) -> Prepared:
    """Read and check one file; a failure is this file's result (never an exception)."""
    from ..core.errors import XxgkError

    try:
        if job.size > MAX_FILE_BYTES:
            return Prepared(job, message=f"{job.file_name} 超过 {MAX_FILE_BYTES // MiB} MB，不像是年度报告。")
        if Path(job.file_name).suffix.lower() in WORKBOOK_SUFFIXES:
            return _prepare_workbook(job)
        return _prepare_published(job)
    except XxgkError as exc:
        return Prepared(job, message=exc.message)
    except Exception as exc:  # a bug in one file's reading: logged, stored as that file's failure
        from ..core.errors import log_exception

        log = log_exception(exc)
        return Prepared(job, message=f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}。")


def _prepare_workbook(job: Job) -> Prepared:
    from ..app.pipeline import check_file

    result = check_file(Path(job.path))
    rows = [
        _finding_row(
            f.rule, f.code, f.severity.value, f.field, f.location, f.message, result.report, f.evidence
        )
        for f in result.findings
    ]
    kind = "json" if job.file_name.lower().endswith(".json") else "xlsx"
    return _prepared(job, kind, False, result.report, rows)


def _prepare_published(job: Job) -> Prepared:
    from ..published import import_report
    from ..published.audit import audit_one, publication

    imported = import_report(Path(job.path))
    if job.dates:  # e.g. the portal page's 发布时间 (library collect): before the file's own dates
        imported.dates = {**dict(job.dates), **imported.dates}
    found = audit_one(imported)
    rows = [
        _finding_row(
            f.rule, f.code, f.severity, f.field or "", f.location, f.message, imported.report, f.evidence
        )
        for f in found
    ]
    prepared = _prepared(job, imported.kind, True, imported.report, rows)
    published = publication(imported)  # the portal's date, or the PDF's creation date
    if published is not None:
        prepared.published_on, prepared.published_on_from = published[0], published[1][:40]
    return prepared


def _prepared(job: Job, kind: str, published: bool, report: Any, rows: list[dict[str, str]]) -> Prepared:
    from ..core.model import format_number

    info = report.info
    prepared = Prepared(job, kind, published, org=info.org.strip(), year=info.year, published_on=info.date)
    prepared.values = {
        key: (None if value is None else float(value), format_number(value))
        for key, value in report.values.items()
    }
    prepared.findings = rows
    prepared.document = report.to_dict()
    if not prepared.org or not prepared.year:
        missing = "、".join(
            w
            for w, ok in (("机关名称", prepared.org), (fmt.INFO_BY_KEY["year"].label, prepared.year))
            if not ok
        )
        prepared.message = f"{job.file_name} 中没有读到{missing}，无法归入某个机关的某一年度；请核对文件。"
    return prepared


def _finding_row(
    rule: str,
    code: str,
    severity: str,
    key: str,
    position: str,
    message: str,
    report: Any,
    evidence: tuple[str, ...] = (),
) -> dict[str, str]:
    return {
        "rule": rule,
        "code": code,
        "severity": severity,
        "field": key or "",
        "position": position or "",
        "quote": _evidence(evidence) or _quote(report, key or ""),
        "message": message,
    }


MAX_QUOTE = 1000  # characters of a finding's quoted passages kept in the library


def _evidence(passages: tuple[str, ...]) -> str:
    """What the finding quotes as its evidence (P1/P2's repeated passages, C3's sentence), one a line."""
    text = "\n".join(p.strip() for p in passages if p.strip())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _quote(report: Any, key: str) -> str:
    """The paragraph a finding about a section's paragraph is about (what a reviewer reads)."""
    section, _, paragraph = key.removeprefix("sections.").partition(".")
    if not key.startswith("sections.") or not paragraph.isdigit():
        return ""
    rows = report.sections.get(section, [])
    if int(paragraph) >= len(rows):
        return ""
    return rows[int(paragraph)].body.strip()[:500]


# --------------------------------------------------------------------------- store (one transaction)


@dataclass
class Stored:
    """What adding one file did: "added" (new report), "version" (a new version of a report), "exists"
    (the same bytes were already there), "failed" (stored as a failed result), "skipped" (not stored)."""

    source: str
    outcome: str
    message: str = ""
    org: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def compress(document: dict[str, Any] | None) -> bytes | None:
    if document is None:
        return None
    return zlib.compress(json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)


def decompress(blob: bytes | None) -> dict[str, Any] | None:
    return None if blob is None else json.loads(zlib.decompress(blob))


def known_hashes(conn: Any, hashes: list[str]) -> set[str]:
    from sqlalchemy import select

    from . import schema as s

    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        part = hashes[start : start + 500]
        found |= set(
            conn.execute(
                select(s.versions.c.content_hash).where(s.versions.c.content_hash.in_(part))
            ).scalars()
        )
    return found


def store(engine: Any, prepared: Prepared, ruleset: str, *, attempts: int = 5, finish: Any = None) -> Stored:
    """Store one prepared file in its own transaction. A concurrent writer's unique key (same bytes,
    same organ-year, same version number) makes this transaction retry; same bytes then add nothing.
    `finish(conn)` runs in the same transaction (a queued file's bytes are removed with it)."""
    from sqlalchemy import exc as sa_exc

    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                stored = _store(conn, prepared, ruleset)
                if finish is not None:
                    finish(conn)
                return stored
        except sa_exc.IntegrityError:
            if attempt == attempts - 1:
                raise
        except sa_exc.OperationalError as exc:
            # SQLite's busy wait is not fair: a writer can miss every gap between another `add`'s
            # transactions until its timeout. Wait a random while and queue again.
            if "locked" not in str(exc.orig).lower() or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.5, 2.0))
    raise AssertionError("unreachable")  # pragma: no cover


def _store(conn: Any, prepared: Prepared, ruleset: str) -> Stored:
    from sqlalchemy import func, insert, select, update

    from . import schema as s
    from . import summaries
    from .organs import resolve

    job = prepared.job
    if known_hashes(conn, [job.content_hash]):
        return Stored(job.source, "exists", "相同内容已在库中", prepared.org, prepared.year)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    base = dict(
        content_hash=job.content_hash,
        source=job.source,
        file_name=job.file_name[:300],
        file_format=prepared.file_format,
        size=job.size,
        added_at=now,
        ruleset=ruleset,
        org_as_printed=prepared.org[:300],
        published=prepared.published,
    )
    if prepared.message:
        conn.execute(
            insert(s.versions).values(
                **base,
                report_id=None,
                number=1,
                status="unreadable",
                message=prepared.message,
                published_on_from="",
                document=compress(prepared.document),
            )
        )
        return Stored(job.source, "failed", prepared.message, prepared.org, prepared.year)
    organ_id = resolve(conn, prepared.org)
    report = conn.execute(
        select(s.reports.c.id, s.reports.c.latest_version_id).where(
            s.reports.c.organ_id == organ_id, s.reports.c.year == prepared.year
        )
    ).first()
    if report is None:
        report_id = conn.execute(
            insert(s.reports).values(organ_id=organ_id, year=prepared.year)
        ).inserted_primary_key[0]
        latest_id = None
    else:
        report_id, latest_id = report
    number = (
        conn.execute(
            select(func.max(s.versions.c.number)).where(s.versions.c.report_id == report_id)
        ).scalar()
        or 0
    ) + 1
    findings = list(prepared.findings)
    findings += _between_years(conn, organ_id, prepared)
    if latest_id is not None:
        findings += _changed_after_publication(conn, latest_id, prepared)
    errors = sum(f["severity"] == "error" for f in findings)
    version_id = conn.execute(
        insert(s.versions).values(
            **base,
            report_id=report_id,
            number=number,
            status="errors" if errors else "ok",
            errors=errors,
            warnings=len(findings) - errors,
            message="",
            published_on=prepared.published_on,
            published_on_from=prepared.published_on_from
            or (IMPORT_DATE_SOURCE if prepared.published_on else ""),
            document=compress(prepared.document),
        )
    ).inserted_primary_key[0]
    if prepared.values:
        conn.execute(
            insert(s.report_values),
            [
                {"version_id": version_id, "key": k, "number": n, "text": t}
                for k, (n, t) in prepared.values.items()
            ],
        )
    if findings:
        conn.execute(
            insert(s.findings), [{**f, "version_id": version_id, "ruleset": ruleset} for f in findings]
        )
    conn.execute(update(s.reports).where(s.reports.c.id == report_id).values(latest_version_id=version_id))
    summaries.refresh(conn, [report_id])
    outcome = "added" if number == 1 else "version"
    return Stored(
        job.source, outcome, "", prepared.org, prepared.year, errors, len(findings) - errors, number
    )


def latest_document(conn: Any, organ_id: int, year: int) -> dict[str, Any] | None:
    from sqlalchemy import select

    from . import schema as s

    blob = conn.execute(
        select(s.versions.c.document)
        .select_from(s.reports.join(s.versions, s.versions.c.id == s.reports.c.latest_version_id))
        .where(s.reports.c.organ_id == organ_id, s.reports.c.year == year)
    ).scalar()
    return decompress(blob)


def report_of(document: dict[str, Any]) -> Any:
    from ..read.report_json import report_from_json

    return report_from_json(document)[0]


def between_years(this: Any, last: Any, published: bool = False) -> list[Any]:
    """R4, S1 and P1 of this year's report against last year's (converter.check, as `audit` runs them)."""
    from ..check.rules import check
    from ..published.audit import BETWEEN_YEARS

    source = fmt.PUBLISHED if published else fmt.WORKBOOK
    return [f for f in check(this, last, source=source) if f.rule in BETWEEN_YEARS]


def _between_years(conn: Any, organ_id: int, prepared: Prepared) -> list[dict[str, str]]:
    last = latest_document(conn, organ_id, prepared.year - 1) if prepared.year else None
    if last is None or prepared.document is None:
        return []
    this = report_of(prepared.document)
    return [
        _finding_row(f.rule, f.code, f.severity.value, f.field, f.location, f.message, this, f.evidence)
        for f in between_years(this, report_of(last), prepared.published)
    ]


def _changed_after_publication(conn: Any, latest_id: int, prepared: Prepared) -> list[dict[str, str]]:
    """A second published version of one organ-year: which figures and passages changed."""
    from sqlalchemy import select

    from . import schema as s

    before = conn.execute(
        select(
            s.versions.c.number, s.versions.c.file_name, s.versions.c.published, s.versions.c.document
        ).where(s.versions.c.id == latest_id)
    ).first()
    if before is None or not (before.published and prepared.published):
        return []
    old = decompress(before.document) or {}
    new = prepared.document or {}
    figures = [
        f"{fmt.VALUES[k].description}：{_shown(old.get('values', {}).get(k))}→{_shown(v)}"
        for k, v in new.get("values", {}).items()
        if k in fmt.VALUES and old.get("values", {}).get(k) != v
    ]
    passages = []
    for section in fmt.SECTIONS:
        was = old.get("sections", {}).get(section.key, [])
        now = new.get("sections", {}).get(section.key, [])
        for index in range(max(len(was), len(now))):
            a = _body(was, index)
            b = _body(now, index)
            if a != b:
                old_part, new_part = _around_change(a, b)
                passages.append(f"{section.heading} 第{index + 1}段：“{old_part}”→“{new_part}”")
    if not figures and not passages:
        return []
    parts = []
    if figures:
        parts.append(
            f"{len(figures)} 个数字不同（"
            + "；".join(figures[:LISTED_CHANGES])
            + ("…" if len(figures) > LISTED_CHANGES else "")
            + "）"
        )
    if passages:
        parts.append(
            f"{len(passages)} 段文字不同（"
            + "；".join(passages[:LISTED_CHANGES])
            + ("…" if len(passages) > LISTED_CHANGES else "")
            + "）"
        )
    message = (
        f"{CHANGED_AFTER_PUBLICATION}：与已发布的第 {before.number} 版（{before.file_name}）相比，"
        + "，".join(parts)
    )
    changed_key = next(
        (
            k
            for k, v in new.get("values", {}).items()
            if k in fmt.VALUES and old.get("values", {}).get(k) != v
        ),
        "",
    )
    return [
        {
            "rule": CHANGED_AFTER_PUBLICATION,
            "code": "changed-after-publication",
            "severity": "warning",
            "field": changed_key,
            "position": "全文",
            "quote": "",
            "message": message,
        }
    ]


def _body(rows: list[Any], index: int) -> str:
    if index >= len(rows):
        return ""
    row = rows[index]
    return (row.get("body", "") if isinstance(row, dict) else str(row)).strip()


def _around_change(a: str, b: str, before: int = 12, after: int = 28) -> tuple[str, str]:
    """The two passages around where they first differ, `…` where cut."""
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    begin = max(0, start - before)

    def cut(text: str) -> str:
        part = text[begin : start + after]
        return ("…" if begin else "") + part + ("…" if start + after < len(text) else "")

    return cut(a), cut(b)


def _shown(value: Any) -> str:
    return "空" if value is None else str(value)
