"""Shared fixtures: paths, and LibreOffice (soffice) conversion with a private profile per call."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test run has its own cache folder (XDG_CACHE_HOME, inherited by the commands tests start):
    results never depend on what a developer's earlier runs, or an older checkout, left in ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, target: str, outdir: Path) -> Path:
    """Convert src with LibreOffice (`target` such as "xlsx", "pdf", "docx") into outdir."""
    exe = soffice_path()
    assert exe, "soffice not found"
    profile = Path("/tmp") / f"xxgk-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / f"{src.stem}.{target.split(':')[0]}"
    assert out.exists(), f"soffice did not write {out}"
    return out


@pytest.fixture
def soffice():
    """The convert function; skipped without LibreOffice, but a failure under CI=true."""
    if soffice_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice (LibreOffice) is required under CI=true")
        pytest.skip("soffice (LibreOffice) not installed")
    return convert


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL server for the session (tests/library_support.py)."""
    from library_support import Cluster

    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def library_url(request, tmp_path):
    """A new, empty library database: a SQLite file, and a fresh database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "library.db")
    return request.getfixturevalue("postgres_cluster").database()
