"""The official 2021 report format (国办公开办函〔2021〕30号), declared once, as data.

Everything else (workbook, reader, checks, Word template, docs) is derived from the objects
declared here.  Nothing outside this module types an official label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

FORMAT_VERSION = "2021"


class Kind(str, Enum):
    """Type of a value cell."""

    COUNT = "count"  # non-negative integer
    WAN_YUAN = "wan_yuan"  # non-negative decimal, 万元, kept exactly
    YUAN = "yuan"  # non-negative decimal, 元

    @property
    def unit(self) -> str:
        """The unit printed after a value of this kind: 件, 万元, 元."""
        return {"count": "件", "wan_yuan": "万元", "yuan": "元"}[self.value]


@dataclass(frozen=True)
class Cell:
    """One cell of a table grid: a label or a value placeholder, possibly merged."""

    row: int
    col: int
    label: str | None = None
    key: str | None = None
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Value:
    """A value of the report: one stable English key, its Chinese description and kind."""

    key: str
    table: str  # table id, or "fees" for section 六's fee figures
    description: str  # e.g. "一、本年新收政府信息公开申请数量 / 自然人"
    kind: Kind = Kind.COUNT
    sum_of: tuple[str, ...] = ()  # computed total: the keys it adds up
    required: bool = True  # a blank is a finding (R6) when required


@dataclass(frozen=True)
class Table:
    """An official table as a grid of header and value cells."""

    id: str
    name: str  # 表二
    caption: str
    section: str  # key of the section the table belongs to
    ncols: int
    nrows: int
    header_rows: int  # rows repeated on a new page
    label_cols: int  # leading label columns of data rows
    cells: tuple[Cell, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The value keys of the table, in the order of its cells."""
        return tuple(c.key for c in self.cells if c.key)


@dataclass(frozen=True)
class Section:
    key: str
    number: str  # 一
    heading: str  # 一、总体情况
    sheet: str  # workbook sheet name
    table: str | None = None
    variants: tuple[str, ...] = ()  # headings accepted when reading older reports
    written: bool = False  # the clerk must write it (C1); the others can be generated from the tables


@dataclass(frozen=True)
class Equation:
    """left side sum == right side sum, reported at the anchor key's cell.

    `title` names in words the column or row the equation runs along (`表三 自然人列`) and `labels`
    each term of left then right (`一、本年新收`…), so a finding can say which items disagree and by
    how much; an equation declared without them is reported by its rule's message alone.
    """

    left: tuple[str, ...]
    right: tuple[str, ...]
    anchor: str
    title: str = ""
    labels: tuple[str, ...] = ()


class Scope(str, Enum):
    """What a rule looks at, and so which runner runs it and when."""

    VALUE = "value"  # one value or 基本信息 field as read: blank, not a number, not an integer…
    TABLE = "table"  # sums within one report's tables: run from the rule's equations
    REPORT = "report"  # other facts of one report (fee notices, the signing date)
    YEARS = "years"  # this year's report against last year's (only with --previous)
    BATCH = "batch"  # the reports of one year given together to `audit`, unit against unit
    TEMPLATE = "template"  # a clerk's Word template

    @property
    def of_reports(self) -> bool:
        """Rules of this scope look at one report (checks.py), not templates nor a whole batch."""
        return self not in (Scope.TEMPLATE, Scope.BATCH)


WORKBOOK, PUBLISHED = "workbook", "published"  # where a report came from: `check` or `audit`


@dataclass(frozen=True)
class Rule:
    """A rule of the format, declared once: its checker is found by `id`, or it runs its equations."""

    id: str
    severity: str  # "error" | "warning"
    title: str  # Chinese, one line
    explanation: str  # Chinese, for 填写说明 and docs
    message: str  # template with {left} {right} and other named fields
    equations: tuple[Equation, ...] = ()
    scope: Scope = Scope.TABLE
    only_if_clean: bool = False  # run only when the rules before it found no error
    messages: dict[str, str] = field(default_factory=dict)  # finding code -> its own message template
    sources: tuple[str, ...] = (WORKBOOK, PUBLISHED)  # the reports it runs on: workbooks, published ones
    needs: str = ""  # what must be known to assess it at all (NEEDS); without it: not assessable
    # finding code -> (its severity where it differs from the rule's, what it is in Chinese, for the docs)
    exceptions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def text(self, code: str, **fields: object) -> str:
        """The Chinese message of a finding of this rule: the code's own template, or the rule's."""
        return self.messages.get(code, self.message).format(**fields)

    def severity_of(self, code: str) -> str:
        """The severity of a finding of this rule with this code: its own when declared, else the rule's."""
        return self.exceptions[code][0] if code in self.exceptions else self.severity

    @property
    def levels(self) -> str:
        """The rule's severity in Chinese, with the codes that differ:
        `错误；警告：给出的上年报告不是上一年度的`."""
        words = {"error": "错误", "warning": "警告"}
        text = words[self.severity]
        for severity, about in self.exceptions.values():
            text += f"；{words[severity]}：{about}"
        return text


@dataclass(frozen=True)
class InfoField:
    """A field of 基本信息: its key (`info.<key>` as a field), label, hint, and how its value is read."""

    key: str
    label: str
    hint: str
    required: bool = True
    choices: tuple[str, ...] = ()
    kind: str = "text"  # text | year | date


# --------------------------------------------------------------------------- sections

