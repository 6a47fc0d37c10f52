"""Who may use the dashboard: accounts (argon2id hashes), their sessions, and the region each may see.

A session is a random token in an HttpOnly cookie; the database keeps only its sha256, with the
session's CSRF token and its expiry. Login attempts are counted per name and per address: past five
failures in a quarter of an hour, each further attempt must wait, longer each time (`Throttle`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from ..core.errors import ExitCode, XxgkError
from . import schema as s
from .organs import normalise_region

ROLES = {"viewer": "查看", "reviewer": "审核", "admin": "管理员"}
SESSION_HOURS = 12
MIN_PASSWORD = 8
LOCAL = "本机用户"  # the one user of a server bound to loopback (no login)


class AccountError(XxgkError):
    exit_code = ExitCode.USAGE
    reason = "account"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region: str = ""  # normalised 上级地区 path; "" sees every region
    id: int | None = None

    @property
    def may_review(self) -> bool:
        return self.role in ("reviewer", "admin")

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "role_name": ROLES[self.role], "region": self.region}


LOCAL_USER = User(LOCAL, "admin")


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended parameters


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def add_user(conn: Connection, name: str, role: str, password: str, region: str = "") -> User:
    """Add an account, or replace the role, region and password of one of that name."""
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise AccountError("用户名不能为空，最多 100 个字符，且不能含控制字符。")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”应为 {' / '.join(ROLES)} 之一（查看 / 审核 / 管理员）。")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符。")
    values = dict(role=role, region=normalise_region(region), password_hash=_hasher().hash(password))
    found = conn.execute(select(s.users.c.id).where(s.users.c.name == name)).scalar()
    if found is None:
        found = conn.execute(
            insert(s.users).values(name=name, created_at=_now(), **values)
        ).inserted_primary_key[0]
    else:
        conn.execute(update(s.users).where(s.users.c.id == found).values(**values))
        conn.execute(delete(s.sessions).where(s.sessions.c.user_id == found))  # old sessions end
    return User(name, role, values["region"], found)


def users(conn: Connection) -> list[User]:
    rows = conn.execute(select(s.users).order_by(s.users.c.name))
    return [User(r.name, r.role, r.region, r.id) for r in rows]


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The user if the password is theirs. An unknown name costs a hash too (no timing tell)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    row = conn.execute(select(s.users).where(s.users.c.name == name.strip())).first()
    hasher = _hasher()
    try:
        if row is None:
            hasher.hash(password)
            return None
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return User(row.name, row.role, row.region, row.id)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: Connection, user: User) -> tuple[str, str]:
    """(cookie token, CSRF token) of a new session of `user`."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    conn.execute(delete(s.sessions).where(s.sessions.c.expires_at < now))
    conn.execute(
        insert(s.sessions).values(
            token_hash=_digest(token),
            user_id=user.id,
            csrf=csrf,
            created_at=now,
            expires_at=now + dt.timedelta(hours=SESSION_HOURS),
        )
    )
    return token, csrf


def session_user(conn: Connection, token: str) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session, else None."""
    if not token or len(token) > 100:
        return None
    u, ss = s.users, s.sessions
    row = conn.execute(
        select(u.c.id, u.c.name, u.c.role, u.c.region, ss.c.csrf)
        .select_from(ss.join(u, u.c.id == ss.c.user_id))
        .where(ss.c.token_hash == _digest(token), ss.c.expires_at > _now())
    ).first()
    if row is None:
        return None
    return User(row.name, row.role, row.region, row.id), row.csrf


def close_session(conn: Connection, token: str) -> None:
    conn.execute(delete(s.sessions).where(s.sessions.c.token_hash == _digest(token)))


@dataclass
class Throttle:
    """Failed logins per key (a name, an address): after `free` failures within `window` seconds, the
    next attempt must wait `base` seconds, doubling with each further failure, up to `cap`."""

    free: int = 5
    window: float = 900.0
    base: float = 2.0
    cap: float = 300.0
    clock: object = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, *keys: str) -> float:
        """Seconds until an attempt for these keys is heard (0: now)."""
        now = self.clock()  # type: ignore[operator]
        longest = 0.0
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window]
                self._failures[key] = recent
                if len(recent) >= self.free:
                    delay = min(self.cap, self.base * 2 ** (len(recent) - self.free))
                    longest = max(longest, recent[-1] + delay - now)
        return max(0.0, longest)

    def failed(self, *keys: str) -> None:
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)
                del self._failures[key][: -4 * self.free]  # bounded

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
