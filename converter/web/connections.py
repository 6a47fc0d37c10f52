"""Connections that send nothing, or their headers slowly, must not take the server down.

- `HeaderDeadline`: uvicorn's h11 protocol that closes a connection whose request headers have not all
  arrived within `header_timeout` seconds of its first byte (or of the connection, for the first request).
  uvicorn itself only times out idle keep-alive connections *after* a response.
- `raise_open_file_limit`: the soft limit on open files raised to the hard limit at start (the common
  soft limit of 1,024 is spent by 1,000 idle connections).
- `connection_limit`: how many connections uvicorn serves at once (`limit_concurrency`; more get 503).
- `QuietAccept`: the event loop's exception handler; "socket.accept() out of system resource" (EMFILE)
  repeats every second while the limit is reached, so it is logged once a minute with a count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("xxgk.web")

HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's headers (a browser sends them in one packet)."""
KEEP_ALIVE = 5
"""Seconds an idle keep-alive connection is kept after a response (uvicorn's `timeout_keep_alive`)."""
OPEN_FILES_WANTED = 65536
"""The soft limit on open files asked for at start (at most the hard limit)."""
RESERVED_FILES = 128
"""Open files kept for the server itself (worker pipes, uploads, logs) when bounding connections."""
MAX_CONNECTIONS = 10_000


def header_deadline_protocol(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's `http=` protocol class with the given deadline for request headers."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_timeout": header_timeout})


class HeaderDeadline(H11Protocol):
    """An h11 connection that is closed when a request's headers are late."""

    header_timeout = HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a request begun but its headers not complete
            if self.timeout_keep_alive_task is None:  # (while idle, uvicorn's keep-alive timer runs)
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._disarm()  # uvicorn's keep-alive timer takes over
        super().on_response_complete()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def raise_open_file_limit(wanted: int = OPEN_FILES_WANTED) -> int:
    """Raise the soft limit on open files towards `wanted` (never above the hard limit); the new soft limit.

    Returns 0 where there are no such limits (Windows)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # pragma: no cover - a platform that refuses: keep the old one
            pass
    return OPEN_FILES_WANTED if soft == resource.RLIM_INFINITY else soft


def connection_limit(open_files: int) -> int | None:
    """Connections served at once: what the open-file limit leaves after the server's own files."""
    if open_files <= 0:
        return None
    return max(64, min(MAX_CONNECTIONS, open_files - RESERVED_FILES))


class QuietAccept:
    """A loop exception handler: running out of open files is logged at most once per `every` seconds."""

    MESSAGE = "socket.accept() out of system resource"

    def __init__(self, every: float = 60.0, clock: Any = time.monotonic):
        self.every, self.clock = every, clock
        self.last: float | None = None
        self.suppressed = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != self.MESSAGE:
            loop.default_exception_handler(context)
            return
        now = self.clock()
        if self.last is not None and now - self.last < self.every:
            self.suppressed += 1
            return
        exc = context.get("exception")
        more = f" ({self.suppressed} more since the last report)" if self.suppressed else ""
        log.warning(
            "cannot accept connections: %s; new connections wait until others close%s",
            getattr(exc, "strerror", None) or exc,
            more,
        )
        self.last, self.suppressed = now, 0
