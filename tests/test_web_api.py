"""The JSON API of `xxgk serve` against a real uvicorn server on 127.0.0.1: same results as the CLI."""

from __future__ import annotations

import glob
import re
import socket
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from docx_text import docx_text
from web_support import (
    HUAIAN,
    OUMIAO,
    WRONG_CELL,
    WRONG_FIELD,
    MiB,
    docx_renamed,
    empty_file,
    server_thread,
    wrong_workbook,
    zip_bomb,
    zip_names,
)

from converter.app import pipeline
from converter.web.app import Settings


@pytest.fixture(scope="module")
def server():
    with server_thread(Settings(workers=1, queue=4)) as (base, app):
        yield base, app


@pytest.fixture
def base(server):
    return server[0]


def post(base: str, path: str, files=None, data=None) -> httpx.Response:
    return httpx.post(base + path, files=files, data=data, timeout=60)


def upload(path: Path, name: str | None = None):
    return (name or path.name, path.read_bytes())


def read_all(conn: socket.socket) -> str:
    """The whole answer: the server closes the connection after refusing a body."""
    conn.settimeout(10)
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def leftovers(folder: Path) -> set[str]:
    return set(glob.glob(str(folder / "xxgk-web-*")))


# --------------------------------------------------------------------------- check


def test_check_gives_the_cli_result_with_values_and_fields(base):
    response = post(base, "/api/check", files={"workbook": upload(HUAIAN, "淮安 2024.xlsx")})
    assert response.status_code == 200
    assert response.headers["x-xxgk-exit-code"] == "0"
    [result] = response.json()
    cli = pipeline.check_file(HUAIAN).to_dict()
    assert result["file"] == "淮安 2024.xlsx"
    assert (result["ok"], result["errors"], result["warnings"]) == (True, 0, 2)
    assert result["findings"] == cli["findings"]  # the same JSON as `xxgk check --json`
    assert [f["field"] for f in result["findings"]] == ["info.date", "fees.notices"]
    assert (
        result["values"]["applications.new.total"]
        == pipeline.check_file(HUAIAN).report.values["applications.new.total"]
    )
    assert result["title"] == "淮安市人民政府2024年政府信息公开工作年度报告"


def test_check_finds_the_wrong_cell_and_its_field(base, tmp_path):
    response = post(base, "/api/check", files={"workbook": upload(wrong_workbook(tmp_path))})
    assert response.status_code == 200
    assert response.headers["x-xxgk-exit-code"] == "1"
    [result] = response.json()
    assert result["ok"] is False
    errors = [f for f in result["findings"] if f["severity"] == "error"]
    assert errors[0]["location"] == WRONG_CELL
    assert errors[0]["field"] == WRONG_FIELD


def test_check_several_files_one_result_each(base, tmp_path):
    files = [("workbook", upload(HUAIAN)), ("workbook", upload(empty_file(tmp_path)))]
    response = post(base, "/api/check", files=files)
    assert response.status_code == 422  # like the CLI's exit code 3 when one file cannot be read
    assert response.headers["x-xxgk-exit-code"] == "3"
    good, bad = response.json()
    assert good["ok"] and good["file"] == "huaian-2024.xlsx"
    assert bad == {
        "file": "空文件.xlsx",
        "ok": False,
        "unreadable": True,
        "reason": "unreadable",
        "message": bad["message"],
        "exit_code": 3,
    }


@pytest.mark.parametrize(
    ("make", "phrase"),
    [(docx_renamed, "Word 文档"), (empty_file, "空文件"), (zip_bomb, "压缩炸弹")],
    ids=["docx-renamed", "empty", "zip-bomb"],
)
def test_hostile_uploads_are_refused_in_chinese_and_the_server_goes_on(base, tmp_path, make, phrase):
    path = make(tmp_path)
    response = post(base, "/api/check", files={"workbook": upload(path)})
    assert response.status_code == 422
    [result] = response.json()
    assert result["unreadable"] is True and result["file"] == path.name
    assert phrase in result["message"] and path.name in result["message"]
    assert "workbook-1" not in response.text and tempfile.gettempdir() not in response.text
    assert post(base, "/api/check", files={"workbook": upload(HUAIAN)}).status_code == 200


