"""Text and code derived from a template, cached by hash of the source: in memory, and on disk like
Python's own .pyc files (the XML clean-up and the Jinja compilation are the two slowest steps of a render,
and give the same result for the same template every run)."""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

import docxtpl
import jinja2
from jinja2.sandbox import SandboxedEnvironment

# Derived text and code, by hash of the source: in memory, and on disk like Python's own .pyc files.
_CACHE: dict[str, Any] = {}
_CACHE_ENTRIES = 64
CODE = ("cache.py", "docx.py", "sandbox.py")
"""The modules whose code makes the cached values: this one, the XML clean-up and tag scan, the
sandbox's code generator."""


def _code_version() -> str:
    """The package's version and a digest of CODE: what other code of xxgk cached (an older version, or
    the same version edited) is never read back."""
    from .. import __version__

    digest = hashlib.sha256()
    for name in CODE:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return f"xxgk {__version__} {digest.hexdigest()[:16]}"


_CACHE_SALT = f"{sys.version}|jinja2 {jinja2.__version__}|docxtpl {docxtpl.__version__}|{_code_version()}|"


T = TypeVar("T")


def cached(kind: str, source: str, make: Callable[[str], T], of_type: type[T]) -> T:
    """`make(source)`, computed once per source text: the XML clean-up and the Jinja compilation
    (the two slowest steps of a render) give the same result for the same template every run."""
    text = _CACHE_SALT + kind + "|" + source
    key = f"{kind}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
    value = _CACHE.get(key)
    if not isinstance(value, of_type):
        value = _read_cached(key)
    if not isinstance(value, of_type):  # not cached, or a damaged cache file
        value = make(source)
        _write_cached(key, value)
    if len(_CACHE) >= _CACHE_ENTRIES:
        _CACHE.clear()
    _CACHE[key] = value
    return value


def compiled(env: SandboxedEnvironment, source: str) -> CodeType:
    """The code for `source`, compiled for the sandbox (the salt names the environment's class)."""
    kind = f"code-{type(env).__qualname__}{getattr(env, 'code_version', '')}-{env.autoescape}"
    return cached(kind, source, env.compile, CodeType)


def _cache_dir(system: str = os.name) -> Path:
    """$XDG_CACHE_HOME, else %LOCALAPPDATA% on Windows, else ~/.cache: then xxgk/jinja."""
    local = os.environ.get("LOCALAPPDATA") if system == "nt" else None
    base = os.environ.get("XDG_CACHE_HOME") or local or Path.home() / ".cache"
    return Path(base) / "xxgk" / "jinja"


def _read_cached(key: str) -> Any:
    try:
        return marshal.loads((_cache_dir() / f"{key}.bin").read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _write_cached(key: str, value: Any) -> None:
    """Best effort: a cache that cannot be written is no error."""
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(marshal.dumps(value))
        os.replace(tmp, folder / f"{key}.bin")
    except OSError:
        return
