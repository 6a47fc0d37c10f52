"""A small report library for the dashboard tests: organs of three counties over three years, one
report with a table error, one with a copied passage, a directory organ that never reported."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from conftest import SAMPLES

REGIONS = {
    "洪泽区": "江苏省/淮安市/洪泽区",
    "涟水县": "江苏省/淮安市/涟水县",
    "襄城区": "湖北省/襄阳市/襄城区",
}
ORGANS = {  # name: (region, years it reported)
    "洪泽区教育局": ("洪泽区", (2022, 2023, 2024)),
    "洪泽区高良涧街道办事处": ("洪泽区", (2023, 2024)),
    "涟水县财政局": ("涟水县", (2022, 2023, 2024)),
    "涟水县人民政府": ("涟水县", (2024,)),
    "襄城区卫生健康局": ("襄城区", (2022, 2023, 2024)),
    "襄城区交通运输局": ("襄城区", (2023,)),
}
SILENT = ("涟水县水利局", "涟水县")  # in the directory, no report at all
WRONG = ("洪泽区教育局", 2024)  # one more 结转下年度 of 自然人 than the arithmetic allows
WRONG_FIELD = "applications.carried_forward.natural_person"
PASSWORD = "correct horse"


def report_files(folder: Path) -> list[Path]:
    base = json.loads((SAMPLES / "huaian-2024.json").read_text("utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (org, (_county, years)) in enumerate(ORGANS.items()):
        for year in years:
            data = copy.deepcopy(base)
            data["info"].update(org=org, year=year, title="", date=f"{year + 1}-01-{10 + n:02d}")
            data["info"]["short_name"] = "本机关"
            data["info"]["organ_type"] = ""
            factor = 1 + (n + year) % 4
            for key, value in data["values"].items():
                if isinstance(value, int) and not key.startswith("proactive"):
                    data["values"][key] = value * factor
            if (org, year) == WRONG:
                data["values"][WRONG_FIELD] += 1
            first = data["sections"]["overview"][0]
            first["body"] = f"{year}年，{org}认真贯彻落实《政府信息公开条例》。" + first["body"]
            path = folder / f"{org}-{year}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            paths.append(path)
    return paths


def directory_csv(folder: Path) -> Path:
    lines = ["机关全称,上级地区,机关类型,别名"]
    lines += [f"{org},{REGIONS[county]},," for org, (county, _) in ORGANS.items()]
    lines.append(f"{SILENT[0]},{REGIONS[SILENT[1]]},,")
    path = folder / "机关名录.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_library(url: str, folder: Path) -> None:
    """Reports added through `xxgk library add`, the directory imported, three accounts."""
    from typer.testing import CliRunner

    from converter.cli import app

    runner = CliRunner()
    files = report_files(folder / "reports")
    done = runner.invoke(app, ["library", "add", "-q", "--db", url, *map(str, files)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["library", "organs", "--import", str(directory_csv(folder)), "--db", url])
    assert done.exit_code == 0, done.output
    for name, role, region in (
        ("省评估员", "admin", ""),
        ("淮安审核", "reviewer", "江苏省/淮安市"),
        ("洪泽查看", "viewer", "江苏省/淮安市/洪泽区"),
        ("涟水审核", "reviewer", "江苏省/淮安市/涟水县"),
    ):
        args = ["library", "user", "add", name, "--role", role, "--password-stdin", "--db", url]
        done = runner.invoke(app, [*args, *(["--region", region] if region else [])], input=PASSWORD + "\n")
        assert done.exit_code == 0, done.output
