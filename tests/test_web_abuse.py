"""`xxgk serve` under abuse: idle and slow connections, foreign Host names and cross-site posts, a full
temporary folder, too many files or fields, and batches over the documented limit."""

from __future__ import annotations

import errno
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest
from conftest import ROOT
from web_support import HUAIAN, free_port, server_thread, wait_until_up

from converter.web import app as web_app
from converter.web import jobs
from converter.web.app import MAX_WORKBOOKS, Settings
from converter.web.connections import QuietAccept, connection_limit
from converter.web.server import host_names

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None


def upload(path, name=None):
    return (name or path.name, path.read_bytes(), "application/octet-stream")


@pytest.fixture(scope="module")
def server():
    with server_thread(Settings(workers=1, header_timeout=1)) as running:
        yield running


@pytest.fixture(scope="module")
def base(server):
    return server[0]


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """True when the server closes the connection (EOF or reset) within `seconds`."""
    conn.settimeout(seconds)
    try:
        while conn.recv(1024):
            pass
    except (TimeoutError, BlockingIOError):
        return False
    except ConnectionResetError:
        pass
    return True


# ---------------------------------------------------------------- idle and slow connections


def test_connection_that_sends_nothing_is_dropped(base):
    with socket.create_connection(("127.0.0.1", port_of(base))) as conn:
        assert closed_within(conn, 30)  # header_timeout=1; the default would keep it for ever


def test_headers_sent_slowly_are_cut_off(base):
    with socket.create_connection(("127.0.0.1", port_of(base))) as conn:
        conn.settimeout(30)
        cut = False
        for byte in b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                cut = True
                break
            time.sleep(0.05)  # 10 s for the whole header if it were let through
        assert cut or closed_within(conn, 30)


def test_second_request_on_a_kept_connection_must_send_its_headers_too(base):
    with socket.create_connection(("127.0.0.1", port_of(base))) as conn:
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        conn.settimeout(30)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        assert closed_within(conn, 30)


def test_a_request_in_time_is_answered(base):
    assert httpx.get(base + "/api/health").json()["ok"] is True


@pytest.mark.skipif(resource is None, reason="no open-file limits on this system")
def test_a_client_is_answered_while_1000_idle_connections_are_open(tmp_path):
    """The server starts with the common soft limit of 1,024 open files (`ulimit -Sn 1024`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2200:
        pytest.skip(f"the hard open-file limit ({hard}) leaves no room above 1,024")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 4096, hard))
    port = free_port()
    log = tmp_path / "server.log"

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "converter", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=low_limit,
        )
    base = f"http://127.0.0.1:{port}"
    idle: list[socket.socket] = []
    try:
        wait_until_up(base, process=process)
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", port)))
        answer = httpx.get(base + "/api/health", timeout=8)  # well within the 10 s header deadline
        assert answer.status_code == 200
        assert sum(closed_within(c, 0.01) for c in idle[:20]) == 0  # the idle ones are still open
    finally:
        for conn in idle:
            conn.close()
        process.terminate()
        process.wait(30)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "Too many open files" not in text


def test_connections_are_bounded_by_the_open_file_limit():
    assert connection_limit(1024) == 1024 - 128
    assert connection_limit(65536) == 10_000
    assert connection_limit(100) == 64
    assert connection_limit(0) is None  # no such limit (Windows): uvicorn's default


def test_running_out_of_open_files_is_logged_once_a_minute(caplog):
    now = [0.0]
    handler = QuietAccept(every=60, clock=lambda: now[0])
    context = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(errno.EMFILE, "Too many open files"),
    }
    with caplog.at_level(logging.WARNING, logger="xxgk.web"):
        for second in range(180):  # asyncio retries accept() once a second
            now[0] = float(second)
            handler(None, context)
    lines = [r.getMessage() for r in caplog.records if r.name == "xxgk.web"]
    assert len(lines) == 3
    assert "Too many open files" in lines[0] and not caplog.records[0].exc_info
    assert "(59 more since the last report)" in lines[1]


# ---------------------------------------------------------------- Host and Origin


def test_a_foreign_host_name_is_refused(base):
    """DNS rebinding: another site's name pointed at 127.0.0.1 reaches the server with that name."""
    answer = httpx.get(base + "/api/health", headers={"Host": f"attacker.example:{port_of(base)}"})
    assert answer.status_code == 400
    assert answer.json()["reason"] == "bad-host"
    assert "--allowed-host attacker.example" in answer.json()["message"]
    answer = httpx.post(
        base + "/api/check", headers={"Host": "attacker.example"}, files={"workbook": upload(HUAIAN)}
    )
    assert answer.status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_loopback_names_are_answered(base, host):
    answer = httpx.get(base + "/api/health", headers={"Host": f"{host}:{port_of(base)}"})
    assert answer.status_code == 200


def test_allowed_names_and_any_address_when_listening_on_all():
    settings = Settings(workers=1, allowed_hosts=host_names("0.0.0.0", ("report-pc",)), any_ip_host=True)
    with server_thread(settings) as (base, _):
        for host in ("report-pc:8000", "REPORT-PC", socket.gethostname(), "192.168.3.7:8000"):
            assert httpx.get(base + "/api/health", headers={"Host": host}).status_code == 200, host
        assert httpx.get(base + "/api/health", headers={"Host": "other-pc"}).status_code == 400


def test_host_names_from_the_listening_address():
    assert host_names("127.0.0.1") == ("127.0.0.1", "localhost", "::1")
    assert "10.0.0.5" in host_names("10.0.0.5")
    assert socket.gethostname().lower() not in host_names("10.0.0.5")
    assert {socket.gethostname().lower(), "xxgk.county"} <= set(host_names("0.0.0.0", ("XXGK.county",)))


