"""A portal on 127.0.0.1 for the collector's tests: saved real pages (tests/data/portal/) and the
failures real portals have (404, a 503 that recovers, a slow page, a redirect loop, a huge page), with a
log of every request to assert the collector's manners. Started by the test; never leaves the machine."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"
PORTAL = DATA / "portal"
COLUMN = "/zwgk/zfxxgk/zfxxgknb/"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    statuses: list[int] = field(default_factory=list)  # served first, one per request (e.g. [503, 503])
    delay: float = 0.0  # seconds before the response starts
    etag: bool = True  # an ETag, and 304 to a matching If-None-Match
    last_modified: str = ""  # a Last-Modified date, and 304 to a matching If-Modified-Since


@dataclass
class Hit:
    at: float  # time.monotonic() when the request arrived
    path: str
    headers: dict[str, str]
    status: int = 0


class Portal:
    """Routes by path; `log` lists every request in order."""

    def __init__(self, port: int = 0) -> None:
        self.port = port  # 0: any free port; a port again: the same portal back after a stop
        self.stopped = False
        self.routes: dict[str, Route] = {}
        self.log: list[Hit] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.on_request: Callable[[Hit], None] | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits(self, path: str) -> list[Hit]:
        return [h for h in self.log if h.path == path]

    def paths(self) -> list[str]:
        return [h.path for h in self.log]

    def start(self) -> Portal:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if portal.stopped:  # a kept-alive connection after the stop: dropped, as by a lost network
                    self.close_connection = True
                    return
                hit = Hit(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()})
                with portal.lock:
                    portal.log.append(hit)
                if portal.on_request is not None:
                    portal.on_request(hit)
                route = portal.routes.get(self.path)
                if route is None:
                    hit.status = 404
                    self._send(404, b"<html><body>404 Not Found</body></html>", "text/html", {})
                    return
                if route.delay:
                    time.sleep(route.delay)
                status = route.statuses.pop(0) if route.statuses else route.status
                hit.status = status
                headers = dict(route.headers)
                if route.etag and status == 200:
                    tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        hit.status = 304
                        self._send(304, b"", None, headers)
                        return
                if route.last_modified and status == 200:
                    headers["Last-Modified"] = route.last_modified
                    if self.headers.get("If-Modified-Since") == route.last_modified:
                        hit.status = 304
                        self._send(304, b"", None, headers)
                        return
                body = route.body if status < 300 or status >= 400 else b""
                self._send(status, body, route.content_type, headers)

            def _send(self, status: int, body: bytes, content_type: str | None, headers: dict) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (size limit)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None and not self.stopped:
            self.stopped = True
            self.server.shutdown()
            self.server.server_close()


def html(path: Path, encoding: str = "utf-8") -> Route:
    text = path.read_text(encoding="utf-8")
    charset = "gb2312" if encoding != "utf-8" else "utf-8"
    return Route(text.encode(encoding), content_type=f"text/html; charset={charset}")


def pingtan_column(portal: Portal) -> None:
    """The 平潭 年报 column: two list pages (the page count is in the CMS script), four reports."""
    folder = PORTAL / "zfxxgknb"
    portal.add("/robots.txt", Route(b"User-agent: *\nDisallow: /uc/\n", content_type="text/plain"))
    portal.add(COLUMN, html(folder / "index.htm"))
    portal.add(COLUMN + "index.htm", html(folder / "index.htm"))
    portal.add(COLUMN + "index_1.htm", html(folder / "index_1.htm"))
    portal.add(COLUMN + "202503/t20250310_97791.htm", html(folder / "t20250310_97791.htm"))
    portal.add(COLUMN + "202403/t20240308_87885.htm", html(folder / "t20240308_87885.htm"))
    portal.add(
        "/protect/P0202403085367/download.jsp?fileid=87885",
        Route((DATA / "published" / "hongze-2024.pdf").read_bytes(), content_type="application/octet-stream"),
    )
    portal.add(COLUMN + "202302/t20230220_80629.htm", html(DATA / "published" / "pingtan-2022.html"))
    # the 2013 page moved: its old address refreshes to the new one, which is GBK (declared gb2312)
    portal.add(
        COLUMN + "201402/t20140225_80774.htm",
        Route(
            b'<html><head><meta http-equiv="refresh" content="0; url=t20140225_80774_1.htm"></head>'
            b"<body></body></html>",
            content_type="text/html",
        ),
    )
    gbk = html(folder / "t20140225_80774.htm", "gbk")
    gbk.content_type = "text/html"  # declared only in the page's <meta>
    portal.add(COLUMN + "201402/t20140225_80774_1.htm", gbk)
