"""The evaluators' rules (C1–C3, Q1–Q3, D2, P1, P2): a passing and a failing case each, on realistic text;
P2 on reports built from the samples (the same preamble and tables, different prose: no finding)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from published_inputs import report_html
from test_published import sample
from typer.testing import CliRunner

from converter.app import pipeline
from converter.check.rules import check
from converter.cli import app
from converter.core.model import Paragraph, Report
from converter.format import official as fmt
from converter.published.audit import audit_files

runner = CliRunner()

OVERVIEW = [
    Paragraph("（一）主动公开。", "全年在门户网站主动公开政府信息1200条，围绕重点领域发布政策解读35篇。"),
    Paragraph("（二）依申请公开。", "规范依申请公开受理、登记、办理、答复流程，按时答复率100%。"),
    Paragraph("（三）政府信息管理。", "落实公开属性源头认定和发布前保密审查，动态更新政策文件库。"),
    Paragraph("（四）平台建设。", "优化政府网站信息公开专栏，政务新媒体同步发布。"),
    Paragraph(
        "（五）监督保障。",
        "将政务公开纳入年度绩效考核，组织业务培训2次，开展社会评议，对工作不力的依规追究责任。",
    ),
]
PROBLEMS = [
    Paragraph(
        "",
        "2024年，我局政府信息公开工作还存在政策解读形式单一、部分栏目更新不及时等问题。"
        "下一步，我局将加强解读材料制作，建立栏目更新提醒机制，持续提升公开质量。",
    )
]
OTHER = [
    Paragraph("", "2024年度，本机关未收取信息处理费。"),
    Paragraph("", "认真落实上级年度政务公开工作要点，办理人大代表建议3件、政协提案2件，办理结果全部公开。"),
    Paragraph("", "创新开设“政策直通车”栏目。"),
]


def published(**sections: list[Paragraph]) -> Report:
    """A department's 2024 report with full prose, as read back from its publication."""
    report = sample("huaian-2024")
    report.info.org, report.info.organ_type, report.info.self_name = "某某市某某局", "部门", "我局"
    report.sections.update(overview=OVERVIEW, problems=PROBLEMS, other=OTHER)
    report.sections.update(sections)
    return report


def found(report: Report, rule: str, **facts) -> list[tuple[str, str]]:
    facts.setdefault("source", fmt.PUBLISHED)
    return [(f.severity.value, f.code) for f in check(report, **facts) if f.rule == rule]


# --------------------------------------------------------------------------- C1, C2: complete


def test_c1_all_six_parts_pass_and_a_missing_or_empty_part_is_an_error(tmp_path: Path):
    report = sample("oumiao-2024")
    (tmp_path / "ok.html").write_text(report_html(report), encoding="utf-8")
    page = report_html(report).replace("<p>五、存在的主要问题及改进情况</p>", "")
    (tmp_path / "no5.html").write_text(page, encoding="utf-8")
    report.sections["overview"] = []
    (tmp_path / "empty1.html").write_text(report_html(report), encoding="utf-8")
    ok, no5, empty1 = audit_files([tmp_path / "ok.html", tmp_path / "no5.html", tmp_path / "empty1.html"])
    assert not [f for f in ok.findings if f.rule == "C1"]
    [missing] = [f for f in no5.findings if f.rule == "C1"]
    assert (missing.severity, missing.code, missing.location) == (
        "error",
        "missing",
        "五、存在的主要问题及改进情况",
    )
    assert not [f for f in no5.findings if f.code == "section_missing"]  # stated once, by C1
    [empty] = [f for f in empty1.findings if f.rule == "C1"]
    assert (empty.code, empty.message) == ("printed-empty", "“一、总体情况”部分没有内容")


def test_c2_a_missing_table_and_a_2019_trial_format_table(tmp_path: Path):
    report = sample("oumiao-2024")
    page = report_html(report, lambda tables: tables.pop("review") and tables.update(review=[]))
    (tmp_path / "no-t4.html").write_text(page, encoding="utf-8")
    trial = copy.deepcopy(report)
    trial.sections["proactive"] = [
        Paragraph("", "本年新制作数量3件，本年新公开数量3件，对外公开总数量12件。")
    ]
    (tmp_path / "trial.html").write_text(report_html(trial), encoding="utf-8")
    trial.info.title = trial.info.title.replace("2024", "2020")
    (tmp_path / "trial-2020.html").write_text(report_html(trial), encoding="utf-8")
    no_t4, trial_2024, trial_2020 = audit_files(
        [tmp_path / "no-t4.html", tmp_path / "trial.html", tmp_path / "trial-2020.html"]
    )
    assert [(f.severity, f.code) for f in no_t4.findings if f.rule == "C2"] == [("error", "table-missing")]
    [c2] = [f for f in trial_2024.findings if f.rule == "C2"]
    assert c2.code == "format-2019" and c2.message.startswith("2024年度报告使用了 2019 年试行格式")
    assert not [f for f in trial_2020.findings if f.rule == "C2"]  # the trial format was 2020's format
    assert [f.code for f in trial_2020.findings if f.code == "format_2019"] == ["format_2019"]


