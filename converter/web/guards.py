"""ASGI middleware: the Host and Origin checks, the request body limit and upload deadline, and the
security headers.

Host and Origin: a page on another site must not reach this server through the clerk's browser. DNS
rebinding points the other site's name at 127.0.0.1, so its requests carry that name in the Host header:
only the names the server is known by are answered. A cross-site form or fetch POST carries the other
site's Origin (and `Sec-Fetch-Site: cross-site`): it is refused.

The limit is enforced while the body streams in: a declared Content-Length over the limit is refused
before anything is read, and a body without one is cut off at the first byte over it. Whatever the app
answered after that (FastAPI turns a failed read into a 400) is replaced by our 413 or 408.
"""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any
from urllib.parse import urlsplit

import anyio

Scope = dict[str, Any]
Message = dict[str, Any]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class BodyRefused(Exception):
    def __init__(self, status: int, payload: dict[str, Any]):
        super().__init__(status)
        self.status = status
        self.payload = payload


def too_large(limit: int) -> BodyRefused:
    return BodyRefused(
        413,
        {
            "ok": False,
            "reason": "too-large",
            "message": f"上传的文件太大：一次最多 {limit // (1024 * 1024)} MiB。"
            "年度报告工作簿通常不到 1 MiB，请确认选择的是填好的工作簿；多个文件请分几次上传。",
        },
    )


def too_slow(seconds: float) -> BodyRefused:
    return BodyRefused(
        408,
        {
            "ok": False,
            "reason": "upload-timeout",
            "message": f"上传超时：{seconds:g} 秒内没有传完，已中断。请检查网络后重试。",
        },
    )


async def send_json(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", b"%d" % len(body))]
    await send(
        {"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]}
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over `limit` bytes or not fully received within `timeout` seconds."""

    def __init__(self, app: Any, limit: int, timeout: float):
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await send_json(send, 413, too_large(self.limit).payload)
        await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        state: dict[str, Any] = {"received": 0, "complete": False, "refused": None, "replied": False}
        deadline = time.monotonic() + self.timeout

        async def limited_receive() -> Message:
            if state["complete"]:  # the body is in: waiting for a disconnect has no deadline
                return await receive()
            try:
                with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                state["refused"] = too_slow(self.timeout)
                raise state["refused"] from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                state["complete"] = not message.get("more_body", False)
                if state["received"] > self.limit:
                    state["refused"] = too_large(self.limit)
                    raise state["refused"]
            return message

        async def guarded_send(message: Message) -> None:
            refused = state["refused"]
            if refused is None:
                state["replied"] = True
                return await send(message)
            if message["type"] == "http.response.start" and not state["replied"]:
                state["replied"] = True
                await send_json(send, refused.status, refused.payload)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyRefused as exc:
            if not state["replied"]:
                state["replied"] = True
                await send_json(send, exc.status, exc.payload)


class SecurityHeaders:
    """Add the security headers to every response, and no-store to the API's."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        is_api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"]
                headers += SECURITY_HEADERS
                if is_api:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def host_name(value: str) -> str:
    """The name in a Host header (or an Origin's netloc) without the port, lower case, IPv6 unbracketed."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _shown(value: str) -> str:
    return "".join(ch for ch in value if ch.isprintable())[:100]


class HostCheck:
    """Answer only requests whose Host is one of `allowed` (or any IP address when `any_ip`), and refuse
    a cross-site request that would change something (any method but GET/HEAD/OPTIONS)."""

    def __init__(self, app: Any, allowed: tuple[str, ...], any_ip: bool = False):
        self.app = app
        self.allowed = {host_name(h) for h in allowed}
        self.any_ip = any_ip

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get(b"host", "")
        name = host_name(host)
        if not (name in self.allowed or (self.any_ip and _is_ip(name))):
            return await send_json(send, 400, bad_host(host))
        if scope["method"] not in SAFE_METHODS and self._cross_site(headers, host):
            return await send_json(send, 403, CROSS_SITE)
        await self.app(scope, receive, send)

    @staticmethod
    def _cross_site(headers: dict[bytes, str], host: str) -> bool:
        if headers.get(b"sec-fetch-site", "none") not in ("same-origin", "none"):
            return True
        origin = headers.get(b"origin")
        if origin is None:  # not from a browser page (curl, a script): nothing to check
            return False
        parts = urlsplit(origin)
        return parts.scheme not in ("http", "https") or parts.netloc.lower() != host.strip().lower()


def bad_host(host: str) -> dict[str, Any]:
    shown = _shown(host) or "（空）"
    return {
        "ok": False,
        "reason": "bad-host",
        "message": f"本服务不接受以“{shown}”访问（防止其他网站借用浏览器访问本服务）。"
        "请用启动服务时显示的地址打开页面；如需用这个名称访问，请管理员启动服务时加上 "
        f"--allowed-host {host_name(shown)}。",
    }


CROSS_SITE = {
    "ok": False,
    "reason": "cross-site",
    "message": "拒绝来自其他网站的请求：只能在本服务自己的页面上上传文件和生成报告。",
}
