"""The web app: the page, and a JSON API over converter.pipeline (check, build, build a zip, new workbook).

`create_app(settings)` returns a FastAPI app; `xxgk serve` runs it with uvicorn. OpenAPI is served at
/api/openapi.json (no docs UI: it would load scripts from a CDN).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from .. import __version__
from ..core.organs import infer
from ..format import official as fmt
from . import jobs
from .connections import HEADER_TIMEOUT, QuietAccept
from .guards import BodyLimit, HostCheck, SecurityHeaders
from .pool import Busy, JobTimeout, Pool, WorkerLost
from .tables import format_description

log = logging.getLogger("xxgk.web")
MiB = 1024 * 1024
STATIC = Path(__file__).resolve().parent / "static"
SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".json", ".xls", ".xlt", ".et", ".ett", ".xlsb", ".ods"}
SUFFIXES |= {".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot", ".wps", ".wpt", ".odt"}
SUFFIXES |= {".pdf", ".html", ".htm", ".mht", ".mhtml", ".txt", ".md", ".markdown"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LABEL = {f.key: f.label for f in fmt.INFO_FIELDS}  # the format's words for the form fields
MAX_WORKBOOKS = 200
"""Workbooks in one request to /api/check or /api/build-zip (a county has a few dozen units; building
1,000 reports in one request would run for minutes)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Settings:
    """Limits of one server. Defaults suit a county office's intranet on a small machine."""

    max_body: int = 20 * MiB
    upload_timeout: float = 60.0  # the whole request body must arrive within this many seconds
    workers: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    queue: int = 32  # jobs admitted beyond the busy workers; more get 503 at once
    job_timeout: float = 120.0  # a job's own run time in a worker
    header_timeout: float = HEADER_TIMEOUT  # a request's headers must arrive within this many seconds
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")  # Host header names answered
    any_ip_host: bool = False  # also answer any IP address in the Host header (listening on 0.0.0.0)
    library: str | None = None  # the report library's database URL: the evaluator's dashboard
    login: bool = False  # dashboard accounts needed (`xxgk serve --host` other than loopback)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    pool = Pool(settings.workers, settings.queue, settings.job_timeout)

    library = None
    if settings.library:
        from .dashboard import Library

        library = Library(None, settings.login)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(QuietAccept())
        with contextlib.ExitStack() as stack:
            if library is not None:
                from ..library import db

                library.engine = stack.enter_context(db.opened(settings.library))
            pool.start()
            yield
            pool.stop()

    app = FastAPI(
        title="xxgk 政府信息公开工作年度报告 API",
        version=__version__,
        description="检查工作簿、生成 Word 报告、生成标准工作簿；与命令行 `xxgk` 同一套检查和输出。",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.settings = settings
    app.add_middleware(BodyLimit, limit=settings.max_body, timeout=settings.upload_timeout)
    app.add_middleware(HostCheck, allowed=settings.allowed_hosts, any_ip=settings.any_ip_host)
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    _add_routes(app, pool)
    if library is not None:
        from .dashboard import add_dashboard

        add_dashboard(app, library, content_disposition)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


# --------------------------------------------------------------------------- routes

WORKBOOK_UPLOAD = (
    "填好的工作簿（.xlsx），或由工作簿导出的报告 JSON（.json，供程序调用；命令行中用 xxgk dump 导出）"
)
"""Words for the page's users and programs alike: the workbook first, the command line only as one way."""
WorkbookFiles = Annotated[
    list[UploadFile],
    File(description=f"{WORKBOOK_UPLOAD}，可多个（一次最多 {MAX_WORKBOOKS} 个）"),
]
OneWorkbook = Annotated[UploadFile, File(description=WORKBOOK_UPLOAD)]
PreviousFile = Annotated[
    UploadFile | None,
    File(
        description="上年的工作簿（.xlsx 或 JSON）：检查时核对上年结转（R4）等，"
        "生成工作簿时带入机关信息和结转数"
    ),
]
TemplateFile = Annotated[UploadFile | None, File(description="自定义 Word 模板（.docx）")]


def _add_routes(app: FastAPI, pool: Pool) -> None:
    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/api/format", summary="三张官方表格的结构（用于在页面中画表）")
    async def table_format() -> dict[str, Any]:
        return format_description()

    @app.get(
        "/api/organ",
        summary=f"由{LABEL['org']}推定的{LABEL['self_name']}和{LABEL['organ_type']}"
        "（与 `xxgk new --org` 和工作簿中的推定相同；推定不出时为空）",
    )
    async def organ(
        org: Annotated[str, Query(description=LABEL["org"], max_length=100)] = "",
    ) -> dict[str, str]:
        self_name, organ_type = infer(org)
        return {"self_name": self_name, "organ_type": organ_type}

    @app.get("/api/health", summary="服务状态")
    async def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "workers": pool.workers, "restarts": pool.restarts}

    @app.post("/api/check", summary="检查工作簿（与 `xxgk check --json` 相同的结果，每个文件一项）")
    async def check(workbook: WorkbookFiles, previous: PreviousFile = None) -> JSONResponse:
        _at_most(workbook)
        with tempfile.TemporaryDirectory(prefix="xxgk-web-") as folder:  # private, 0700
            saved = [await _save(f, folder, f"workbook-{i}") for i, f in enumerate(workbook, 1)]
            last = await _save(previous, folder, "previous")
            results = await pool.run(jobs.check_files, saved, last)
        code = max(_exit_code(r) for r in results)
        status = 422 if code == 3 else 200
        return JSONResponse(results, status_code=status, headers={"X-Xxgk-Exit-Code": str(code)})

    @app.post(
        "/api/build",
        summary="检查并生成 Word 报告（.docx）；有错误时返回 422 和检查结果",
        response_class=Response,
        responses={
            200: {"content": {DOCX: {}}, "description": "Word 报告"},
            422: {"description": "见 message"},
        },
    )
    async def build(
        workbook: OneWorkbook, previous: PreviousFile = None, template: TemplateFile = None
    ) -> Response:
        with tempfile.TemporaryDirectory(prefix="xxgk-web-") as folder:  # private, 0700
            saved = await _save(workbook, folder, "workbook")
            last = await _save(previous, folder, "previous")
            own = await _save(template, folder, "template")
            answer = await pool.run(jobs.build_one, saved, folder, last, own)
        if "docx" not in answer:
            return _refusal(answer["result"])
        return _download(answer["docx"], answer["filename"], DOCX)

    @app.post(
        "/api/build-zip",
        summary="一次生成多份报告：通过检查的报告打包为一个 .zip",
        response_class=Response,
        responses={200: {"content": {"application/zip": {}}, "description": "通过检查的报告"}},
    )
    async def build_zip(workbook: WorkbookFiles, template: TemplateFile = None) -> Response:
        _at_most(workbook)
        with tempfile.TemporaryDirectory(prefix="xxgk-web-") as folder:  # private, 0700
            saved = [await _save(f, folder, f"workbook-{i}") for i, f in enumerate(workbook, 1)]
            own = await _save(template, folder, "template")
            answer = await pool.run(jobs.build_zip, saved, folder, own)
        if answer["zip"] is None:
            message = "没有一个工作簿通过检查，未生成报告。请逐个查看错误并改正。"
            return _json(
                422, {"ok": False, "reason": "none-passed", "message": message, "units": answer["units"]}
            )
        made = sum(1 for u in answer["units"] if "report" in u)
        return _download(answer["zip"], f"政府信息公开工作年度报告（{made}份）.zip", "application/zip")

    @app.post(
        "/api/import",
        summary="导入已发布的年度报告（Word、PDF、网页），生成标准工作簿（.xlsx）；同 `xxgk import -o`",
        response_class=Response,
        responses={
            200: {
                "content": {XLSX: {}},
                "description": "标准工作簿；X-Xxgk-Blank 为无法确定而留空的数字个数",
            },
            422: {"description": "见 message"},
        },
    )
    async def import_published(
        report: Annotated[
            UploadFile,
            File(
                description="已发布的年度报告：Word（.docx）、带文字的 PDF、网页（.html、.mht）、"
                "Markdown（.md）或文本（.txt）"
            ),
        ],
    ) -> Response:
        with tempfile.TemporaryDirectory(prefix="xxgk-web-") as folder:  # private, 0700
            saved = await _save(report, folder, "report")
            answer = await pool.run(jobs.import_published, saved, folder)
        if "xlsx" not in answer:
            return _refusal(answer["result"])
        response = _download(answer["xlsx"], answer["filename"], XLSX)
        response.headers["X-Xxgk-Blank"] = str(answer["blank"])
        return response

    @app.post(
        "/api/new",
        summary="生成标准工作簿（.xlsx）；可由上年工作簿带入机关信息和结转数",
        response_class=Response,
        responses={200: {"content": {XLSX: {}}, "description": "标准工作簿"}},
    )
    async def new(
        org: Annotated[str, Form(description=LABEL["org"], max_length=100)] = "",
        year: Annotated[int | None, Form(description=LABEL["year"], ge=2000, le=2100)] = None,
        organ_type: Annotated[
            str, Form(description=f"{LABEL['organ_type']}：" + " / ".join(fmt.ORGAN_TYPES))
        ] = "",
        previous: PreviousFile = None,
    ) -> Response:
        if organ_type and organ_type not in fmt.ORGAN_TYPES:
            message = f"{LABEL['organ_type']}应为 {'、'.join(fmt.ORGAN_TYPES)} 之一。"
            return _json(400, {"ok": False, "reason": "bad-request", "message": message})
        with tempfile.TemporaryDirectory(prefix="xxgk-web-") as folder:  # private, 0700
            last = await _save(previous, folder, "previous")
            answer = await pool.run(jobs.new_workbook, folder, org.strip(), year, organ_type, last)
        if "xlsx" not in answer:
            return _refusal(answer["result"])
        return _download(answer["xlsx"], answer["filename"], XLSX)