def test_c3_statistics_period_stated_missing_or_of_another_year():
    assert found(published(), "C3") == []
    no_period = published()
    no_period.info.preamble = "根据《中华人民共和国政府信息公开条例》，现公布本机关2024年度报告。"
    assert found(no_period, "C3") == [("warning", "not-stated")]
    wrong = published()
    wrong.info.preamble = "本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。"
    [finding] = [f for f in check(wrong, source=fmt.PUBLISHED) if f.rule == "C3"]
    assert (finding.severity.value, finding.actual) == ("error", "2023年1月1日起至2023年12月31日")
    assert finding.evidence == ("“本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。”",)
    blank = published()
    blank.info.preamble = ""
    assert found(blank, "C3", source=fmt.WORKBOOK) == []  # a workbook's blank preamble is the standard one


# --------------------------------------------------------------------------- Q1–Q3: substance


def test_q1_overview_covering_every_topic_passes_and_each_missing_topic_is_a_warning():
    assert found(published(), "Q1") == []
    thin = published(overview=OVERVIEW[:1] + OVERVIEW[2:4])  # no 依申请公开, no 监督保障
    findings = [f for f in check(thin, source=fmt.PUBLISHED) if f.rule == "Q1"]
    assert [f.expected for f in findings] == ["依申请公开", "监督保障"]
    assert (
        "主动公开：“全年在门户网站主动公开政府信息1200条，围绕重点领域发布政策解读35篇。”"
        in findings[0].evidence
    )


def test_q1_a_peoples_government_also_reports_assessment_appraisal_and_accountability():
    government = published(overview=[*OVERVIEW[:4], Paragraph("（五）监督保障。", "加强监督检查。")])
    assert found(government, "Q1") == []  # a department: 监督 is enough
    government.info.organ_type = "人民政府"
    assert [f.expected for f in check(government, source=fmt.PUBLISHED) if f.rule == "Q1"] == [
        "工作考核", "社会评议", "责任追究"
    ]  # fmt: skip
    assert found(published(), "Q1", source=fmt.PUBLISHED) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("无", [("error", "nothing")]),
        ("暂无。", [("error", "nothing")]),
        ("有些问题，将改进。", [("error", "too-short")]),
        (
            "一是政策解读形式单一，二是部分栏目更新不及时，三是基层公开标准化水平不高，这些问题影响了公开实效。",
            [("warning", "no-measures")],
        ),
        (
            "下一步，我局将加强解读材料制作，建立栏目更新提醒机制，推进基层政务公开标准化规范化建设。",
            [("warning", "no-problems")],
        ),
        (PROBLEMS[0].body, []),
    ],
)
def test_q2_problems_and_measures(text: str, expected: list[tuple[str, str]]):
    assert found(published(problems=[Paragraph("", text)]), "Q2") == expected


def test_q2_on_a_workbook_too():
    report = published(problems=[Paragraph("", "暂无")])
    assert found(report, "Q2", source=fmt.WORKBOOK) == [("error", "nothing")]
    measures = "下一步，我局将加强解读材料制作，建立栏目更新提醒机制，推进标准化建设。"
    assert found(published(problems=[Paragraph("", measures)]), "Q2", source=fmt.WORKBOOK) == [
        ("warning", "no-problems")
    ]


def test_q3_other_matters_name_the_fees_and_each_listed_item():
    assert found(published(), "Q3") == []
    only_fees = published(other=OTHER[:1])
    assert [f.expected for f in check(only_fees, source=fmt.PUBLISHED) if f.rule == "Q3"] == [
        "落实上级年度政务公开工作要点", "人大代表建议和政协提案办理结果公开", "政务公开创新"
    ]  # fmt: skip
    says_none = published(
        other=[*OTHER[:1], Paragraph("", "本年度无人大代表建议和政协提案办理事项。"), *OTHER[2:]]
    )
    says_none.sections["other"].insert(1, Paragraph("", "按上级年度工作要点完成各项任务。"))
    assert found(says_none, "Q3") == []