SECTIONS: tuple[Section, ...] = (
    Section("overview", "一", "一、总体情况", "一、总体情况", written=True),
    Section("proactive", "二", "二、主动公开政府信息情况", "二、主动公开", "proactive"),
    Section("applications", "三", "三、收到和处理政府信息公开申请情况", "三、依申请公开", "applications"),
    Section("review", "四", "四、政府信息公开行政复议、行政诉讼情况", "四、复议诉讼", "review"),
    Section(
        "problems",
        "五",
        "五、存在的主要问题及改进情况",
        "五、问题及改进",
        variants=("五、政府信息公开工作存在的主要问题及改进情况",),
        written=True,
    ),
    Section("other", "六", "六、其他需要报告的事项", "六、其他事项"),
)

PROBLEMS_SECTION = "problems"
PROBLEM_WORDS = (
    "问题",
    "不足",
    "短板",
    "薄弱",
    "差距",
    "有待",
    "不够",
    "不到位",
    "欠缺",
    "困难",
    "滞后",
    "仍需",
    "还需",
)
"""Words by which 五's text shows it states problems (Q2; evaluator rules reuse them)."""
MEASURE_WORDS = (
    "改进",
    "措施",
    "下一步",
    "今后",
    "将",
    "计划",
    "整改",
    "加强",
    "完善",
    "推进",
    "提升",
    "强化",
    "健全",
)
"""Words by which 五's text shows it states improvements or measures (Q2; evaluator rules reuse them)."""

OVERVIEW_SUBHEADS = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")

# --------------------------------------------------------------------------- 基本信息

ORGAN_TYPES = ("部门", "乡镇街道", "人民政府")
MAX_ORG_CHARS = 60
"""A 机关全称 longer than this is implausible (a warning); the longest real names are about 30 characters."""

INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("org", "机关全称", "如：襄城区欧庙镇人民政府；用于标题和落款"),
    InfoField("self_name", "自称", "正文中的自称，如：我镇、我市、本机关"),
    InfoField("year", "报告年度", "四位数字，如：2024", kind="year"),
    InfoField("date", "成文日期", "如：2025年1月17日（也可填日期格式）；未定时可暂空", False, kind="date"),
    InfoField("title", "标题", "留空则为：机关全称+年度+“年政府信息公开工作年度报告”", False),
    InfoField("preamble", "导语", "标题下、“一、总体情况”前的一段说明；留空则按惯例生成", False),
    InfoField("organ_type", "机关类型", "部门 / 乡镇街道 / 人民政府，用于检查发布时限", True, ORGAN_TYPES),
)

INFO_BY_KEY: dict[str, InfoField] = {f.key: f for f in INFO_FIELDS}

ORG_NAMING: tuple[tuple[str, str, str], ...] = (
    # (how a 机关全称 ends, as a regular expression; the 自称 it implies; its 机关类型), first match wins
    (r"人民政府办公室$", "我办", "部门"),
    (r"人民政府办公厅$", "我厅", "部门"),
    (r"街道(办事处)?$", "我街道", "乡镇街道"),
    (r"镇(人民政府)?$", "我镇", "乡镇街道"),
    (r"乡(人民政府)?$", "我乡", "乡镇街道"),
    (r"市人民政府$", "我市", "人民政府"),
    (r"县人民政府$", "我县", "人民政府"),
    (r"区人民政府$", "我区", "人民政府"),
    (r"州人民政府$", "我州", "人民政府"),
    (r"省人民政府$", "我省", "人民政府"),
    (r"局$", "我局", "部门"),
    (r"(委员会|委)$", "我委", "部门"),
    (r"(办公室|办)$", "我办", "部门"),
    (r"厅$", "我厅", "部门"),
    (r"中心$", "我中心", "部门"),
    (r"(署|所|站|队|馆)$", "本机关", "部门"),
)
"""What a 机关全称 says of itself, for `xxgk new --org` and for a report whose 自称 or 机关类型 is blank."""

DEADLINES = {"部门": (1, 31), "乡镇街道": (1, 31), "人民政府": (3, 31)}  # (month, day) of year+1


def default_title(org: str, year: int | str) -> str:
    """The conventional title: 机关全称 + year + 年政府信息公开工作年度报告."""
    return f"{org}{year}年政府信息公开工作年度报告"


# --------------------------------------------------------------------------- 表二

PROACTIVE_BLOCKS = (
    # (header label, column titles, rows (key, label), value columns (key, label))
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
        ("issued", "repealed", "in_force"),
        Kind.COUNT,
    ),
    (
        "第二十条第（五）项",
        ("本年处理决定数量",),
        (("licensing", "行政许可"),),
        ("decisions",),
        Kind.COUNT,
    ),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (("penalty", "行政处罚"), ("enforcement", "行政强制")),
        ("decisions",),
        Kind.COUNT,
    ),
    (
        "第二十条第（八）项",
        ("本年收费金额（单位：万元）",),
        (("admin_fees", "行政事业性收费"),),
        ("amount",),
        Kind.WAN_YUAN,
    ),
)


PROACTIVE_ROW_LABELS: dict[str, str] = {key: label for block in PROACTIVE_BLOCKS for key, label in block[2]}
"""表二's rows by key: regulations -> 规章, licensing -> 行政许可…"""
PROACTIVE_COLUMN_LABELS: dict[str, str] = dict(
    zip(PROACTIVE_BLOCKS[0][3], PROACTIVE_BLOCKS[0][1], strict=True)
)
"""表二's first block's columns by key: issued -> 本年制发件数…"""


