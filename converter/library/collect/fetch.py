"""A polite HTTP client for portals: robots.txt obeyed, one request at a time per host with a delay,
back-off on 429/5xx, conditional requests (ETag/Last-Modified) through hishel's RFC 9111 cache on httpx,
bounded responses, redirects followed only within the site, http/https only, no private addresses.

Every refusal is a `FetchError` whose message is Chinese and names the address; nothing here prints.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ... import __version__
from ...published.read_html import MAX_HTML_BYTES

USER_AGENT = f"xxgk/{__version__} (xxgk-report annual-report collector; one request at a time per host)"
ROBOTS_AGENT = "xxgk"
MiB = 1024 * 1024
MAX_FILE_BYTES = 100 * MiB  # an attached report file (as `xxgk library add` takes files)
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Politeness:
    """How the collector treats a site. The defaults are for real portals; tests make the waits short."""

    delay: float = 1.0  # seconds between two requests to one host (robots.txt's Crawl-delay if longer)
    backoff: tuple[float, ...] = (5.0, 15.0, 45.0, 120.0)  # waits before retrying a 429/5xx/timeout
    timeout: float = 30.0  # connect and read timeout; a whole response gets 4 × this
    max_page_bytes: int = MAX_HTML_BYTES  # a web page (as `xxgk import` reads pages)
    max_file_bytes: int = MAX_FILE_BYTES  # an attached file
    max_redirects: int = 5
    max_requests: int = 2000  # requests in one run (--max-pages)
    allow_private: bool = False  # private, loopback and link-local addresses (--allow-private)
    other_hosts: frozenset[str] = frozenset()  # hosts a redirect may lead to beyond the site
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """A URL that could not be fetched, and why (Chinese); `kind` is a stable code for scripts."""

    def __init__(self, url: str, message: str, kind: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.message = message
        self.kind = kind
        self.status = status


class RequestLimitReached(Exception):
    """The run's request budget (--max-pages) is spent."""


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    content: bytes
    content_type: str = ""
    charset: str | None = None
    from_cache: bool = False  # answered from the HTTP cache (after a 304 or while fresh)
    headers: dict[str, str] = field(default_factory=dict)


