"""The work behind each request, run in a worker process: paths in, plain picklable data out.

Uploads are saved under fixed names in a private folder; the client's file name is used only in
messages (every mention of the saved file is replaced by it), never as a path.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..app import pipeline
from ..core.errors import OutputError, XxgkError
from ..write.files import DISK_FULL

UNSAFE_CHARS = '\\/:*?"<>|'
T = TypeVar("T")


class DiskFull(Exception):
    """The server's temporary folder is full: not the clerk's input, the server's trouble (HTTP 507)."""


def _raise_if_disk_full(exc: BaseException) -> None:
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, OutputError) and isinstance(cause, OSError) and cause.errno in DISK_FULL:
        raise DiskFull(str(cause)) from None


@dataclass(frozen=True)
class Upload:
    """A saved upload: where it is (a fixed name in the request's folder) and what the clerk called it."""

    path: str
    name: str


WORKER_MEMORY = 2 * 1024**3
"""Address space of one worker: a report takes well under 300 MiB; a hostile file gets MemoryError."""


_started: Any = None  # the pool's queue: a job's number is put on it when the job starts here


def start_worker(started: Any = None) -> None:
    """Workers leave Ctrl+C to the server, which shuts them down cleanly; their memory is capped.

    `started`: the pool's queue on which each job says it has begun (its time limit counts from then)."""
    import signal

    global _started
    _started = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = WORKER_MEMORY if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def run_job(number: int, fn: Callable[..., T], *args: Any) -> T:
    """Run a job of the pool, first telling the pool that job `number` has started."""
    if _started is not None:
        _started.put(number)
    return fn(*args)


def warm_up() -> int:
    """Import the heavy modules once per worker, so the first clerk does not wait for them."""
    from ..check import rules as checks  # noqa: F401

    return os.getpid()


def check_files(workbooks: list[Upload], previous: Upload | None = None) -> list[dict[str, Any]]:
    """One result per workbook, as `xxgk check --json` gives it, plus the values and a field per finding."""
    return [check_one(upload, previous) for upload in workbooks]


def check_one(upload: Upload, previous: Upload | None = None) -> dict[str, Any]:
    uploads = [u for u in (upload, previous) if u]
    try:
        result = pipeline.check_file(Path(upload.path), _path(previous))
    except XxgkError as exc:
        return published_report(upload) or failure(exc, upload, uploads)
    return describe(result, upload, uploads)


PUBLISHED_KINDS = {"pdf": "PDF 文件", "docx": "Word 文档", "html": "网页"}


def published_report(upload: Upload) -> dict[str, Any] | None:
    """A published report (PDF, Word or web page) dropped where a workbook was expected: the failure
    result saying so, with `published` = {kind, title}; None when the file is not one."""
    from ..published import import_report
    from ..published.sniff import sniff_published

    try:
        kind = sniff_published(Path(upload.path))
        if kind not in PUBLISHED_KINDS:
            return None
        imported = import_report(Path(upload.path))
    except XxgkError:
        return None
    title = imported.report.info.display_title.strip()
    named = f"《{title}》" if title else ""
    message = (
        f"{upload.name} 是已发布的年度报告{named}（{PUBLISHED_KINDS[kind]}），不是填好的工作簿；"
        "这里只检查工作簿。要读出这份报告中的数字，请点下面的“导入”，下载由它生成的标准工作簿。"
    )
    return {
        "file": upload.name,
        "ok": False,
        "unreadable": True,
        "exit_code": 3,
        "reason": "published-report",
        "message": message,
        "published": {"kind": PUBLISHED_KINDS[kind], "title": title},
    }


def import_published(upload: Upload, out_dir: str) -> dict[str, Any]:
    """A published report read into a standard workbook: {"filename", "xlsx", "blank"}, or {"result"}."""
    from ..published.commands import import_file

    target = Path(out_dir) / "imported.xlsx"
    try:
        imported = import_file(Path(upload.path), target, force=True)
    except XxgkError as exc:
        _raise_if_disk_full(exc)
        return {"result": failure(exc, upload, [upload])}
    title = imported.report.info.display_title
    name = safe_filename(f"{title}（工作簿）" if title else "", upload.name, ".xlsx")
    return {"filename": name, "xlsx": target.read_bytes(), "blank": len(imported.errors)}


