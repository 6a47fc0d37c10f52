"""PDF from the Word reports through LibreOffice: one process for a whole batch, a private profile, a
timeout. LibreOffice embeds the fonts it uses, so the PDF shows the same CJK type on any machine."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import OutputError

WINDOWS_SOFFICE = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
TIMEOUT_BASE = 60  # seconds for LibreOffice to start and convert the first report
TIMEOUT_PER_FILE = 10  # and for each further report
NOT_INSTALLED = (
    "未找到 LibreOffice（soffice），无法生成 PDF；Word 报告已生成。"
    "请安装 LibreOffice 后重试（Debian/Ubuntu：apt-get install libreoffice-writer），"
    "或在 Word/WPS 中打开报告，用“文件→另存为→PDF”保存。"
)


def find_soffice() -> str | None:
    """LibreOffice's command, on the PATH or where its Windows installer puts it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((path for path in WINDOWS_SOFFICE if Path(path).is_file()), None)


def convert(reports: list[Path]) -> dict[Path, bytes]:
    """Each .docx as PDF bytes, converted by one LibreOffice process; OutputError when LibreOffice is
    missing, fails or takes longer than the timeout (the .docx files are left as they are)."""
    exe = find_soffice()
    if exe is None:
        raise OutputError(NOT_INSTALLED, reason="no-libreoffice")
    with tempfile.TemporaryDirectory(prefix="xxgk-pdf-") as folder:
        root = Path(folder)
        (root / "in").mkdir()
        copies = []
        for number, report in enumerate(reports, start=1):  # numbered: two reports may share a name
            copy = root / "in" / f"{number:05d}.docx"
            shutil.copyfile(report, copy)
            copies.append(copy)
        _run_soffice(exe, root, copies, TIMEOUT_BASE + TIMEOUT_PER_FILE * (len(reports) - 1))
        made = {
            report: root / "out" / f"{copy.stem}.pdf" for report, copy in zip(reports, copies, strict=True)
        }
        missing = [report.name for report, pdf in made.items() if not pdf.is_file()]
        if missing:
            raise OutputError(
                f"LibreOffice 没有把以下报告转换为 PDF：{'、'.join(missing)}；Word 报告已生成。"
            )
        return {report: pdf.read_bytes() for report, pdf in made.items()}


def _run_soffice(exe: str, root: Path, copies: list[Path], timeout: float) -> None:
    profile = (root / "profile").as_uri()  # a private profile: works while the clerk's LibreOffice is open
    argv = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf"]
    argv += ["--outdir", str(root / "out"), *map(str, copies)]
    (root / "tmp").mkdir()  # LibreOffice's own temporary files, removed with the folder
    env = {**os.environ, "TMPDIR": str(root / "tmp"), "TMP": str(root / "tmp"), "TEMP": str(root / "tmp")}
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=os.name != "nt"
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise OutputError(
            f"LibreOffice 转换 PDF 超过 {timeout:.0f} 秒仍未完成，已停止；Word 报告已生成。"
            "请关闭其他 LibreOffice 窗口后重试，或减少一次转换的报告数。",
            reason="pdf-timeout",
        ) from None
    except BaseException:  # Ctrl+C, SIGTERM: LibreOffice runs in its own session and would go on
        _kill(process)  # writing its profile into the folder being removed
        raise
    if process.returncode != 0:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(process.returncode)]
        raise OutputError(f"LibreOffice 转换 PDF 失败（{detail[0]}）；Word 报告已生成。")


def _kill(process: subprocess.Popen) -> None:
    """Stop LibreOffice and the soffice.bin it started."""
    try:
        if os.name == "nt":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()  # reap it and close its pipe