class TooMany(Exception):
    """More workbooks in one request than MAX_WORKBOOKS."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def _at_most(workbooks: list[UploadFile]) -> None:
    if len(workbooks) > MAX_WORKBOOKS:
        raise TooMany(len(workbooks))


async def _save(upload: UploadFile | None, folder: str, stem: str) -> jobs.Upload | None:
    """Save an upload under a fixed name; the clerk's name is kept for messages only."""
    if upload is None:
        return None
    suffix = Path(upload.filename or "").suffix.lower()
    path = Path(folder) / f"{stem}{suffix if suffix in SUFFIXES else '.upload'}"
    with path.open("xb") as out:
        while chunk := await upload.read(MiB):
            out.write(chunk)
    return jobs.Upload(str(path), display_name(upload.filename, suffix))


def display_name(filename: str | None, suffix: str) -> str:
    """The last part of a client's file name, printable, at most 120 characters; for messages only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-120:] or f"上传的文件{suffix}"


def _exit_code(result: dict[str, Any]) -> int:
    if "exit_code" in result:
        return int(result["exit_code"])
    return 0 if result["ok"] else 1


def _refusal(result: dict[str, Any]) -> JSONResponse:
    """422 for a workbook with errors (its check result) or an input we cannot use (the reason)."""
    if "findings" in result:
        message = f"{result['file']} 有 {result['errors']} 个错误，未生成报告。请改正后重试。"
        return _json(422, {"ok": False, "reason": "findings", "message": message, "result": result})
    return _json(422, result)


def _download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": content_disposition(filename)}
    )


def content_disposition(filename: str) -> str:
    """RFC 6266 attachment with the UTF-8 name (RFC 5987 `filename*`) and a plain ASCII fallback."""
    stem, suffix = os.path.splitext(filename)
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_. "))
    fallback = (ascii_stem.strip() if any(ch.isalpha() for ch in ascii_stem) else "report") + suffix
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=headers)


# --------------------------------------------------------------------------- errors

BUSY = "服务器正忙：正在处理的文件太多，请稍等片刻再试。"
LOST = "处理该文件的进程意外中止，请重试；如一再出现，请把该文件交给管理员检查。"
SLOW = "处理该文件用时过长，已中止。请确认它是填好的年度报告工作簿后重试。"
TOO_COMPLEX = "文件内容过多，处理时超出了内存上限，未能处理。请确认它是填好的年度报告工作簿。"
DISK_FULL_MESSAGE = (
    "服务器磁盘空间不足，暂时无法处理上传的文件。请稍后再试，并请管理员清理服务器的临时文件夹所在磁盘。"
)
STATUS_MESSAGES = {
    404: "没有这个页面或接口。",
    405: "该接口不支持这种请求方式。",
}
FORM_LIMITS = (  # starlette's words for the multipart limits it enforces, and ours
    (
        re.compile(r"Too many files\. Maximum number of files is (\d+)"),
        "too-many-files",
        "一次上传的文件太多：最多 {} 个。请分几次上传。",
    ),
    (
        re.compile(r"Too many fields\. Maximum number of fields is (\d+)"),
        "too-many-fields",
        "表单中的填写项太多：最多 {} 项。",
    ),
    (
        re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB"),
        "field-too-long",
        "表单中有一项文字太长：每项最多 {} KB。",
    ),
)
TOO_LONG = {"string_too_long": "{label}太长：最多 {max_length} 个字。"}
OUT_OF_RANGE = {
    "greater_than_equal": "{label}不能小于 {ge}。",
    "less_than_equal": "{label}不能大于 {le}。",
    "int_parsing": "{label}应为整数。",
}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Busy)
    async def busy(_: Request, __: Exception) -> JSONResponse:
        return _json(503, {"ok": False, "reason": "busy", "message": BUSY}, {"Retry-After": "5"})

    @app.exception_handler(WorkerLost)
    async def lost(_: Request, exc: Exception) -> JSONResponse:
        slow = isinstance(exc, JobTimeout)
        payload = {
            "ok": False,
            "reason": "timeout" if slow else "worker-lost",
            "message": SLOW if slow else LOST,
        }
        return _json(503, payload, {"Retry-After": "1"})

    @app.exception_handler(MemoryError)
    async def too_much(_: Request, __: Exception) -> JSONResponse:
        return _json(422, {"ok": False, "reason": "too-complex", "message": TOO_COMPLEX})

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        said = [m for m in (_field_message(e) for e in exc.errors()) if m]
        message = (
            "".join(said) or f"请求内容不完整或有误（{'、'.join(names)}）。请选择文件并填写必填项后重试。"
        )
        return _json(400, {"ok": False, "reason": "bad-request", "message": message, "fields": names})

    @app.exception_handler(TooMany)
    async def too_many(_: Request, exc: Exception) -> JSONResponse:
        count = exc.count  # type: ignore[attr-defined]
        message = f"一次最多处理 {MAX_WORKBOOKS} 个工作簿，这次上传了 {count} 个。请分几批上传。"
        payload = {"ok": False, "reason": "too-many-files", "message": message, "limit": MAX_WORKBOOKS}
        return _json(413, payload)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if _disk_full(exc):
            return _disk_full_answer()
        for pattern, reason, words in FORM_LIMITS:
            found = pattern.search(str(exc.detail))
            if found:
                return _json(
                    exc.status_code, {"ok": False, "reason": reason, "message": words.format(found[1])}
                )
        message = STATUS_MESSAGES.get(exc.status_code, "请求有误。")
        return _json(exc.status_code, {"ok": False, "reason": "http", "message": message})

    @app.exception_handler(jobs.DiskFull)
    async def disk_full(_: Request, __: Exception) -> JSONResponse:
        return _disk_full_answer()

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: Exception) -> JSONResponse:
        if _disk_full(exc):
            return _disk_full_answer()
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        if _disk_full(exc):
            return _disk_full_answer()
        error_id = uuid.uuid4().hex[:8]
        log.error("unexpected error %s", error_id, exc_info=exc)
        message = f"服务器内部错误（编号 {error_id}）。请把编号告诉管理员，以便查找原因。"
        return _json(500, {"ok": False, "reason": "internal", "message": message, "error_id": error_id})


def _field_message(error: dict[str, Any]) -> str:
    """A form field's validation error in the page's words, naming the limit; "" when not one of ours."""
    loc = error.get("loc") or ()
    label = LABEL.get(str(loc[-1])) if loc else None
    words = {**TOO_LONG, **OUT_OF_RANGE}.get(str(error.get("type")))
    if label is None or words is None:
        return ""
    return words.format(label=label, **(error.get("ctx") or {}))


def _disk_full(exc: BaseException | None) -> bool:
    """True when the exception, or one it came from, is a full disk (or quota)."""
    seen = 0
    while exc is not None and seen < 10:
        if (isinstance(exc, OSError) and exc.errno in jobs.DISK_FULL) or isinstance(exc, jobs.DiskFull):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _disk_full_answer() -> JSONResponse:
    log.error("the server's disk (temporary folder %s) is full", tempfile.gettempdir())
    payload = {"ok": False, "reason": "disk-full", "message": DISK_FULL_MESSAGE}
    return _json(507, payload, {"Retry-After": "60"})