def test_the_allowed_host_option_reaches_the_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "serve", "--port", str(port), "--allowed-host", "gongkai.local"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process=process)
        assert httpx.get(base + "/", headers={"Host": f"gongkai.local:{port}"}).status_code == 200
        assert httpx.get(base + "/", headers={"Host": f"gongkai.other:{port}"}).status_code == 400
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:1"},  # another port is another origin
    ],
    ids=["other-site", "null", "fetch-metadata", "other-port"],
)
def test_a_cross_site_post_is_refused(base, headers):
    answer = httpx.post(base + "/api/check", headers=headers, files={"workbook": upload(HUAIAN)})
    assert answer.status_code == 403
    assert answer.json()["reason"] == "cross-site"
    assert "其他网站" in answer.json()["message"]


def test_the_page_s_own_post_and_a_script_s_post_are_answered(base):
    own = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    assert httpx.post(base + "/api/check", headers=own, files={"workbook": upload(HUAIAN)}).status_code == 200
    assert httpx.post(base + "/api/check", files={"workbook": upload(HUAIAN)}).status_code == 200  # curl
    assert httpx.get(base + "/api/format", headers={"Origin": "http://x.example"}).status_code == 200


# ---------------------------------------------------------------- a full disk


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_temporary_folder_for_the_upload_is_507(server, monkeypatch):
    base, _ = server
    monkeypatch.setattr(web_app.tempfile, "TemporaryDirectory", full_disk)
    answer = httpx.post(base + "/api/check", files={"workbook": upload(HUAIAN)})
    assert answer.status_code == 507
    assert answer.json()["reason"] == "disk-full"
    assert "服务器磁盘空间不足" in answer.json()["message"]


class SpoolOnFullDisk(tempfile.SpooledTemporaryFile):
    """The multipart parser's spool file: over its memory size it goes to a disk that is full."""

    def rollover(self):
        full_disk()


def test_full_disk_while_the_upload_is_received_is_507_not_400(server, monkeypatch):
    import starlette.formparsers

    base, _ = server
    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", SpoolOnFullDisk)
    big = ("big.xlsx", bytes(2 * 1024 * 1024), "application/octet-stream")  # over the 1 MiB in memory
    answer = httpx.post(base + "/api/check", files={"workbook": big}, timeout=60)
    assert answer.status_code == 507
    assert "服务器磁盘空间不足" in answer.json()["message"]


def test_full_disk_in_a_worker_is_507(server, monkeypatch):
    base, app = server

    async def disk_full_in_the_worker(*args):
        raise jobs.DiskFull("No space left on device")

    monkeypatch.setattr(app.state.pool, "run", disk_full_in_the_worker)
    answer = httpx.post(base + "/api/build", files={"workbook": upload(HUAIAN)})
    assert answer.status_code == 507
    assert "服务器磁盘空间不足" in answer.json()["message"]


def test_a_job_whose_output_finds_the_disk_full_says_so(tmp_path, monkeypatch):
    """In the worker: the report's scratch file cannot be written (pipeline's OutputError)."""
    from converter.render import docx as render_docx

    monkeypatch.setattr(render_docx.WordRenderer, "render", full_disk)
    saved = tmp_path / "workbook.xlsx"
    saved.write_bytes(HUAIAN.read_bytes())
    with pytest.raises(jobs.DiskFull):
        jobs.build_one(jobs.Upload(str(saved), HUAIAN.name), str(tmp_path))


# ---------------------------------------------------------------- limits named


def test_a_batch_over_the_limit_is_refused_at_once_naming_it(base):
    files = [("workbook", upload(HUAIAN, f"单位{i}.xlsx")) for i in range(MAX_WORKBOOKS + 1)]
    for path in ("/api/build-zip", "/api/check"):
        answer = httpx.post(base + path, files=files, timeout=60)
        assert answer.status_code == 413, path
        assert answer.json()["reason"] == "too-many-files"
        assert f"一次最多处理 {MAX_WORKBOOKS} 个工作簿" in answer.json()["message"]
        assert f"这次上传了 {MAX_WORKBOOKS + 1} 个" in answer.json()["message"]


def test_too_many_files_or_fields_says_which_limit(base):
    tiny = ("a.xlsx", b"x", "application/octet-stream")
    answer = httpx.post(base + "/api/check", files=[("workbook", tiny)] * 1001, timeout=60)
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "reason": "too-many-files",
        "message": "一次上传的文件太多：最多 1000 个。请分几次上传。",
    }
    fields = [(f"f{i}", (None, "1")) for i in range(1001)]
    answer = httpx.post(base + "/api/new", files=fields, timeout=60)
    assert answer.json()["reason"] == "too-many-fields"
    assert "最多 1000 项" in answer.json()["message"]


def test_an_oversized_text_field_says_which_limit(base):
    answer = httpx.post(base + "/api/new", files={"org": (None, "某" * 600_000)}, timeout=60)
    assert answer.status_code == 400
    assert answer.json()["reason"] == "field-too-long"
    assert "每项最多 1024 KB" in answer.json()["message"]
    answer = httpx.post(base + "/api/new", data={"org": "某" * 101, "year": "2024"})
    assert answer.status_code == 400
    assert "机关全称太长：最多 100 个字" in answer.json()["message"]
    answer = httpx.post(base + "/api/new", data={"org": "某局", "year": "1999"})
    assert "年度不能小于 2000" in answer.json()["message"]


def test_a_json_list_is_not_called_a_csv(base):
    answer = httpx.post(
        base + "/api/check", files={"workbook": ("结果.json", b'[{"file": "a.xlsx"}]', "application/json")}
    )
    message = answer.json()[0]["message"]
    assert "JSON 文本文件" in message and "列表" in message
    assert "CSV" not in message and "Excel 或 WPS 中打开" not in message