def test_client_file_name_is_never_a_path(base, tmp_path, monkeypatch):
    # The server runs in this process: its temporary folders go to tmp_path, where no other program
    # on the machine (another test run) makes xxgk-web-* folders meanwhile.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = post(base, "/api/check", files={"workbook": upload(HUAIAN, "../../../../tmp/evil.xlsx")})
    assert response.status_code == 200
    assert response.json()[0]["file"] == "evil.xlsx"
    assert not Path("/tmp/evil.xlsx").exists()
    assert leftovers(tmp_path) == set()  # the request's private folder is gone


def test_check_needs_a_workbook(base):
    response = post(base, "/api/check", data={"x": "1"})
    assert response.status_code == 400
    assert "请选择文件" in response.json()["message"]


# --------------------------------------------------------------------------- build


def test_build_returns_the_same_report_as_the_cli(base, tmp_path):
    response = post(base, "/api/build", files={"workbook": upload(HUAIAN)})
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"report.docx\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "淮安市人民政府2024年政府信息公开工作年度报告.docx"
    web = tmp_path / "web.docx"
    web.write_bytes(response.content)
    cli = pipeline.build(HUAIAN, tmp_path / "cli.docx").output
    assert docx_text(web) == docx_text(cli)


def test_build_refuses_a_workbook_with_errors(base, tmp_path):
    response = post(base, "/api/build", files={"workbook": upload(wrong_workbook(tmp_path))})
    assert response.status_code == 422
    body = response.json()
    assert body["reason"] == "findings" and "未生成报告" in body["message"]
    assert body["result"]["errors"] == 2


def test_build_refuses_a_broken_template(base, tmp_path):
    files = {"workbook": upload(HUAIAN), "template": upload(empty_file(tmp_path), "模板.docx")}
    response = post(base, "/api/build", files=files)
    assert response.status_code == 422
    assert "模板.docx" in response.json()["message"]


def test_build_zip_holds_the_reports_that_passed(base, tmp_path):
    files = [
        ("workbook", upload(HUAIAN)),
        ("workbook", upload(OUMIAO)),
        ("workbook", upload(wrong_workbook(tmp_path))),
    ]
    response = post(base, "/api/build-zip", files=files)
    assert response.status_code == 200
    assert unquote(response.headers["content-disposition"].split("''", 1)[1]).endswith("（2份）.zip")
    names = zip_names(response.content)
    assert sorted(names) == sorted(
        [
            "淮安市人民政府2024年政府信息公开工作年度报告.docx",
            pipeline.check_file(OUMIAO).report.info.display_title + ".docx",
        ]
    )


def test_build_zip_with_nothing_passed(base, tmp_path):
    response = post(base, "/api/build-zip", files={"workbook": upload(wrong_workbook(tmp_path))})
    assert response.status_code == 422
    assert response.json()["units"][0]["errors"] == 2


# --------------------------------------------------------------------------- new


def test_new_workbook_has_the_organ_year_and_type(base, tmp_path):
    response = post(base, "/api/new", data={"org": "某某县某某局", "year": "2025", "organ_type": "部门"})
    assert response.status_code == 200
    path = tmp_path / "new.xlsx"
    path.write_bytes(response.content)
    info = pipeline.check_file(path).report.info
    assert (info.org, info.year, info.organ_type) == ("某某县某某局", 2025, "部门")
    assert "某某县某某局2025" in unquote(response.headers["content-disposition"])


