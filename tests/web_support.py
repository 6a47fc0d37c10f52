"""Helpers for the web tests: servers on a free port of 127.0.0.1, and the workbooks to upload."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docx
import httpx
from conftest import ROOT, SAMPLES

MiB = 1024 * 1024
HUAIAN = SAMPLES / "huaian-2024.xlsx"
OUMIAO = SAMPLES / "oumiao-2024.xlsx"
WRONG_CELL = "表三!D31"  # 四、结转下年度继续办理 / 自然人, one more than the arithmetic allows
WRONG_FIELD = "applications.carried_forward.natural_person"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited: {process.returncode}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start")


@contextmanager
def server_thread(settings=None) -> Iterator[tuple[str, object]]:
    """The app under uvicorn in a thread of this process: (base URL, app)."""
    import uvicorn

    from converter.web.app import create_app
    from converter.web.server import server_config

    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, app
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def server_process(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m converter serve --port N` as a subprocess, stopped with Ctrl+C (SIGINT)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "serve", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process=process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        server_process.last_output = output  # type: ignore[attr-defined]
        server_process.last_code = process.returncode  # type: ignore[attr-defined]


def wrong_workbook(folder: Path) -> Path:
    """The Huai'an sample with one wrong cell in 表三: 四、结转下年度 of 自然人 one too many."""
    from converter.app import pipeline

    data = json.loads((SAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))
    data["values"][WRONG_FIELD] += 1
    source = folder / "wrong.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return pipeline.new_workbook(folder / "某局-有错.xlsx", source=source, force=True)


def docx_renamed(folder: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("这是一份 Word 文档")
    path = folder / "改了扩展名.xlsx"
    document.save(path)
    return path


def empty_file(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def zip_bomb(folder: Path) -> Path:
    """A 300 MiB part of zeros in a file of about 300 KiB."""
    path = folder / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(300):
                part.write(bytes(MiB))
    return path


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()