def _proactive() -> tuple[Table, tuple[Value, ...]]:
    cells: list[Cell] = []
    values: list[Value] = []
    r = 0
    for header, titles, rows, cols, kind in PROACTIVE_BLOCKS:
        width = 3 // len(titles)  # one title spans the three value columns
        cells.append(Cell(r, 0, label=header, colspan=4))
        cells.append(Cell(r + 1, 0, label="信息内容"))
        cells += [Cell(r + 1, 1 + i, label=t, colspan=width) for i, t in enumerate(titles)]
        r += 2
        for row_key, row_label in rows:
            cells.append(Cell(r, 0, label=row_label))
            for i, (col, title) in enumerate(zip(cols, titles, strict=False)):
                key = f"proactive.{row_key}.{col}"
                cells.append(Cell(r, 1 + i, key=key, colspan=width))
                values.append(Value(key, "proactive", f"{header} / {row_label} / {title}", kind))
            r += 1
    table = Table("proactive", "表二", "主动公开政府信息情况", "proactive", 4, r, 0, 1, tuple(cells))
    return table, tuple(values)


IN_FORCE_VERBS = ("清理并集中发布", "清理并公布", "集中发布", "集中公布", "清理", "梳理", "公布", "发布")
"""Verbs that may stand before “现行有效…规范性文件N件” without narrowing its scope (R5 compares the figure
with 表二's 现行有效件数): 清理并集中发布现行有效行政规范性文件393件."""

# --------------------------------------------------------------------------- 表三

APPLICANT_COLUMNS = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_services", "法律服务机构"),
    ("other_org", "其他"),
)
TOTAL_COLUMN = ("total", "总计")

