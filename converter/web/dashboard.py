"""The evaluator's dashboard in `xxgk serve --library DB`: pages, JSON API and exports over the library.

Bound to loopback, the one local user needs no login. Otherwise every dashboard page and API needs a
session (accounts in the library, `xxgk library user add`): a random token in an HttpOnly, SameSite=Strict
cookie, checked against the database. Every POST carries the session's CSRF token in the X-CSRF-Token
header (the login form a token of its own, double-submitted). Login attempts are throttled per name and
per address. Whatever a region-scoped account asks, it gets only organs under its region; another
region's report is a 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from ..library import accounts, dashboard, db, review
from ..library.accounts import LOCAL_USER, Throttle, User
from ..library.dashboard import Filters

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "xxgk_session"
LOGIN_COOKIE = "xxgk_login"
VIEWS = {
    "overview": dashboard.overview,
    "matrix": dashboard.matrix,
    "ranking": dashboard.ranking,
    "trends": dashboard.trends,
    "heatmap": dashboard.heatmap,
}
SHORT = {
    "overview": "总览",
    "matrix": "机关年度矩阵",
    "ranking": "排名",
    "trends": "趋势",
    "heatmap": "地区热力图",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Denied(Exception):
    def __init__(self, status: int, reason: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.reason, self.message, self.headers = status, reason, message, headers or {}


class Library:
    """The dashboard's state in one server: the database, whether login is needed, the throttle."""

    def __init__(self, engine: Any, login: bool, throttle: Throttle | None = None):
        self.engine = engine
        self.login = login
        self.throttle = throttle or Throttle()
        self.local_csrf = secrets.token_urlsafe(32)  # the local user's, when no login is needed
        self.cache = ViewCache()

    def who(self, request: Request) -> tuple[User, str] | None:
        if not self.login:
            return LOCAL_USER, self.local_csrf
        token = request.cookies.get(COOKIE, "")
        if not token:
            return None
        with db.reading(self.engine) as conn:
            return accounts.session_user(conn, token)


def _user(request: Request) -> User:
    found = request.app.state.library.who(request)
    if found is None:
        raise Denied(401, "login", "请先登录。")
    return found[0]


def _poster(request: Request, x_csrf_token: Annotated[str, Header()] = "") -> User:
    """The user of a POST whose CSRF token matches their session's."""
    found = request.app.state.library.who(request)
    if found is None:
        raise Denied(401, "login", "请先登录。")
    if not x_csrf_token or not hmac.compare_digest(x_csrf_token, found[1]):
        raise Denied(403, "csrf", "请求缺少有效的安全令牌，请刷新页面后重试。")
    return found[0]


def _filters(
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    region: Annotated[str, Query(max_length=300)] = "",
    organ_type: Annotated[str, Query(max_length=20)] = "",
    rule: Annotated[str, Query(max_length=20)] = "",
    dismissed: bool = False,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    by: Annotated[str, Query(pattern="^(region|organ)$")] = "region",
    figure: Annotated[str, Query(pattern="^(new|done|review|litigation|open_rate)$")] = "new",
) -> Filters:
    return Filters(year, region, organ_type, rule, dismissed, page, by, figure).normalised()


Viewer = Annotated[User, Depends(_user)]
Poster = Annotated[User, Depends(_poster)]
Chosen = Annotated[Filters, Depends(_filters)]