# --------------------------------------------------------------------------- D2: on time


def test_d2_late_publication_is_an_error_naming_the_source_of_the_date():
    report = published()
    assert found(report, "D2", publication=(dt.date(2025, 1, 31), "网页发布时间")) == []
    [late] = [
        f
        for f in check(report, source=fmt.PUBLISHED, publication=(dt.date(2025, 2, 3), "网页发布时间"))
        if f.rule == "D2"
    ]
    assert late.message == "网页发布时间2025年2月3日晚于部门的发布时限2026年1月31日".replace("2026", "2025")
    assert late.evidence == ("网页发布时间：2025年2月3日",)
    report.info.organ_type = "人民政府"
    assert found(report, "D2", publication=(dt.date(2025, 3, 31), "PDF 创建日期")) == []


def test_d2_falls_back_to_the_signing_date_and_is_not_assessable_without_any(tmp_path: Path):
    report = published()
    report.info.date = dt.date(2025, 2, 10)
    [late] = [f for f in check(report, source=fmt.PUBLISHED) if f.rule == "D2"]
    assert late.message.startswith("成文日期（代替发布日期）2025年2月10日晚于部门的发布时限")
    (tmp_path / "r.html").write_text(report_html(sample("oumiao-2024")), encoding="utf-8")
    [result] = audit_files([tmp_path / "r.html"])
    assert result.not_assessable["D2"] == fmt.NEEDS["publication_date"]
    assert not [f for f in result.findings if f.rule == "D2"]


# --------------------------------------------------------------------------- P1: last year


def _two_years(tmp_path: Path, change) -> list:
    this = sample("oumiao-2024")
    last = copy.deepcopy(this)
    last.info.title = last.info.title.replace("2024", "2023")
    for rows in last.sections.values():
        for p in rows:
            p.body = p.body.replace("2024", "2023").replace("2025", "2024")
    change(this)
    (tmp_path / "2023.html").write_text(report_html(last), encoding="utf-8")
    (tmp_path / "2024.html").write_text(report_html(this), encoding="utf-8")
    return audit_files([tmp_path / "2023.html", tmp_path / "2024.html"])


def test_p1_a_report_repeating_last_years_text_with_the_year_changed(tmp_path: Path):
    first, second = _two_years(tmp_path, lambda report: None)
    p1 = {f.code: f for f in second.findings if f.rule == "P1"}
    assert set(p1) == {"copied", "problems-copied", "overall-copied"}  # 100 %: errors
    copied = [f for f in second.findings if f.code == "copied"]
    assert [f.location for f in copied] == ["一、总体情况", "六、其他需要报告的事项"]
    assert all(f.severity == "error" for f in p1.values()) and "100%" in p1["overall-copied"].message
    problems = p1["problems-copied"].message
    assert "2023.html" in problems and "没有回应上年的问题" in problems
    overview = copied[0]
    assert any("以公开为常态" not in q and len(q) > 30 for q in overview.evidence)
    assert "P1" not in second.not_assessable and "P1" in first.not_assessable


def test_p1_new_prose_is_not_copying(tmp_path: Path):
    def rewrite(report: Report) -> None:
        report.sections.update(overview=OVERVIEW, problems=PROBLEMS, other=OTHER)

    _, second = _two_years(tmp_path, rewrite)
    assert not [f for f in second.findings if f.rule == "P1"]


def test_p1_on_workbooks_with_previous():
    last = published()
    last.info.year = 2023
    this = published()
    assert [(f.code, f.severity.value) for f in check(this, last) if f.rule == "P1"] == [
        ("repeated", "warning"),
        ("problems-repeated", "warning"),
        ("overall", "warning"),
    ]  # a workbook is told, not stopped; 六 without its fee sentence is too short to judge
    fresh = published(
        problems=[
            Paragraph(
                "",
                "2024年的主要问题是依申请公开答复文书说理不够充分、部分栏目更新不及时。2025年，我局将开展答复文书评查，建立更新提醒。",
            )
        ]
    )
    fresh.sections["overview"] = [
        Paragraph(
            "",
            "本年度，我局聚焦优化营商环境，集中发布惠企政策38条，开展政策直播解读4场，政务公开工作稳步推进。",
        )
    ] * 1
    fresh.sections["other"] = [
        Paragraph(
            "",
            "本年度未收取信息处理费；落实年度要点各项任务，无人大代表建议和政协提案；创新开展“公开日”活动。",
        )
    ]
    assert [f for f in check(fresh, last) if f.rule == "P1"] == []