def test_new_workbook_from_last_year_carries_over(base, tmp_path):
    response = post(base, "/api/new", files={"previous": upload(HUAIAN)})
    assert response.status_code == 200
    path = tmp_path / "new.xlsx"
    path.write_bytes(response.content)
    report = pipeline.check_file(path).report
    last = pipeline.check_file(HUAIAN).report
    assert (report.info.org, report.info.year) == ("淮安市人民政府", 2025)
    assert report.values["applications.carried_over.natural_person"] == 103
    assert (
        report.values["applications.carried_over.natural_person"]
        == (last.values["applications.carried_forward.natural_person"])
    )


@pytest.mark.parametrize(
    "data", [{"organ_type": "公司"}, {"year": "1999"}, {"year": "二〇二四"}], ids=["type", "year", "text"]
)
def test_new_workbook_rejects_bad_fields(base, data):
    response = post(base, "/api/new", data=data)
    assert response.status_code == 400
    assert response.json()["reason"] == "bad-request"


# --------------------------------------------------------------------------- safety


def test_declared_oversize_body_is_refused_before_reading(base):
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as conn:
        conn.sendall(
            b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: %d\r\n\r\n" % (21 * MiB)
        )
        answer = read_all(conn)
    assert answer.startswith("HTTP/1.1 413")
    assert "上传的文件太大" in answer


def test_streamed_oversize_body_is_cut_off(base):
    sent = []

    def body():
        yield b'--b\r\nContent-Disposition: form-data; name="workbook"; filename="big.xlsx"\r\n\r\n'
        for _ in range(40):
            sent.append(MiB)
            yield bytes(MiB)

    try:
        response = httpx.post(
            base + "/api/check",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=b"},
            timeout=60,
        )
        assert response.status_code == 413
        assert "20 MiB" in response.json()["message"]
    except httpx.WriteError:  # the server answered and closed while we were still sending
        pass
    assert sum(sent) < 40 * MiB
    assert post(base, "/api/check", files={"workbook": upload(HUAIAN)}).status_code == 200


def test_slow_upload_is_cut_off():
    with server_thread(Settings(workers=1, upload_timeout=1)) as (base, _):
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as conn:
            conn.sendall(
                b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                b"Content-Length: 1000\r\n\r\n--b\r\n"
            )
            started = time.monotonic()
            answer = read_all(conn)
        assert answer.startswith("HTTP/1.1 408")
        assert "上传超时" in answer
        assert time.monotonic() - started < 30  # cut off by the 1 s limit, not the 60 s default


def test_full_pool_answers_503_in_chinese(server):
    base, app = server
    pool = app.state.pool
    pool.active += pool.limit  # every place taken
    try:
        response = post(base, "/api/check", files={"workbook": upload(HUAIAN)})
    finally:
        pool.active -= pool.limit
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "服务器正忙" in response.json()["message"]
    assert post(base, "/api/check", files={"workbook": upload(HUAIAN)}).status_code == 200