OUTCOME_GROUPS = (
    # (group key, group label, items (key, label)); no items: the group is one row
    ("granted", "（一）予以公开", ()),
    ("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    (
        "withheld",
        "（三）不予公开",
        (
            ("state_secret", "1.属于国家秘密"),
            ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
            ("three_safeties", "3.危及“三安全一稳定”"),
            ("third_party", "4.保护第三方合法权益"),
            ("internal_affairs", "5.属于三类内部事务信息"),
            ("process_info", "6.属于四类过程性信息"),
            ("enforcement_files", "7.属于行政执法案卷"),
            ("query_matters", "8.属于行政查询事项"),
        ),
    ),
    (
        "unavailable",
        "（四）无法提供",
        (
            ("not_held", "1.本机关不掌握相关政府信息"),
            ("needs_creation", "2.没有现成信息需要另行制作"),
            ("unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "not_processed",
        "（五）不予处理",
        (
            ("petition", "1.信访举报投诉类申请"),
            ("repeated", "2.重复申请"),
            ("publications", "3.要求提供公开出版物"),
            ("excessive", "4.无正当理由大量反复申请"),
            ("confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "other",
        "（六）其他处理",
        (
            ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "3.其他"),
        ),
    ),
)

APPLICATIONS_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _application_rows() -> list[tuple[str, str]]:
    """(row key, description) for the 25 data rows of 表三, in order."""
    rows = [("new", "一、本年新收政府信息公开申请数量"), ("carried_over", "二、上年结转政府信息公开申请数量")]
    for group, label, items in OUTCOME_GROUPS:
        if not items:
            rows.append((group, f"三、本年度办理结果 / {label}"))
        for item, item_label in items:
            rows.append((f"{group}.{item}", f"三、本年度办理结果 / {label} / {item_label}"))
    rows.append(("total", "三、本年度办理结果 / （七）总计"))
    rows.append(("carried_forward", "四、结转下年度继续办理"))
    return rows


APPLICATION_ROWS = tuple(_application_rows())
OUTCOME_ROWS = tuple(k for k, _ in APPLICATION_ROWS[2:-2])


def _applications_header() -> list[Cell]:
    cells = [
        Cell(0, 0, label=APPLICATIONS_CORNER, rowspan=3, colspan=3),
        Cell(0, 3, label="申请人情况", colspan=7),
        Cell(1, 3, label="自然人", rowspan=2),
        Cell(1, 4, label="法人或其他组织", colspan=5),
        Cell(1, 9, label="总计", rowspan=2),
    ]
    cells += [Cell(2, 4 + i, label=label) for i, (_, label) in enumerate(APPLICANT_COLUMNS[1:])]
    return cells


def _applications_labels() -> list[Cell]:
    h = 3
    cells = [
        Cell(h, 0, label="一、本年新收政府信息公开申请数量", colspan=3),
        Cell(h + 1, 0, label="二、上年结转政府信息公开申请数量", colspan=3),
        Cell(h + 2, 0, label="三、本年度办理结果", rowspan=len(OUTCOME_ROWS) + 1),
    ]
    r = h + 2
    for _group, label, items in OUTCOME_GROUPS:
        if not items:
            cells.append(Cell(r, 1, label=label, colspan=2))
            r += 1
            continue
        cells.append(Cell(r, 1, label=label, rowspan=len(items)))
        for i, (_item, item_label) in enumerate(items):
            cells.append(Cell(r + i, 2, label=item_label))
        r += len(items)
    cells.append(Cell(r, 1, label="（七）总计", colspan=2))
    cells.append(Cell(r + 1, 0, label="四、结转下年度继续办理", colspan=3))
    return cells


def _applications() -> tuple[Table, tuple[Value, ...]]:
    cells = _applications_header() + _applications_labels()
    values: list[Value] = []
    columns = (*APPLICANT_COLUMNS, TOTAL_COLUMN)
    for i, (row, desc) in enumerate(APPLICATION_ROWS):
        for j, (col, col_label) in enumerate(columns):
            key = f"applications.{row}.{col}"
            cells.append(Cell(3 + i, 3 + j, key=key))
            if col == "total":
                sum_of = tuple(f"applications.{row}.{c}" for c, _ in APPLICANT_COLUMNS)
            elif row == "total":
                sum_of = tuple(f"applications.{o}.{col}" for o in OUTCOME_ROWS)
            else:
                sum_of = ()
            values.append(Value(key, "applications", f"{desc} / {col_label}", Kind.COUNT, sum_of))
    nrows = 3 + len(APPLICATION_ROWS)
    table = Table(
        "applications",
        "表三",
        "收到和处理政府信息公开申请情况",
        "applications",
        10,
        nrows,
        3,
        3,
        tuple(cells),
    )
    return table, tuple(values)


# --------------------------------------------------------------------------- 表四

REVIEW_GROUPS = (
    ("review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
)
REVIEW_OUTCOMES = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)


LITIGATION_LABEL = "行政诉讼"


def _review() -> tuple[Table, tuple[Value, ...]]:
    cells = [
        Cell(0, 0, label=REVIEW_GROUPS[0][1], colspan=5),
        Cell(0, 5, label=LITIGATION_LABEL, colspan=10),
        Cell(1, 5, label="未经复议直接起诉", colspan=5),
        Cell(1, 10, label="复议后起诉", colspan=5),
    ]
    cells += [Cell(1, i, label=label, rowspan=2) for i, (_, label) in enumerate(REVIEW_OUTCOMES)]
    values: list[Value] = []
    for g, (group, group_label) in enumerate(REVIEW_GROUPS):
        for i, (outcome, label) in enumerate(REVIEW_OUTCOMES):
            col = 5 * g + i
            if g:
                cells.append(Cell(2, col, label=label))
            key = f"{group}.{outcome}"
            cells.append(Cell(3, col, key=key))
            parts = tuple(f"{group}.{o}" for o, _ in REVIEW_OUTCOMES[:-1]) if outcome == "total" else ()
            prefix = group_label if g == 0 else f"{LITIGATION_LABEL} / {group_label}"
            values.append(Value(key, "review", f"{prefix} / {label}", Kind.COUNT, parts))
    table = Table("review", "表四", "政府信息公开行政复议、行政诉讼情况", "review", 15, 4, 3, 0, tuple(cells))
    return table, tuple(values)


# --------------------------------------------------------------------------- 六: 信息处理费

FEE_TOPIC_WORDS = ("信息处理费", "收费")  # words by which section 六's text shows it reports the fees

FEE_VALUES = (
    Value("fees.notices", "fees", "发出收费通知的件数", Kind.COUNT, required=False),
    Value("fees.notice_amount", "fees", "收费通知的总金额", Kind.YUAN, required=False),
    Value("fees.collected", "fees", "实际收取的总金额", Kind.YUAN, required=False),
)

# --------------------------------------------------------------------------- assembled

PROACTIVE, _PROACTIVE_VALUES = _proactive()
APPLICATIONS, _APPLICATION_VALUES = _applications()
REVIEW, _REVIEW_VALUES = _review()
TABLES: tuple[Table, ...] = (PROACTIVE, APPLICATIONS, REVIEW)
VALUES: dict[str, Value] = {
    v.key: v for v in _PROACTIVE_VALUES + _APPLICATION_VALUES + _REVIEW_VALUES + FEE_VALUES
}
TABLE_BY_ID = {t.id: t for t in TABLES}
SECTION_BY_KEY = {s.key: s for s in SECTIONS}

# Labels that only the 2019 trial format (国办公开办函〔2019〕60号) used.
LABELS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "其他对外管理服务事项",
    "政府集中采购",
    "采购总金额",
)


# --------------------------------------------------------------------------- what evaluators look for

WITH_PREVIOUS = "给出上年工作簿时检查（网页版在“可选”中选择上年工作簿；命令行加 --previous 上年工作簿.xlsx）"
"""When the rules comparing with last year run: words for clerks on the web page and on the command line."""

NEEDS = {
    "previous": "没有上年报告（--previous，或同一机关上一年的报告一并给出）",
    "publication_date": "发布日期不明（没有网页发布时间、PDF 创建日期或成文日期）",
    "organ_type": "机关类型不明，不知道发布时限",
    "batch": "同一年度的其他单位报告不足一份",
}
"""What a rule may need beyond the report itself (Rule.needs), and what is said when it is missing."""

STATISTICS_PERIOD = r"(\d{4})\s*年\s*1\s*月\s*1\s*日[^。；\d]{0,6}?(\d{4})\s*年\s*12\s*月\s*31\s*日"
"""The statistics period as reports state it: 2024年1月1日至2024年12月31日 (起至…止, 到, 一 allowed)."""

OVERVIEW_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (topic of 一、总体情况 as the format lists it, words that show the text covers it)
    (
        "主动公开",
        ("主动公开", "公开政务信息", "发布政务信息", "政策解读", "重点领域", "发布信息", "公开信息"),
    ),
    ("依申请公开", ("依申请", "申请公开", "公开申请", "政府信息公开申请")),
    (
        "政府信息管理",
        ("信息管理", "公开属性", "源头认定", "保密审查", "发布审核", "动态更新", "清理", "规范性文件"),
    ),
    ("政府信息公开平台建设", ("平台", "网站", "新媒体", "公开栏", "公众号", "专栏", "政务服务中心")),
    ("监督保障", ("监督", "保障", "考核", "培训", "评议", "问责")),
)
GOVERNMENT_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # 条例 art. 50: a people's government also reports these in 一
    ("工作考核", ("考核",)),
    ("社会评议", ("评议", "社会评价", "满意度")),
    ("责任追究", ("追究", "问责")),
)
NOTHING_TO_SAY = ("无", "暂无", "没有", "无。", "暂无。", "没有。", "无问题", "不存在问题")
PROBLEMS_MIN_CHARS = 10
"""五 with fewer characters than this (or only 无/暂无) says nothing: an error (Q2)."""