# --------------------------------------------------------------------------- P2: other units


ORGAN_B = {
    "overview": [
        Paragraph(
            "（一）主动公开。",
            "本年度，我镇围绕乡村振兴、惠民补贴发放等群众关心的事项，在政务公开栏和门户网站同步公开，全年发布各类信息83条。",
        ),
        Paragraph("（二）依申请公开。", "我镇明确党政办公室统一受理政府信息公开申请，全年未收到申请。"),
        Paragraph(
            "（三）监督保障。", "镇纪委对村务公开开展季度检查，发现问题当场督促整改，群众满意度较上年提高。"
        ),
    ],
    "problems": [
        Paragraph(
            "",
            "我镇存在村级公开栏内容更新慢、个别村公开内容不够规范的问题。2025年，我镇将每季度开展公开栏巡查，对不规范的村限期整改。",
        )
    ],
    "other": [
        Paragraph(
            "", "本年度我镇无需要报告的其他事项，未收取信息处理费，认真办理人大代表建议，结合要点推进创新。"
        )
    ],
}


def _organ(report: Report, org: str, sections: dict | None) -> Report:
    organ = copy.deepcopy(report)
    organ.info.org, organ.info.title = org, ""
    if sections:
        organ.sections.update(copy.deepcopy(sections))
    return organ


def _build(tmp_path: Path, name: str, report: Report) -> Path:
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / f"{name}.docx"
    pipeline.build(source, out)
    return out


def test_p2_two_organs_with_the_same_preamble_and_tables_but_their_own_prose_are_not_copies(tmp_path: Path):
    base = sample("oumiao-2024")
    a = _build(tmp_path, "a", _organ(base, "襄城区欧庙镇人民政府", None))
    b = _build(tmp_path, "b", _organ(base, "襄城区尹集镇人民政府", ORGAN_B))
    results = audit_files([a, b])
    assert [f for r in results for f in r.findings if f.rule.startswith("P")] == []
    assert all("P2" not in r.not_assessable for r in results)


def test_p2_a_unit_copying_another_units_overview_is_named_with_the_shared_passage(tmp_path: Path):
    base = sample("oumiao-2024")
    copied = dict(ORGAN_B, overview=base.sections["overview"])
    a = _build(tmp_path, "a", _organ(base, "襄城区欧庙镇人民政府", None))
    b = _build(tmp_path, "b", _organ(base, "襄城区尹集镇人民政府", copied))
    first, second = audit_files([a, b])
    [p2] = [f for f in second.findings if f.rule == "P2"]
    assert (p2.severity, p2.location) == ("error", "一、总体情况")
    assert p2.message == "“一、总体情况”与襄城区欧庙镇人民政府（a.docx）的报告相似度100%"
    assert p2.evidence and "积极推进政府信息公开工作" in p2.evidence[0]
    assert [f.location for f in first.findings if f.rule == "P2"] == ["一、总体情况"]  # both are named


def test_p2_ignores_what_most_of_a_batch_shares():
    """Five units whose 一 is the county's common wording, each with its own 五: no pair is a copy."""
    from converter.check.copying import Unit, check_units

    units = []
    for i, word in enumerate("甲乙丙丁戊"):
        own = Paragraph("", f"第{i}局的问题在于{word * 40}，下一步将改进。")
        sections = {"overview": OVERVIEW, "problems": [own], "other": []}
        units.append(Unit(f"{i}.docx", _organ(published(), f"某某县第{i}局", sections)))
    assert check_units(units) == {}
    assert check_units(units[:2])  # two alone: the shared 一 is a copy


# --------------------------------------------------------------------------- scoring and the command


def test_audit_json_is_a_list_for_one_file_with_the_score(tmp_path: Path):
    path = tmp_path / "r.html"
    path.write_text(report_html(sample("oumiao-2024")), encoding="utf-8")
    result = runner.invoke(app, ["audit", str(path), "--json"])
    [payload] = json.loads(result.stdout)
    assert payload["score"]["profile"] == "默认评分" and payload["score"]["total"] == 100
    assert {d["rule"] for d in payload["score"]["deductions"]} <= {"Q1", "Q3"}
    assert {n["rule"] for n in payload["not_assessable"]} == {"D2", "P1", "P2"}
    assert payload["score"]["lowest"] < payload["score"]["score"]  # not assessed is not passed