def test_file_that_needs_too_much_memory_is_refused(server, monkeypatch):
    base, app = server

    async def out_of_memory(*args):
        raise MemoryError

    monkeypatch.setattr(app.state.pool, "run", out_of_memory)
    response = post(base, "/api/check", files={"workbook": upload(HUAIAN)})
    assert response.status_code == 422
    assert "内存上限" in response.json()["message"]


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/api/format", "/api/nothing-here"])
def test_security_headers_everywhere(base, path):
    response = httpx.get(base + path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


def test_not_found_is_chinese_json(base):
    response = httpx.get(base + "/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["message"] == "没有这个页面或接口。"


def test_unexpected_error_shows_an_id_and_no_trace(server, monkeypatch, caplog):
    base, _ = server

    def broken():
        raise RuntimeError("secret detail /srv/path")

    monkeypatch.setattr("converter.web.app.format_description", broken)
    response = httpx.get(base + "/api/format")
    assert response.status_code == 500
    body = response.json()
    assert body["error_id"] in body["message"] and "编号" in body["message"]
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any(body["error_id"] in r.getMessage() for r in caplog.records)


def test_openapi_describes_the_api(base):
    paths = httpx.get(base + "/api/openapi.json").json()["paths"]
    build = paths["/api/build"]["post"]
    assert (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        in build["responses"]["200"]["content"]
    )
    assert "multipart/form-data" in build["requestBody"]["content"]
    assert {"/api/check", "/api/build", "/api/build-zip", "/api/new", "/api/format"} <= set(paths)
    assert httpx.get(base + "/docs").status_code == 404  # the docs UI would load scripts from a CDN


def test_openapi_upload_fields_speak_to_the_pages_users(base):
    """What to upload is said as a clerk knows it (a workbook); the command line only as one way."""
    schemas = httpx.get(base + "/api/openapi.json").json()["components"]["schemas"]
    fields = {
        (name, field): spec.get("description", "")
        for name, schema in schemas.items()
        if name.startswith("Body_")
        for field, spec in schema.get("properties", {}).items()
    }
    uploads = {key: text for key, text in fields.items() if key[1] in ("workbook", "previous")}
    assert len(uploads) >= 6, sorted(fields)
    for (name, field), text in uploads.items():
        assert text.startswith(("填好的工作簿", "上年的工作簿")), (name, field, text)
        assert "`xxgk" not in text and not re.search(r"或\s*`?xxgk", text), (name, field, text)


# --------------------------------------------------------------------------- a published report


PUBLISHED = Path(__file__).resolve().parent / "data" / "published"


@pytest.mark.parametrize(
    ("name", "kind"), [("hongze-2024.pdf", "PDF 文件"), ("pingtan-2022.html", "网页")], ids=["pdf", "html"]
)
def test_a_published_report_dropped_as_a_workbook_is_named_as_one(base, name, kind):
    response = post(base, "/api/check", files={"workbook": upload(PUBLISHED / name, f"年报{name}")})
    assert response.status_code == 422
    [result] = response.json()
    assert result["reason"] == "published-report" and result["published"]["kind"] == kind
    assert "是已发布的年度报告" in result["message"] and "“导入”" in result["message"]
    assert "xxgk" not in result["message"]  # no command line for the page's users


def test_a_published_word_report_is_named_as_one(base, tmp_path):
    import docx

    document = docx.Document()
    for line in (PUBLISHED / "huaian-2024-report.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "年报.docx"
    document.save(path)
    [result] = post(base, "/api/check", files={"workbook": upload(path)}).json()
    assert result["published"] == {
        "kind": "Word 文档",
        "title": "淮安市人民政府2024年政府信息公开工作年度报告",
    }


def test_a_pdf_that_is_not_a_report_is_told_what_to_drop_without_the_command_line(base):
    [result] = post(base, "/api/check", files={"workbook": ("扫描.pdf", b"%PDF-1.4\n...")}).json()
    assert result["reason"] != "published-report"
    assert "扫描.pdf 是 PDF 文件" in result["message"] and "第 ① 步" in result["message"]
    assert "xxgk dump" not in result["message"]


def test_import_turns_a_published_report_into_a_workbook(base, tmp_path):
    response = post(base, "/api/import", files={"report": upload(PUBLISHED / "hongze-2024.pdf")})
    assert response.status_code == 200
    assert unquote(response.headers["content-disposition"]).endswith(
        "淮安市洪泽区人民政府2024年政府信息公开工作年度报告（工作簿）.xlsx"
    )
    assert response.headers["x-xxgk-blank"] == "0"
    path = tmp_path / "imported.xlsx"
    path.write_bytes(response.content)
    assert pipeline.check_file(path).report.values["applications.new.total"] == 95


def test_import_of_something_else_is_refused_in_chinese(base):
    response = post(base, "/api/import", files={"report": ("坏.pdf", b"%PDF-1.4\n...")})
    assert response.status_code == 422
    assert "坏.pdf 是损坏的 PDF 文件" in response.json()["message"]