OTHER_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # what the format lists for 六, and words that show the text reports it (or that it has none)
    ("信息处理费", ("信息处理费", "收费")),
    ("落实上级年度政务公开工作要点", ("工作要点", "年度要点")),
    ("人大代表建议和政协提案办理结果公开", ("建议", "提案")),
    ("政务公开创新", ("创新", "特色", "亮点")),
)

COPY_SECTIONS = ("overview", "problems", "other")
"""Sections the clerk writes (二、三、四 restate the tables): the ones P1 and P2 compare."""
COPY_SHINGLE = 8  # characters in a shingle: about four words of Chinese
COPY_MIN_CHARS = 60  # a section shorter than this (after boilerplate is taken out) is not compared
COPY_LAST_YEAR = {"warning": 0.5, "error": 0.8}  # P1: share of a section repeated from last year
COPY_UNITS = {"warning": 0.5, "error": 0.8}  # P2: Jaccard similarity of two units' section shingles
COPY_SHARED_BY = 0.5  # P2: a shingle in more than this share of a batch (and >= 3 reports) is boilerplate
COPY_PASSAGES = 3  # longest repeated passages quoted as evidence
COPY_PASSAGE_MIN = 15  # characters: a shorter repeat is not worth quoting
BOILERPLATE = (
    # the format's own sentences, which every report may repeat word for word
    "本报告根据《中华人民共和国政府信息公开条例》",
    "《中华人民共和国政府信息公开条例》",
    "以公开为常态、不公开为例外",
    "本年度无其他需要报告的事项",
    "无其他需要报告的事项",
)


# --------------------------------------------------------------------------- rules


def _app(row: str, col: str) -> str:
    return f"applications.{row}.{col}"


_ALL_COLUMNS = tuple(c for c, _ in (*APPLICANT_COLUMNS, TOTAL_COLUMN))


def _short_row(row: str, description: str) -> str:
    """A 表三 row in words, short enough for a message: 一、本年新收, （二）部分公开, （三）1.属于国家秘密,
    （六）1.申请人无正当理由逾期不补正, （七）总计, 四、结转下年度继续办理."""
    parts = description.split(" / ")
    if len(parts) == 1:
        return parts[0].removesuffix("政府信息公开申请数量")
    group = parts[1]
    group = group[: group.index("）") + 1] + group[group.index("）") + 1 :].split("（")[0]
    if len(parts) == 2:
        return group
    return group[: group.index("）") + 1] + parts[2].split("、")[0]


APPLICATION_ROW_LABELS: dict[str, str] = {row: _short_row(row, desc) for row, desc in APPLICATION_ROWS}
"""表三's rows by key in short words: new -> 一、本年新收, withheld.state_secret -> （三）1.属于国家秘密…"""
APPLICATION_COLUMN_LABELS: dict[str, str] = dict((*APPLICANT_COLUMNS, TOTAL_COLUMN))
"""表三's columns by key: natural_person -> 自然人 … total -> 总计."""


def _r0() -> tuple[Equation, ...]:
    """一 + 二 = （七）总计 + 四, in each of the 7 columns."""
    rows = ("new", "carried_over", "total", "carried_forward")
    return tuple(
        Equation(
            (_app("new", c), _app("carried_over", c)),
            (_app("total", c), _app("carried_forward", c)),
            _app("carried_forward", c),
            f"表三 {APPLICATION_COLUMN_LABELS[c]}列",
            tuple(APPLICATION_ROW_LABELS[r] for r in rows),
        )
        for c in _ALL_COLUMNS
    )


def _r1() -> tuple[Equation, ...]:
    """（七）总计 = the sum of the outcome rows, in each of the 7 columns."""
    labels = tuple(APPLICATION_ROW_LABELS[r] for r in ("total", *OUTCOME_ROWS))
    return tuple(
        Equation(
            (_app("total", c),),
            tuple(_app(o, c) for o in OUTCOME_ROWS),
            _app("total", c),
            f"表三 {APPLICATION_COLUMN_LABELS[c]}列",
            labels,
        )
        for c in _ALL_COLUMNS
    )


def _r2() -> tuple[Equation, ...]:
    """总计 = the sum of the 6 applicant columns, in each of the 25 rows."""
    labels = tuple(APPLICATION_COLUMN_LABELS[c] for c in ("total", *(c for c, _ in APPLICANT_COLUMNS)))
    return tuple(
        Equation(
            (_app(r, "total"),),
            tuple(_app(r, c) for c, _ in APPLICANT_COLUMNS),
            _app(r, "total"),
            f"表三 “{APPLICATION_ROW_LABELS[r]}”行",
            labels,
        )
        for r, _ in APPLICATION_ROWS
    )