def test_audit_local_profile_deducts_five_for_late_publication(tmp_path: Path):
    report = sample("oumiao-2024")
    page = report_html(report).replace(
        "</div><div class='footer'>", "<p>2025年2月20日</p></div><div class='footer'>"
    )
    path = tmp_path / "late.html"
    path.write_text(page, encoding="utf-8")
    result = runner.invoke(app, ["audit", str(path), "--profile", "local10"])
    assert result.exit_code == 1
    assert "得分（地方考核（10 分制），满分 10）：0–5" in result.stdout
    assert "−5  未按时发布  D2" in result.stdout
    assert "不能评估：未按时报送（报送日期不在报告中，需由上级机关核对）" in result.stdout


def test_audit_with_a_users_profile_and_a_broken_one(tmp_path: Path):
    path = tmp_path / "r.html"
    path.write_text(report_html(sample("oumiao-2024")), encoding="utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'name = "本县"\ntotal = 20\n[[items]]\ntitle = "总体情况"\nrules = ["Q1"]\nwarning = 3\nmax = 20\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["audit", str(path), "--profile", str(mine)])
    assert "得分（本县，满分 20）：14" in result.stdout  # two topics missing, 3 points each
    mine.write_text(
        'name = "本县"\ntotal = 20\n[[items]]\ntitle = "x"\nrules = ["Z9"]\nmax = 1\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["audit", str(path), "--profile", str(mine)])
    assert result.exit_code == 2 and "没有这些规则：Z9" in result.stderr and "Traceback" not in result.output
    mine.write_text("name = [", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(path), "--profile", str(mine)])
    assert result.exit_code == 2 and "不是有效的 TOML" in result.stderr


def test_reports_built_from_the_samples_get_no_error_from_the_evaluators_rules(tmp_path: Path):
    built = [_build(tmp_path, name, sample(name)) for name in ("huaian-2024", "oumiao-2024")]
    results = audit_files(built)
    evaluators = [f for r in results for f in r.findings if f.rule[0] in "CQP" or f.rule == "D2"]
    assert [f for f in evaluators if f.severity == "error"] == []
    assert {f.rule for f in evaluators} <= {"Q1", "Q3"}  # warnings: topics the samples' prose leaves out
    assert all(set(r.not_assessable) == {"P1", "D2"} for r in results[:1])  # huaian: no 成文日期
    assert "D2" not in results[1].not_assessable  # oumiao: signed 2025年1月17日, in time


def test_audit_previous_option_gives_p1_against_last_years_report(tmp_path: Path):
    this = sample("oumiao-2024")
    last = copy.deepcopy(this)
    last.info.title = last.info.title.replace("2024", "2023")
    (tmp_path / "2023.html").write_text(report_html(last), encoding="utf-8")
    (tmp_path / "2024.html").write_text(report_html(this), encoding="utf-8")
    args = ["audit", str(tmp_path / "2024.html"), "--previous", str(tmp_path / "2023.html"), "--json"]
    [payload] = json.loads(runner.invoke(app, args).stdout)
    p1 = [f for f in payload["findings"] if f["rule"] == "P1"]
    assert p1 and all("2023.html" in f["message"] for f in p1)
    assert p1[0]["evidence"] and "P1" not in {n["rule"] for n in payload["not_assessable"]}


SENTENCES = [
    "我局围绕优化营商环境集中发布政策文件12件。",
    "开展政策解读直播3场，惠及群众5000人次。",
    "2024年，依申请公开答复全部按期办结。",
    "下一步将建立栏目更新提醒机制，扩大解读覆盖面。",
    "部分栏目更新不够及时，解读形式较为单一。",
    "对群众反映的问题及时回应处理，满意度持续提升。",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=3, max_size=8), st.integers(2019, 2030))
def test_p1_a_text_against_itself_with_another_year_is_all_repeated_and_quoted_as_printed(picked, year):
    from converter.check.copying import covered, passages, prepared, shingles

    this = published(overview=[Paragraph("", "".join(picked))])
    last = published(overview=[Paragraph("", "".join(picked).replace("2024", str(year)))])
    plain, original = prepared(this, "overview"), "".join(picked)
    mask = covered(plain, shingles(prepared(last, "overview")))
    assert all(mask)
    for quote in passages(plain, mask, original):
        assert quote.strip("“”…") in original  # a passage is quoted as the report prints it
