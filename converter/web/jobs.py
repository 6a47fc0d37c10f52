"""The work behind each request, run in a worker process: paths in, plain picklable data out.

Uploads are saved under fixed names in a private folder; the client's file name is used only in
messages (every mention of the saved file is replaced by it), never as a path.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..app import pipeline
from ..core.errors import XxgkError

UNSAFE_CHARS = '\\/:*?"<>|'


@dataclass(frozen=True)
class Upload:
    """A saved upload: where it is (a fixed name in the request's folder) and what the clerk called it."""

    path: str
    name: str


WORKER_MEMORY = 2 * 1024**3
"""Address space of one worker: a report takes well under 300 MiB; a hostile file gets MemoryError."""


def start_worker() -> None:
    """Workers leave Ctrl+C to the server, which shuts them down cleanly; their memory is capped."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = WORKER_MEMORY if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


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
        return failure(exc, upload, uploads)
    return describe(result, upload, uploads)


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
    source.write_text(json.dumps(report_to_dict(report), ensure_ascii=False), encoding="utf-8")
    target = pipeline.new_workbook(Path(out_dir) / "workbook.xlsx", source=source, force=True)
    name = safe_filename(
        f"{info.org}{info.year or ''}年政府信息公开工作年度报告（工作簿）", "工作簿", ".xlsx"
    )
    return {"filename": name, "xlsx": Path(target).read_bytes()}


def _carried_over(last: Any) -> Any:
    """This year's report from last year's, as `xxgk new --previous` starts it."""
    from ..core.organs import next_year

    return next_year(last)


def failure(exc: XxgkError, upload: Upload, uploads: list[Upload]) -> dict[str, Any]:
    """An input we could not use: the CLI's result for it (`check --json`), under the clerk's name."""
    return _renamed(pipeline.unreadable(Path(upload.name), exc).to_dict(), uploads)


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