def _r3() -> tuple[Equation, ...]:
    """总计 = 维持 + 纠正 + 其他 + 尚未审结, for 复议 and each 诉讼 group."""
    titles = {
        group: label if g == 0 else f"{LITIGATION_LABEL}（{label}）"
        for g, (group, label) in enumerate(REVIEW_GROUPS)
    }
    outcomes = dict(REVIEW_OUTCOMES)
    return tuple(
        Equation(
            (v.key,),
            v.sum_of,
            v.key,
            f"表四 {titles[v.key.split('.')[0]]}",
            tuple(outcomes[k.split(".")[1]] for k in (v.key, *v.sum_of)),
        )
        for v in _REVIEW_VALUES
        if v.sum_of
    )


TEXT_NUMBER = ("warning", "数字以文本形式存储（按数字读取）")
EQUATION_MESSAGE = "{title}：{left_side}，而{right_side}"
"""A sum rule's message:
`表三 自然人列：一、本年新收 12 + 二、上年结转 1 = 13，而（七）总计 12 + 四、结转下年度继续办理 2 = 14`
(each side's terms in words with their values; a long side lists only its terms that are not 0)."""


_P1_OVERALL = "全文（总体情况、问题及改进、其他事项）有{share}的文字与上年报告（{other}）相同"
_P1_PROBLEMS = "“{heading}”有{share}的文字照搬上年报告（{other}），没有回应上年的问题"