def site_of(host: str) -> str:
    """A host without a leading www.: www.pingtan.gov.cn and pingtan.gov.cn are one site."""
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def private_address(host: str) -> str | None:
    """The first private, loopback, link-local or reserved address the host resolves to, else None."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None  # the request itself will fail with a clear message
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            return str(address)
    return None


class Fetcher:
    """GET with the site's rules. One instance per run; requests are made one at a time."""

    def __init__(
        self,
        politeness: Politeness,
        cache_path: Path | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        import httpx

        self.rules = politeness
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self.waited = 0.0
        self._last: dict[str, float] = {}  # host → when its last request ended
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._checked_hosts: dict[str, str | None] = {}
        timeout = httpx.Timeout(politeness.timeout)
        headers = {"User-Agent": politeness.user_agent, "Accept-Language": "zh-CN,zh;q=0.9"}
        if cache_path is None:
            self.client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)
        else:
            import hishel
            from hishel.httpx import CacheClient

            cache_path.parent.mkdir(parents=True, exist_ok=True)
            storage = hishel.SqliteStorage(
                database_path=str(cache_path), max_stream_size=politeness.max_file_bytes
            )
            self.client = CacheClient(
                timeout=timeout,
                headers=headers,
                follow_redirects=False,
                storage=storage,
                rfc=hishel.CacheOptions(shared=False),
            )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----------------------------------------------------------------------- rules

    def check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"{url}：只收集 http 或 https 地址。", "scheme")
        host = parts.hostname or ""
        if not host:
            raise FetchError(url, f"{url}：地址中没有主机名。", "scheme")
        if self.rules.allow_private:
            return
        if host not in self._checked_hosts:
            self._checked_hosts[host] = private_address(host)
        found = self._checked_hosts[host]
        if found:
            raise FetchError(
                url,
                f"{url}：{host} 指向内网或本机地址（{found}），未访问；"
                "确需收集内网网站时加 --allow-private。",
                "private",
            )

    def allowed(self, url: str) -> bool:
        """robots.txt of the URL's origin allows us (fetched once per origin and run)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        robots = self._robots[origin]
        return True if robots is None else robots.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx, network)
        disallows everything for this run."""
        url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(url)
        try:
            fetched = self._get(url, self.rules.max_page_bytes, robots=True)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            parser.disallow_all = True
            return parser
        from .portal import decode_page

        parser.parse(decode_page(fetched.content, fetched.charset).text.splitlines())
        return parser

    def delay_for(self, host: str) -> float:
        origin_delays = [
            r.crawl_delay(ROBOTS_AGENT)
            for origin, r in self._robots.items()
            if r is not None and urlsplit(origin).hostname == host
        ]
        return max([self.rules.delay, *(float(d) for d in origin_delays if d)])

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = self.delay_for(host) - (self.clock() - last)
            if pause > 0:
                self.waited += pause
                self.sleep(pause)

    # ----------------------------------------------------------------------- requests

    def get(self, url: str, *, file: bool = False) -> Fetched:
        """The URL's body (a page, or an attached file with `file`), within the site's rules."""
        self.check_address(url)
        if not self.allowed(url):
            raise FetchError(url, f"{url}：网站的 robots.txt 不允许抓取此地址，已跳过。", "robots")
        limit = self.rules.max_file_bytes if file else self.rules.max_page_bytes
        return self._get(url, limit)

    def _get(self, url: str, limit: int, *, robots: bool = False) -> Fetched:
        chain = [url]
        current = url
        while True:
            response = self._with_backoff(current, limit)
            if response.status in REDIRECTS:
                target = urljoin(current, response.headers.get("location", ""))
                if len(chain) > self.rules.max_redirects or target in chain:
                    raise FetchError(
                        url, f"{url}：重定向循环或次数过多（{len(chain)} 次），已放弃。", "redirect"
                    )
                self._check_redirect(url, current, target)
                if not robots and not self.allowed(target):
                    raise FetchError(
                        target, f"{target}：网站的 robots.txt 不允许抓取此地址，已跳过。", "robots"
                    )
                chain.append(target)
                current = target
                continue
            if 200 <= response.status < 300:
                return response
            raise FetchError(
                current, f"{current}：服务器返回 {response.status}，已放弃。", "http", response.status
            )

    def _check_redirect(self, url: str, current: str, target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"{url}：重定向到非 http(s) 地址 {target}，未跟随。", "redirect")
        here = site_of(urlsplit(current).hostname or "")
        there = site_of(parts.hostname or "")
        if there != here and there not in {site_of(h) for h in self.rules.other_hosts}:
            raise FetchError(url, f"{url}：重定向到其他网站 {target}，未跟随。", "redirect")
        self.check_address(target)

    def _with_backoff(self, url: str, limit: int) -> Fetched:
        """One GET, retried after the back-off waits on 429, 5xx, a timeout or a dropped connection."""
        import httpx

        waits = list(self.rules.backoff)
        while True:
            try:
                response = self._send(url, limit)
            except (httpx.TimeoutException, _TooSlow) as exc:
                if not waits:
                    raise FetchError(
                        url, f"{url}：服务器响应超时（{self.rules.timeout:g} 秒），已放弃。", "timeout"
                    ) from exc
                self._pause(url, waits.pop(0))
                continue
            except httpx.TransportError as exc:
                if not waits:
                    raise FetchError(
                        url, f"{url}：无法连接（{type(exc).__name__}），已放弃。", "network"
                    ) from exc
                self._pause(url, waits.pop(0))
                continue
            if response.status == 429 or 500 <= response.status < 600:
                if not waits:
                    return response
                wait = waits.pop(0)
                retry_after = response.headers.get("retry-after", "")
                if retry_after.isdigit():
                    wait = min(max(wait, float(retry_after)), max(self.rules.backoff))
                self._pause(url, wait)
                continue
            return response

    def _pause(self, url: str, seconds: float) -> None:
        host = urlsplit(url).hostname or ""
        self.waited += seconds
        self.sleep(seconds)
        self._last[host] = self.clock()

    def _send(self, url: str, limit: int) -> Fetched:
        if self.requests >= self.rules.max_requests:
            raise RequestLimitReached()
        host = urlsplit(url).hostname or ""
        self._wait_turn(host)
        self.requests += 1
        deadline = self.clock() + 4 * self.rules.timeout
        try:
            # no-cache: every stored page is revalidated (If-None-Match / If-Modified-Since), never
            # served stale; a 304 then answers with the stored body.
            with self.client.stream("GET", url, headers={"Cache-Control": "no-cache"}) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(url, _too_big(url, limit), "too-big", response.status_code)
                body = bytearray()
                if response.status_code < 300:
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            raise FetchError(url, _too_big(url, limit), "too-big", response.status_code)
                        if self.clock() > deadline:
                            raise _TooSlow()
                caching = response.extensions.get("caching")
                content_type = response.headers.get("content-type", "")
                return Fetched(
                    url=str(response.url),
                    status=response.status_code,
                    content=bytes(body),
                    content_type=content_type,
                    charset=_charset(content_type),
                    from_cache=bool(caching and (caching.get("from_cache") or caching.get("revalidated"))),
                    headers={k.lower(): v for k, v in response.headers.items()},
                )
        finally:
            self._last[host] = self.clock()


class _TooSlow(Exception):
    """A response that trickles in past its whole-response deadline."""


def _too_big(url: str, limit: int) -> str:
    return f"{url}：内容超过 {limit // MiB} MiB，不像是一份年度报告，未下载。"


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None