class ViewCache:
    """Views already answered, by (view, account region, filters), for as long as the library's stamp
    (newest version, review and organ; organ count) is unchanged and at most `seconds` old. A view of
    100,000 versions takes seconds on SQLite to compute and a millisecond to answer again."""

    def __init__(self, size: int = 256, seconds: float = 60.0):
        self.size, self.seconds = size, seconds
        self._items: OrderedDict[Any, tuple[float, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, stamp: Any, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[1] == stamp and now - found[0] < self.seconds:
                self._items.move_to_end(key)
                return found[2]
        value = make()
        with self._lock:
            self._items[key] = (now, stamp, value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def add_dashboard(app: FastAPI, library: Library, disposition: Callable[[str], str]) -> None:
    """The dashboard's routes on `app`; `disposition` makes a download's Content-Disposition."""
    app.state.library = library

    @app.exception_handler(Denied)
    async def denied(_: Request, exc: Denied) -> JSONResponse:
        return JSONResponse(
            {"ok": False, "reason": exc.reason, "message": exc.message},
            status_code=exc.status,
            headers=exc.headers,
        )

    # ------------------------------------------------------------------ pages

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_page(request: Request) -> Response:
        if library.who(request) is None:
            return RedirectResponse("/login", status_code=303)
        return FileResponse(STATIC / "dashboard.html", media_type="text/html; charset=utf-8")

    @app.get("/login", include_in_schema=False)
    def login_page() -> Response:
        if not library.login:
            return RedirectResponse("/dashboard", status_code=303)
        return FileResponse(STATIC / "login.html", media_type="text/html; charset=utf-8")

    # ------------------------------------------------------------------ accounts

    @app.get("/api/library/login-token", summary="登录表单的安全令牌（同时写入 Cookie）")
    def login_token() -> JSONResponse:
        token = secrets.token_urlsafe(32)
        response = JSONResponse({"token": token})
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
        return response

    @app.post("/api/library/login", summary="登录（用户名、密码）；连续输错 5 次后须等待")
    def login(
        request: Request,
        name: Annotated[str, Form(max_length=100)],
        password: Annotated[str, Form(max_length=200)],
        x_csrf_token: Annotated[str, Header()] = "",
    ) -> JSONResponse:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(x_csrf_token, expected):
            raise Denied(403, "csrf", "请求缺少有效的安全令牌，请刷新页面后重试。")
        address = request.client.host if request.client else ""
        keys = (f"name:{name.strip()}", f"addr:{address}")
        wait = library.throttle.wait(*keys)
        if wait > 0:
            seconds = int(wait + 0.999)
            raise Denied(
                429, "throttled", f"密码错误次数过多，请 {seconds} 秒后再试。", {"Retry-After": str(seconds)}
            )
        with library.engine.begin() as conn:
            found = accounts.authenticate(conn, name, password)
            if found is None:
                library.throttle.failed(*keys)
                raise Denied(401, "bad-login", "用户名或密码不正确。")
            library.throttle.succeeded(*keys)
            token, _csrf = accounts.open_session(conn, found)
        response = JSONResponse({"ok": True, "user": found.to_dict()})
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            max_age=accounts.SESSION_HOURS * 3600,
            secure=request.url.scheme == "https",
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/api/library/logout", summary="退出登录")
    def logout(request: Request, _: Poster) -> JSONResponse:
        with library.engine.begin() as conn:
            accounts.close_session(conn, request.cookies.get(COOKIE, ""))
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE)
        return response

    @app.get("/api/library/me", summary="当前用户、其可见范围和安全令牌")
    def me(request: Request) -> dict[str, Any]:
        found = library.who(request)
        if found is None:
            raise Denied(401, "login", "请先登录。")
        who, csrf = found
        return {"user": who.to_dict(), "may_review": who.may_review, "csrf": csrf, "login": library.login}

    # ------------------------------------------------------------------ views

    @app.get("/api/library/choices", summary="筛选项：年度、地区、类型、规则")
    def choices(who: Viewer) -> dict[str, Any]:
        with db.reading(library.engine) as conn:
            return dashboard.choices(conn, who.region)

    @app.get("/api/library/view/{name}", summary="一个视图：标题、表格和图表数据")
    def view(name: str, who: Viewer, chosen: Chosen) -> dict[str, Any]:
        return _view(name, who, chosen)

    @app.get("/api/library/export/{name}.{suffix}", summary="导出视图所示内容（xlsx 或 csv）")
    def export(name: str, suffix: str, who: Viewer, chosen: Chosen) -> Response:
        if suffix not in ("xlsx", "csv"):
            raise HTTPException(404)
        shown = _view(name, who, chosen, everything=True)
        line = dashboard.filters_line(who.region, chosen)
        if suffix == "xlsx":
            content, media = dashboard.to_xlsx(shown, line), XLSX
        else:
            content, media = dashboard.to_csv(shown, line), "text/csv; charset=utf-8"
        return Response(
            content, media_type=media, headers={"Content-Disposition": disposition(f"{SHORT[name]}.{suffix}")}
        )

    def _view(name: str, who: User, chosen: Filters, everything: bool = False) -> dict[str, Any]:
        if name not in VIEWS:
            raise HTTPException(404)
        with db.reading(library.engine) as conn:

            def make() -> dict[str, Any]:
                if name == "matrix":
                    return dashboard.matrix(conn, who.region, chosen, everything=everything)
                return VIEWS[name](conn, who.region, chosen)

            key = (name, who.region, chosen, everything)
            return library.cache.get(key, dashboard.stamp(conn), make)

    @app.get("/api/library/organ/{organ_id}", summary="一个机关的历年报告")
    def organ(organ_id: int, who: Viewer) -> dict[str, Any]:
        with db.reading(library.engine) as conn:
            found = dashboard.organ_years(conn, who.region, organ_id)
        if found is None:
            raise HTTPException(404)
        return found

    @app.get("/api/library/report/{report_id}", summary="一份报告：版本、数字、问题及其审核记录")
    def report(
        report_id: int, who: Viewer, version: Annotated[int | None, Query(ge=1)] = None
    ) -> dict[str, Any]:
        with db.reading(library.engine) as conn:
            found = review.report_detail(conn, who.region, report_id, version)
        if found is None:
            raise HTTPException(404)
        return found

    @app.get("/api/library/original/{version_id}", summary="入库的原始文件（文件仍在原处且内容未变时）")
    def original(version_id: int, who: Viewer) -> Response:
        with db.reading(library.engine) as conn:
            found = dashboard.version_of_scope(conn, who.region, version_id)
        if found is None:
            raise HTTPException(404)
        path = Path(found.source)
        if "://" in found.source or "!" in found.source or not path.is_file():
            raise Denied(404, "gone", "原始文件已不在入库时的位置（或在压缩包内、来自网址），无法直接打开。")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != found.content_hash:
            raise Denied(409, "changed", "原位置的文件在入库后已被修改，与库中记录的不是同一份。")
        return FileResponse(path, headers={"Content-Disposition": disposition(found.file_name)})

    # ------------------------------------------------------------------ review

    @app.post("/api/library/review", summary="审核一个问题：确认、排除（须写理由）、标记已整改")
    def post_review(
        who: Poster,
        finding: Annotated[int, Form(ge=1)],
        action: Annotated[str, Form(pattern="^(confirmed|dismissed|rectified)$")],
        note: Annotated[str, Form(max_length=review.MAX_NOTE)] = "",
    ) -> dict[str, Any]:
        if not who.may_review:
            raise Denied(403, "role", "您的账号只能查看，不能审核。")
        try:
            with library.engine.begin() as conn:
                done = review.record(conn, who.region, who.name, finding, action, note)
        except review.ReviewError as exc:
            raise Denied(400, "bad-review", str(exc)) from exc
        if done is None:
            raise HTTPException(404)
        library.cache.clear()
        return {"ok": True, **done}