def _template_rules() -> tuple[Rule, ...]:
    declared = (
        ("T1", "error", "未知的变量", "模板中的字段名必须是 `xxgk template fields` 列出的名称。"),
        ("T2", "warning", "模板没有使用表格中的统计数", "官方表格中的每个统计数都应出现在报告中。"),
        ("T3", "error", "填充标记写法有误", "{{ }}、{% %} 必须成对，语句块必须结束，不能引用其他模板。"),
        ("T4", "error", "填充标记被拆到了多个段落或单元格", "一个填充标记必须写在同一个段落或单元格中。"),
        ("T5", "error", "不安全的填充标记", "不能访问以下划线开头的内部属性，不能使用乘方等运算。"),
        ("T6", "error", "试填充失败", "用示例数据试填充一次模板，必须成功（其他规则都通过时才试）。"),
        ("T7", "warning", "使用了自定义字段", "生成报告时，工作簿“基本信息”的自定义字段中必须有同名的一项。"),
        ("T8", "warning", "模板文件中有重复的部件", "LibreOffice 另存时可能出现；按最后一份处理。"),
    )
    return tuple(
        Rule(rid, severity, title, explanation, "{message}", scope=Scope.TEMPLATE, only_if_clean=rid == "T6")
        for rid, severity, title, explanation in declared
    )


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "R0",
            "error",
            "表三各列：第一项加第二项之和等于第三项加第四项之和",
            "表三每一列（含总计列）：“一、本年新收”+“二、上年结转”=“（七）总计”+“四、结转下年度继续办理”。",
            EQUATION_MESSAGE,
            _r0(),
        ),
        Rule(
            "R1",
            "error",
            "表三各列：（七）总计等于各项办理结果之和",
            "表三每一列：“（七）总计”=（一）+（二）+（三）1至8+（四）1至3+（五）1至5+（六）1至3。",
            EQUATION_MESSAGE,
            _r1(),
        ),
        Rule(
            "R2",
            "error",
            "表三各行：总计等于各类申请人之和",
            "表三每一行：“总计”=自然人+商业企业+科研机构+社会公益组织+法律服务机构+其他。",
            EQUATION_MESSAGE,
            _r2(),
        ),
        Rule(
            "R3",
            "error",
            "表四：总计等于结果维持、结果纠正、其他结果、尚未审结之和",
            "表四的行政复议、未经复议直接起诉、复议后起诉三组，各组“总计”=结果维持+结果纠正+其他结果+尚未审结。",
            EQUATION_MESSAGE,
            _r3(),
        ),
        Rule(
            "R4",
            "error",
            "表三：本年“上年结转”等于上年报告的“结转下年度继续办理”",
            f"{WITH_PREVIOUS}：本年“二、上年结转”每一列等于上年“四、结转下年度继续办理”同一列。",
            "上年结转（{actual}）不等于上年报告的结转下年度继续办理（{expected}）",
            scope=Scope.YEARS,
            messages={
                "not-previous-year": "上年报告的年度为{previous}年，不是本报告年度（{year}年）的上一年"
            },
            exceptions={"not-previous-year": ("warning", "给出的上年报告不是上一年度的")},
        ),
        Rule(
            "R5",
            "warning",
            "正文中写明的数字应与表格一致",
            "正文写明的新收、上年结转、办结、结转下年度继续办理，行政复议、行政诉讼总数，规章、行政规范性文件的制发、"
            "废止、现行有效件数，许可、处罚、强制决定数，行政事业性收费和信息处理费，应与表格一致；"
            "只比较范围明确（全机关、全年）的句子。",
            "{message}",
            scope=Scope.REPORT,
        ),
        Rule(
            "R6",
            "error",
            "统计数必须是非负整数，不得留空或填“无”“/”",
            "表格中每个统计数都必须填写非负整数；没有发生的填 0，不要留空，也不要填“无”“/”“-”。",
            "{message}",
            scope=Scope.VALUE,
            messages={
                "blank": "数值为空，没有发生请填 0",
                "blank-cells": "{table}有 {count} 个空格；没有发生的请填 0，不要留空",
            },
            exceptions={"text-number": TEXT_NUMBER},
        ),
        Rule(
            "R7",
            "error",
            "表三（六）2 大于 0 时，第六部分必须报告发出的收费通知",
            "表三“（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用”大于 0，说明发出过收费通知，"
            "第六部分的“发出收费通知的件数”必须大于 0。",
            "表三（六）2 为 {cause}，说明发出过收费通知，但发出收费通知的件数为 {actual}",
            scope=Scope.REPORT,
            messages={
                "not-stated": "表三（六）2 为 {cause}，说明发出过收费通知，"
                "第六部分应报告发出收费通知的件数和总金额"
            },
            exceptions={"not-stated": ("warning", "第六部分没有填写发出收费通知的件数")},
        ),
        Rule(
            "R8",
            "error",
            "表二行政事业性收费为非负数，单位万元，可有小数",
            "表二“行政事业性收费”以万元为单位填写，可以有小数，不能为负数，按填写值原样输出。",
            "{message}",
            scope=Scope.VALUE,
            exceptions={
                "text-number": TEXT_NUMBER,
                "implausible": ("warning", "金额偏大，可能单位填错（万元、元）"),
            },
        ),
        Rule(
            "S1",
            "warning",
            "表二：上年现行有效件数+本年制发−本年废止 应等于本年现行有效件数",
            f"{WITH_PREVIOUS}；因清理、修订等原因不一致时仅作提示。",
            "上年现行有效（{previous}）+本年制发（{issued}）−本年废止（{repealed}）={expected}，与本年现行有效件数（{actual}）不一致",
            scope=Scope.YEARS,
        ),
        Rule(
            "D1",
            "warning",
            "成文日期应在报告年度之后、发布时限之前",
            "成文日期应晚于报告年度；部门和乡镇街道应在次年1月31日前，人民政府本级报告应在次年3月31日前。",
            "{message}",
            scope=Scope.REPORT,
            messages={
                "not-stated": "未填写成文日期，报告落款将没有日期；请在签发前补填",
                "too-early": "成文日期{date}应晚于报告年度{year}年",
                "too-late": "成文日期{date}晚于{organ_type}的发布时限{deadline}",
            },
        ),
        Rule(
            "C1",
            "error",
            "正文六个部分齐全，都不能为空",
            "工作簿：“一、总体情况”和“五、存在的主要问题及改进情况”必须由填报人撰写；二、三、四、六可以不写，"
            "由表格中的数字生成文字，但生成的文字和填写的文字都为空的部分不能通过。"
            "已发布的报告：应依次有六个部分（不按顺序出现的部分视为缺少），每部分都有正文或表格。",
            "{message}",
            scope=Scope.REPORT,
            messages={
                "not-written": "“{heading}”没有填写内容；这一部分必须由填报人撰写，报告不能缺少这一部分",
                "empty": "“{heading}”没有内容：既没有填写文字，也没有可由表格生成的文字；{hint}",
                "missing": "缺少“{heading}”部分",
                "printed-empty": "“{heading}”部分没有内容",
            },
        ),
        Rule(
            "C2",
            "error",
            "表二、表三、表四齐全，行列完整",
            "三张表格都应按 2021 年格式列出全部行和列；2021 年及以后的报告使用 2019 年试行格式的表二是错误。",
            "{message}",
            scope=Scope.REPORT,
            sources=(PUBLISHED,),
            messages={
                "format-2019": "{year}年度报告使用了 2019 年试行格式（国办公开办函〔2019〕60号）的表格，"
                "应使用 2021 年格式",
            },
            exceptions={"regulations-missing": ("warning", "只缺“规章”行（规章只有设区的市以上政府制定）")},
        ),
        Rule(
            "C3",
            "warning",
            "写明统计期限，且与报告年度一致",
            "导语或正文应写明“所列数据统计期限自某年1月1日至某年12月31日”；没有写明是警告，年度与报告年度不同是错误。",
            "{message}",
            scope=Scope.REPORT,
            messages={
                "not-stated": "没有写明统计期限（如“统计期限自{year}年1月1日至{year}年12月31日”）",
                "wrong-year": "统计期限写作“{stated}”，与报告年度{year}年不一致",
            },
            exceptions={"wrong-year": ("error", "统计期限的年度与报告年度不同")},
        ),
        Rule(
            "Q1",
            "warning",
            "总体情况写到主动公开、依申请公开、政府信息管理、平台建设、监督保障",
            "“一、总体情况”应写到格式列出的五个方面；人民政府还应写工作考核、社会评议和责任追究情况（条例第五十条）。"
            "每缺一个方面一条警告；找到的方面引用原句。",
            "“一、总体情况”没有写到“{topic}”（未见：{words}）",
            scope=Scope.REPORT,
            sources=(PUBLISHED,),
        ),
        Rule(
            "Q2",
            "warning",
            "第五部分应写明存在的问题和改进情况",
            "“五、存在的主要问题及改进情况”应既写存在的问题（如“问题”“不足”“有待”），"
            "也写改进情况或下一步措施（如“改进”“措施”“下一步”“将”）；"
            f"只写“无”“暂无”或少于 {PROBLEMS_MIN_CHARS} 个字是错误。",
            "{message}",
            scope=Scope.REPORT,
            messages={
                "no-measures": "“{heading}”只看到存在的问题，没有看到改进情况；请写明改进措施或下一步打算"
                "（如“下一步”“将……”“改进”）",
                "no-problems": "“{heading}”只看到改进措施，没有看到存在的问题；请写明存在的主要问题"
                "（如“存在……问题”“不足”“有待”）",
                "nothing": "第五部分只写了“{text}”，应写明存在的主要问题和改进情况",
                "too-short": "第五部分只有{length}个字，应写明存在的主要问题和改进情况",
            },
            exceptions={
                "nothing": ("error", "只写“无”“暂无”"),
                "too-short": ("error", f"少于 {PROBLEMS_MIN_CHARS} 个字"),
            },
        ),
        Rule(
            "Q3",
            "warning",
            "其他需要报告的事项：信息处理费和格式列出的事项",
            "第六部分应报告信息处理费的收取情况，以及落实上级年度政务公开工作要点、人大代表建议和政协提案办理结果公开、"
            "政务公开创新等情况（没有的写明没有）；每缺一项一条警告。",
            "“六、其他需要报告的事项”没有写到“{item}”（未见：{words}）",
            scope=Scope.REPORT,
            sources=(PUBLISHED,),
        ),
        Rule(
            "D2",
            "error",
            "按时发布：部门和乡镇街道在次年1月31日前，人民政府在次年3月31日前",
            "按发布日期判断（依次取网页的发布时间、PDF 的创建日期，都没有时以成文日期代替，并写明来源）；"
            "发布日期不明时不能评估，不算通过。",
            "{source}{date}晚于{organ_type}的发布时限{deadline}",
            scope=Scope.REPORT,
            sources=(PUBLISHED,),
            needs="publication_date",
        ),
        Rule(
            "P1",
            "warning",
            "与上年报告雷同",
            "与上年报告逐部分比较（总体情况、问题及改进、其他事项），重复上年文字的比例"
            f"达 {COPY_LAST_YEAR['warning']:.0%} 为警告，达 {COPY_LAST_YEAR['error']:.0%} 为错误；"
            "年份不同不算改动；检查工作簿时（同样要给出上年工作簿）只给警告，不影响生成报告。引用最长的重复段落。",
            "“{heading}”有{share}的文字与上年报告（{other}）相同",
            scope=Scope.YEARS,
            needs="previous",
            messages={
                "copied": "“{heading}”有{share}的文字与上年报告（{other}）相同",
                "overall": _P1_OVERALL,
                "overall-copied": _P1_OVERALL,
                "problems-repeated": _P1_PROBLEMS,
                "problems-copied": _P1_PROBLEMS,
            },
            exceptions={
                code: ("error", f"{what}重复上年文字达 {COPY_LAST_YEAR['error']:.0%}（已发布的报告）")
                for code, what in (
                    ("copied", "一部分"),
                    ("problems-copied", "第五部分"),
                    ("overall-copied", "全文"),
                )
            },
        ),
        Rule(
            "P2",
            "warning",
            "与其他单位报告雷同",
            "同一批审核的同一年度报告之间，逐部分比较（总体情况、问题及改进、其他事项）："
            f"相似度达 {COPY_UNITS['warning']:.0%} 为警告，达 {COPY_UNITS['error']:.0%} 为错误；"
            "格式本身的文字和批次中多数报告共有的文字不计。",
            "“{heading}”与{other}的报告相似度{share}",
            scope=Scope.BATCH,
            sources=(PUBLISHED,),
            needs="batch",
            exceptions={"copied": ("error", f"相似度达 {COPY_UNITS['error']:.0%}")},
        ),
        Rule(
            "info",
            "error",
            "基本信息必须填写完整、写法正确",
            "机关全称、自称、报告年度、机关类型必须填写；报告年度为四位数字，机关类型从下拉列表中选择。",
            "{message}",
            scope=Scope.VALUE,
            messages={
                "blank": "“{label}”不能为空（{hint}）",
                "too-long": "“{label}”有 {length} 个字，不像是机关全称（一般不超过 {limit} 个字），请核对",
            },
            exceptions={"inferred": ("warning", "自称或机关类型空着，已按机关全称推定")},
        ),
        *_template_rules(),
    )
}
"""Every rule, declared once. R0–R3 run from their equations; every other rule has one checker
(`checks.CHECKERS` for reports, `template_check.CHECKERS` for templates)."""