def build_one(
    upload: Upload, out_dir: str, previous: Upload | None = None, template: Upload | None = None
) -> dict[str, Any]:
    """Check and render one report: {"result", "filename", "docx"} (no docx when there are errors)."""
    uploads = [u for u in (upload, previous, template) if u]
    target = Path(out_dir) / "report.docx"
    try:
        built = pipeline.build(
            Path(upload.path), target, template=_path(template), previous=_path(previous), force=True
        )
    except XxgkError as exc:
        _raise_if_disk_full(exc)
        return {"result": failure(exc, upload, uploads)}
    answer: dict[str, Any] = {"result": describe(built.check, upload, uploads)}
    if built.output is not None:
        answer["filename"] = safe_filename(built.check.report.info.display_title, upload.name, ".docx")
        answer["docx"] = Path(built.output).read_bytes()
        Path(built.output).unlink()
    return answer


def build_zip(workbooks: list[Upload], out_dir: str, template: Upload | None = None) -> dict[str, Any]:
    """Build every workbook; one zip of the reports that passed, and a status per workbook."""
    buffer = io.BytesIO()
    units = []
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for upload in workbooks:
            answer = build_one(upload, out_dir, template=template)
            unit = {k: v for k, v in answer["result"].items() if k not in ("findings", "values")}
            if "docx" in answer:
                unit["report"] = _unique(answer["filename"], used)
                archive.writestr(unit["report"], answer["docx"])
            units.append(unit)
    return {"units": units, "zip": buffer.getvalue() if used else None}


def new_workbook(
    out_dir: str, org: str, year: int | None, organ_type: str = "", previous: Upload | None = None
) -> dict[str, Any]:
    """A fresh standard workbook: {"filename", "xlsx"}, or {"result": failure} for an unreadable previous."""
    from ..core.model import Report
    from ..read.report_json import report_to_dict

    report = Report()
    if previous:
        try:
            last = pipeline.check_file(Path(previous.path)).report
        except XxgkError as exc:
            return {"result": failure(exc, previous, [previous])}
        report = _carried_over(last)
    info = report.info
    info.org = org or info.org
    info.year = year or info.year
    info.organ_type = organ_type or info.organ_type
    source = Path(out_dir) / "source.json"
    try:
        source.write_text(json.dumps(report_to_dict(report), ensure_ascii=False), encoding="utf-8")
        target = pipeline.new_workbook(Path(out_dir) / "workbook.xlsx", source=source, force=True)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise DiskFull(str(exc)) from None
        raise
    except XxgkError as exc:
        _raise_if_disk_full(exc)
        raise
    name = safe_filename(
        f"{info.org}{info.year or ''}年政府信息公开工作年度报告（工作簿）", "工作簿", ".xlsx"
    )
    return {"filename": name, "xlsx": Path(target).read_bytes()}


def _carried_over(last: Any) -> Any:
    """This year's report from last year's, as `xxgk new --previous` starts it."""
    from ..core.organs import next_year

    return next_year(last)


def failure(exc: XxgkError, upload: Upload, uploads: list[Upload]) -> dict[str, Any]:
    """An input we could not use: the CLI's result for it (`check --json`), under the clerk's name, in
    words for the page (no command lines)."""
    return _renamed(_for_the_page(pipeline.unreadable(Path(upload.name), exc).to_dict()), uploads)


def _for_the_page(result: dict[str, Any]) -> dict[str, Any]:
    """The command line's advice to choose a file, as the page says it."""
    from ..read.inspect import CHOOSE

    message = result.get("message")
    if isinstance(message, str):
        result["message"] = message.replace(CHOOSE["workbook"], WEB_CHOOSE)
    return result


WEB_CHOOSE = "请拖入填好的 Excel 工作簿（.xlsx）；工作簿可在第 ① 步下载"


def describe(result: Any, upload: Upload, uploads: list[Upload]) -> dict[str, Any]:
    data = result.to_dict()
    data["file"] = upload.name
    data["values"] = result.report.to_dict()["values"]
    data["title"] = result.report.info.display_title
    return _renamed(data, uploads)


def _renamed(data: Any, uploads: list[Upload]) -> Any:
    """Every mention of a saved file (full path or fixed name) replaced by the clerk's file name."""
    if isinstance(data, str):
        for u in uploads:
            data = data.replace(u.path, u.name).replace(Path(u.path).name, u.name)
        return data
    if isinstance(data, dict):
        return {k: _renamed(v, uploads) for k, v in data.items()}
    if isinstance(data, list):
        return [_renamed(v, uploads) for v in data]
    return data


def safe_filename(title: str, fallback: str, suffix: str) -> str:
    """A file name from a report title: no characters Windows refuses, never empty."""
    name = "".join(ch for ch in title if ch not in UNSAFE_CHARS and ch.isprintable()).strip(" .")
    stem = name or Path(fallback).stem or "报告"
    return stem[:120] + suffix


def _unique(name: str, used: set[str]) -> str:
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{stem}（{n}）{suffix}", n + 1
    used.add(candidate)
    return candidate


def _path(upload: Upload | None) -> Path | None:
    return Path(upload.path) if upload else None
