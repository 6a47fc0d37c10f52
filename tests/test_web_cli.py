"""`xxgk serve` on the command line: the web libraries stay out of the other commands, clear messages."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import ROOT, SAMPLES
from web_support import server_process

WEB = ("fastapi", "uvicorn", "starlette", "multipart", "pydantic")


def imported_modules(*argv: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "converter", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [
        line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    ]
    return {name.split(".")[0] for name in lines}


@pytest.mark.parametrize(
    "argv", [("--help",), ("check", str(SAMPLES / "huaian-2024.xlsx"))], ids=["help", "check"]
)
def test_other_commands_do_not_import_the_web_libraries(argv):
    modules = imported_modules(*argv)
    assert "converter" in modules  # the import log was read
    assert not modules & set(WEB)


def test_build_does_not_import_the_web_libraries(tmp_path):
    modules = imported_modules("build", str(SAMPLES / "huaian-2024.xlsx"), "-o", str(tmp_path / "r.docx"))
    assert (tmp_path / "r.docx").exists()
    assert not modules & set(WEB)


def test_serve_without_the_web_extra_says_how_to_install():
    code = (
        "import importlib.util, sys; real = importlib.util.find_spec; "
        "importlib.util.find_spec = lambda name, *a: None if name == 'fastapi' else real(name, *a); "
        "sys.argv = ['xxgk', 'serve']; from converter.cli import run; run()"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "网页服务需要的组件尚未安装" in result.stderr and "xxgk-report[web]" in result.stderr


def test_serve_on_a_busy_port_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "converter", "serve", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"无法在 127.0.0.1:{port} 上启动网页服务" in result.stderr
    assert "--port" in result.stderr


def test_serve_starts_and_stops_cleanly_on_ctrl_c():
    with server_process() as base:
        assert httpx.get(base + "/").status_code == 200
    assert server_process.last_code == 0, server_process.last_output
    assert "网页服务已启动：http://127.0.0.1:" in server_process.last_output
    assert server_process.last_output.rstrip().endswith("网页服务已停止。")
    assert "Traceback" not in server_process.last_output


def test_open_shows_the_page_in_the_default_browser(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\" {opened} %s"
    with server_process("--open", env={"BROWSER": browser}) as base:
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == base + "/"


def test_without_open_no_browser_is_started(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\" {opened} %s"
    with server_process(env={"BROWSER": browser}):
        time.sleep(1)
    assert not opened.exists()


def test_serve_help_is_chinese():
    result = subprocess.run(
        [sys.executable, "-m", "converter", "serve", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert "启动网页服务" in result.stdout and "--open" in result.stdout