def rules_of(*scopes: Scope) -> tuple[Rule, ...]:
    """The declared rules of the given scopes, in declaration order."""
    return tuple(rule for rule in RULES.values() if rule.scope in scopes)


# --------------------------------------------------------------------------- fields and their order

FEES_SECTION = "other"  # the fee figures are stated in section 六


def info_field(key: str) -> str:
    """The field name of a 基本信息 entry: `info.date`."""
    return f"info.{key}"


def section_field(key: str) -> str:
    """The field name of a section's text: `sections.overview`."""
    return f"sections.{key}"


def _field_order() -> dict[str, int]:
    """Every field in the format's order: 基本信息, then each section followed by its table's values
    (row by row) and, for 六, the fee figures."""
    order = [info_field(f.key) for f in INFO_FIELDS]
    for section in SECTIONS:
        order.append(section_field(section.key))
        if section.table:
            cells = sorted(
                (c for c in TABLE_BY_ID[section.table].cells if c.key), key=lambda c: (c.row, c.col)
            )
            order += [c.key for c in cells if c.key]
        if section.key == FEES_SECTION:
            order += [v.key for v in FEE_VALUES]
    return {name: rank for rank, name in enumerate(order)}


FIELD_ORDER: dict[str, int] = _field_order()


def field_rank(name: str) -> tuple[int, int]:
    """Where a field comes in the format's order; paragraph `sections.x.3` ranks after its section."""
    if name in FIELD_ORDER:
        return FIELD_ORDER[name], -1
    head, _, tail = name.rpartition(".")
    if head in FIELD_ORDER and tail.isdigit():
        return FIELD_ORDER[head], int(tail)
    return len(FIELD_ORDER), -1
