"""Build the sample returned workbooks in samples/returned/: one filled report per roster agency.

Run from the repository root: `python samples/build.py`. The output is deterministic (fixed seed,
fixed generation time, fixed password), so two runs write byte-identical files.

- QK003 区科学技术局 reproduces the published seed report (a district 科技局, 2023): every table value
  0 and the report's own narrative text, character for character.
- The other agencies get plausible, varied, non-zero figures drawn from a seeded RNG according to a
  small profile per agency (how many applications, who applies, licensing volumes, ...), and short
  narratives that quote their own table figures. Every live 勾稽 rule of the form (errors and
  warnings) is checked before a file is written, and so is the narrative's new-application count.

Sub-folders of samples/returned/ (such as invalid/) are left alone; stale top-level .xlsx files are
removed before writing.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from build_invalid import BASE_CODE, SAMPLE_KEY, build_invalid, write_key  # noqa: E402

from toolkit.form.contract import file_name, identity_for  # noqa: E402
from toolkit.form.figures import agrees, stated_figures  # noqa: E402
from toolkit.form.fill import Fill  # noqa: E402
from toolkit.form.form import Form, complete  # noqa: E402
from toolkit.form.form_file import standard_form  # noqa: E402
from toolkit.form.formulas import PASS, status_value  # noqa: E402
from toolkit.form.rules import kind_of  # noqa: E402
from toolkit.inputs.roster import Agency, read_roster  # noqa: E402
from toolkit.template.workbook import write_workbook  # noqa: E402

SEED = 2023
YEAR = 2023
DISTRICT = "示范区"
GENERATED_AT = datetime(2023, 12, 1, 9, 0, 0)
PASSWORD = "demo-2023"
DEADLINE = date(2024, 1, 15)
CONTACT = "区政务公开办 张敏 0371-12345678"
ROSTER = ROOT / "samples" / "roster.csv"
OUT_DIR = ROOT / "samples" / "returned"

# ------------------------------------------------------------------------------------------------
# QK003: the published 科技局 2023 report, verbatim (spaces around numbers included).
# ------------------------------------------------------------------------------------------------

SEED_AGENCY = "QK003"
SEED_TEXTS: dict[str, str] = {
    "s1.active": "2023 年，我局通过门户网站主动公开信息 14 条。",
    "s1.request": "2023 年，我局未收到依申请公开。",
    "s1.management": (
        "我局紧紧围绕工作职能，把政府信息公开工作列入年度重要工作之一，明确分管领导及责任人，"
        "根据需要对信息公开的内容及时进行更新和发布，由办公室统一进行网上公开发布，"
        "确保信息公开全面、及时、精准、无交叉、无差错、不重复。"
        "不断推动政府信息公开工作规范化管理，完善政府信息公开指南、政务公开清单等内容。"
    ),
    "s1.platform": "2023 年，我局认真落实二七区政务公开要点，依托二七区人民政府网进行信息公开。",
    "s1.oversight": (
        "2023 年，我局政务信息公开严格落实的监督保障制度，层层监督、级级压实政府信息公开工作。"
        "组织学习《中华人民共和国政府信息公开条例》，不断提高对信息公开工作的认识，增强业务能力，"
        "进一步推进了政府信息公开工作。"
    ),
    "s1.assessment": "2023 年，我局主动接受上级工作考核，定期接受社会评议，本年度无责任追究情况。",
    "s5.problems": (
        "1.政府信息公开队伍有待加强。我单位政务信息公开工作主要依托办公室开展，"
        "影响政府信息公开工作的效率。下一步，要立足单位工作职责，加强对各科室人员政府信息公开的培训，"
        "提高重视程度，进一步做好政府信息公开工作。"
    ),
    "s5.improvements": (
        "2.业务能力尚待进一步提高。对本单位涉及领域信息公开不全面。下一步，"
        "要加强与各科室工作人员的衔接和沟通，进一步收集和公开信息，确保信息公开及时、准确、全面。"
    ),
    "s6.fees": "本年度没有收取信息处理费，无其他需要报告的事项。",
}

# ------------------------------------------------------------------------------------------------
# Table 3 vocabulary
# ------------------------------------------------------------------------------------------------

APPLICANTS = ("natural", "business", "research", "public_interest", "legal_service", "other_org")
RESULTS = (
    "granted",
    "partial",
    "withheld_secret",
    "withheld_law",
    "withheld_safety",
    "withheld_third_party",
    "withheld_internal",
    "withheld_process",
    "withheld_enforcement",
    "withheld_query",
    "unable_not_held",
    "unable_create",
    "unable_unclear",
    "declined_petition",
    "declined_repeat",
    "declined_publication",
    "declined_mass",
    "declined_confirm",
    "other_no_correction",
    "other_unpaid_fee",
    "other_other",
)
# Result groups as the narrative names them, in table order.
RESULT_GROUPS: tuple[tuple[str, str], ...] = (
    ("予以公开", "granted"),
    ("部分公开", "partial"),
    ("不予公开", "withheld_"),
    ("无法提供", "unable_"),
    ("不予处理", "declined_"),
    ("其他处理", "other_"),
)
# How results fall for an ordinary district bureau; profiles override single entries.
# other_unpaid_fee is never drawn: it is set by the profile, so s6.fees can speak of it.
BASE_RESULTS: dict[str, float] = {
    "granted": 58,
    "partial": 10,
    "withheld_secret": 0,
    "withheld_law": 1,
    "withheld_safety": 0.5,
    "withheld_third_party": 3,
    "withheld_internal": 1.5,
    "withheld_process": 2.5,
    "withheld_enforcement": 1,
    "withheld_query": 1,
    "unable_not_held": 16,
    "unable_create": 3,
    "unable_unclear": 1.5,
    "declined_petition": 3,
    "declined_repeat": 2,
    "declined_publication": 0.5,
    "declined_mass": 0,
    "declined_confirm": 0.5,
    "other_no_correction": 2,
    "other_unpaid_fee": 0,
    "other_other": 1.5,
}
# Who applies: weights over APPLICANTS.
MIX_PUBLIC = (88, 6, 0.5, 1, 3, 1.5)  # mostly 自然人
MIX_LAND = (78, 8, 0, 1, 11, 2)  # 征收 and 房屋 disputes bring lawyers
MIX_BUSINESS = (70, 24, 1, 1, 2, 2)  # 发改、财政、市场监管: firms ask too
MIX_LOCAL = (95, 5, 0, 0, 0, 0)  # 街道、乡镇

# ------------------------------------------------------------------------------------------------
# Agency profiles
# ------------------------------------------------------------------------------------------------

Span = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What kind of body an agency is, as ranges the RNG draws from, plus its own subject matter."""

    me: str  # how the agency refers to itself: 我局, 我委, 我分局, 我街道, 我乡
    level: Literal["bureau", "street", "town"]
    applications: Span  # new applications in the year
    mix: tuple[float, ...]  # applicant weights over APPLICANTS
    carry: int  # at most this many applications carried in from 2022 / out to 2024
    results: Mapping[str, float] = field(default_factory=dict)  # overrides of BASE_RESULTS
    unpaid_fee: int = 0  # requests closed because a 信息处理费 notice went unpaid
    info_fee_yuan: int = 0  # 信息处理费 actually charged, in 元 (only stated in s6.fees)
    licensing: Span = (0, 0)
    penalty: Span = (0, 0)
    coercion: Span = (0, 0)
    fee: tuple[float, float] = (0.0, 0.0)  # 行政事业性收费, 万元
    normative: Span = (0, 0)  # (most issued in the year, most further documents still in force)
    cases: int = 0  # at most this many 行政复议 cases about disclosure
    active: Span = (40, 120)  # items published proactively
    proposals: Span = (0, 0)  # (most 人大代表建议, most 政协提案) handled
    media: str  # the agency's 政务新媒体 account
    focus: str  # its 重点领域
    problem: str
    improvement: str
    innovation: str


PROFILES: dict[str, Profile] = {
    "QK001": Profile(
        me="我委",
        level="bureau",
        applications=(4, 12),
        mix=MIX_BUSINESS,
        carry=1,
        licensing=(12, 45),
        penalty=(0, 4),
        normative=(3, 8),
        proposals=(6, 4),
        media="示范区发改",
        focus="重大建设项目批准和实施、政府投资项目、价格收费、粮食和物资储备",
        problem="重大建设项目信息公开的时效性不够强，部分项目批准结果的公开滞后于审批办结。",
        improvement="建立项目审批与信息公开同步登记台账，批准结果自作出之日起20个工作日内公开，"
        "由办公室每月抽查；上年提出的政策解读形式单一问题，已通过增加图解和问答得到改进。",
        innovation="在门户网站开设“重大项目建设进度”专栏，按季度公开区级重点项目名单及投资完成情况。",
    ),
    "QK002": Profile(
        me="我局",
        level="bureau",
        applications=(5, 15),
        mix=MIX_PUBLIC,
        carry=1,
        results={"unable_not_held": 20, "declined_petition": 6},
        licensing=(8, 30),
        penalty=(0, 5),
        fee=(3.0, 12.0),
        normative=(3, 10),
        active=(120, 260),
        proposals=(12, 8),
        media="示范区教育",
        focus="义务教育招生入学、学校收费、教育经费使用、教师招聘和民办学校审批",
        problem="招生入学政策解读形式较为单一，家长对划片范围、入学条件等问题的咨询量较大。",
        improvement="制作招生政策图解和短视频，在招生季前通过门户网站和“示范区教育”公众号集中发布，"
        "并开通招生咨询热线；上年存在的栏目更新不及时问题已明确专人每周维护。",
        innovation="推出“义务教育招生一件事”线上专栏，将招生政策、学区范围、报名流程和咨询电话集中展示。",
    ),
    "QK004": Profile(
        me="我分局",
        level="bureau",
        applications=(35, 70),
        mix=MIX_PUBLIC,
        carry=3,
        results={
            "granted": 38,
            "withheld_secret": 0.5,
            "withheld_enforcement": 6,
            "withheld_query": 7,
            "declined_petition": 6,
        },
        licensing=(2400, 5800),
        penalty=(1600, 3900),
        coercion=(120, 380),
        fee=(25.0, 70.0),
        normative=(1, 4),
        cases=4,
        active=(260, 520),
        proposals=(8, 5),
        media="平安示范区",
        focus="户籍办理、出入境证件办理、交通管理、治安管理服务事项和警情通报",
        problem="依申请公开答复中对不予公开理由的说明不够充分，个别答复书引用条款不够准确。",
        improvement="修订依申请公开答复文书范本，由法制部门对不予公开、部分公开答复逐件审核，"
        "并对各警种内勤人员开展专题培训；上年行政复议纠正案件反映的问题已全部整改。",
        innovation="在“平安示范区”政务新媒体开设“便民办事指南”栏目，公开户籍、出入境等高频事项的"
        "办理条件和材料清单。",
    ),
    "QK005": Profile(
        me="我局",
        level="bureau",
        applications=(4, 12),
        mix=MIX_PUBLIC,
        carry=1,
        results={"withheld_third_party": 6},
        licensing=(6, 28),
        penalty=(0, 3),
        normative=(2, 7),
        active=(90, 180),
        proposals=(7, 6),
        media="示范区民政",
        focus="社会救助、养老服务、社会组织登记管理、婚姻登记和殡葬服务",
        problem="社会救助类信息公开的颗粒度不够细，低保、特困供养资金发放信息更新不够及时。",
        improvement="按月公开城乡低保、特困供养资金发放情况，涉及个人隐私的信息去标识化处理后公开；"
        "上年提出的社会组织年检结果公开不全问题已完成补充公开。",
        innovation="在各街道（乡）社区服务站设置民政政策公开栏，实现救助政策线上线下同步公开。",
    ),
    "QK006": Profile(
        me="我局",
        level="bureau",
        applications=(3, 10),
        mix=MIX_BUSINESS,
        carry=1,
        results={"partial": 14, "withheld_process": 4},
        licensing=(0, 6),
        penalty=(0, 3),
        normative=(2, 9),
        active=(110, 220),
        proposals=(4, 5),
        media="示范区财政",
        focus="财政预决算、政府债务、政府采购、财政资金直达基层和惠企资金",
        problem="部分部门预决算公开说明较为简略，对“三公”经费增减变化原因的解释不够具体。",
        improvement="制定部门预决算公开模板和审核要点，对全区预算单位公开情况开展专项检查并督促整改；"
        "上年提出的政府债务信息公开不完整问题已按要求补充公开。",
        innovation="建成区级预决算公开统一平台，全区预算单位的预决算在同一入口集中公开、便于查询。",
    ),
    "QK007": Profile(
        me="我局",
        level="bureau",
        applications=(25, 50),
        mix=MIX_PUBLIC,
        carry=2,
        results={"granted": 55, "unable_not_held": 12, "declined_petition": 5},
        licensing=(15, 45),
        penalty=(6, 30),
        coercion=(0, 2),
        normative=(2, 8),
        cases=2,
        active=(180, 360),
        proposals=(10, 9),
        media="示范区人社",
        focus="就业创业扶持、社会保险、劳动保障监察、事业单位公开招聘和职称评审",
        problem="就业创业补贴政策分散在多个文件中，群众查找和理解有一定困难。",
        improvement="梳理就业创业补贴政策清单，按人群分类编制办事指南，在门户网站和各级公共就业服务机构"
        "同步公开；上年提出的招聘信息公开渠道分散问题已统一到门户网站“人事招聘”栏目。",
        innovation="开展“人社政策进园区”活动，在重点产业园区设立政策公开咨询点。",
    ),
    "QK008": Profile(
        me="我局",
        level="bureau",
        applications=(30, 65),
        mix=MIX_LAND,
        carry=3,
        results={"unable_not_held": 22, "withheld_process": 4, "declined_repeat": 3},
        unpaid_fee=1,
        licensing=(120, 380),
        penalty=(12, 55),
        coercion=(0, 5),
        fee=(18.0, 75.0),
        normative=(1, 5),
        cases=5,
        active=(150, 320),
        proposals=(9, 6),
        media="示范区自然资源",
        focus="国土空间规划、建设用地审批、土地征收、不动产登记和自然资源执法",
        problem="土地征收信息公开的及时性和完整性有待提高，部分征收项目补偿安置方案公开不够及时。",
        improvement="严格落实征地信息公开要求，征收启动公告、补偿安置方案和征收公告在法定期限内公开，"
        "并在村（社区）公示栏同步张贴；上年提出的规划批后公布不及时问题已建立限时公布制度。",
        innovation="上线“征地信息公开查询”模块，群众可按项目名称和地块位置查询征收批复及补偿标准。",
    ),
    "QK009": Profile(
        me="我局",
        level="bureau",
        applications=(28, 60),
        mix=MIX_LAND,
        carry=2,
        results={"partial": 13, "withheld_third_party": 5, "declined_confirm": 1.5},
        info_fee_yuan=200,
        licensing=(300, 850),
        penalty=(40, 140),
        coercion=(0, 8),
        fee=(4.0, 15.0),
        normative=(2, 8),
        cases=3,
        active=(160, 340),
        proposals=(11, 7),
        media="示范区住建",
        focus="保障性住房、国有土地上房屋征收、建筑市场监管、物业管理和老旧小区改造",
        problem="老旧小区改造项目信息公开的覆盖面不够，居民对改造内容和施工进度了解不足。",
        improvement="在改造小区设立项目公示牌，公开改造内容、施工单位、工期和监督电话，"
        "并定期在门户网站更新进度；上年提出的房屋征收补偿结果公开不及时问题已整改到位。",
        innovation="推行保障性住房分配“阳光审核”，资格审核、轮候排序和分配结果全过程公开。",
    ),
    "QK010": Profile(
        me="我局",
        level="bureau",
        applications=(10, 24),
        mix=MIX_BUSINESS,
        carry=2,
        results={"withheld_enforcement": 4, "declined_petition": 8},
        licensing=(3200, 8600),
        penalty=(220, 680),
        coercion=(25, 110),
        normative=(1, 5),
        cases=1,
        active=(300, 600),
        proposals=(6, 8),
        media="示范区市场监管",
        focus="市场主体登记、食品药品安全监管、“双随机、一公开”抽查和行政执法",
        problem="“双随机、一公开”抽查结果公开的集中度不高，部分检查结果未能及时归集到统一平台。",
        improvement="建立抽查结果公开台账，检查结果作出后20个工作日内在国家企业信用信息公示系统和"
        "门户网站统一公开；上年提出的行政处罚信息公开不规范问题已按统一格式整改。",
        innovation="在门户网站开设“食品安全抽检信息”专栏，按月公开抽检结果和不合格产品处置情况。",
    ),
    "JD001": Profile(
        me="我街道",
        level="street",
        applications=(2, 5),
        mix=MIX_LOCAL,
        carry=0,
        results={"granted": 60, "unable_not_held": 30, "partial": 5},
        penalty=(10, 40),
        normative=(0, 1),
        active=(40, 90),
        proposals=(2, 1),
        media="长江路街道",
        focus="民生保障、城市管理、社区治理和综合行政执法",
        problem="政务公开工作人员多为兼职，业务水平参差不齐，公开内容以工作动态为主。",
        improvement="明确专人负责政务公开工作，参加区政务公开办组织的业务培训，建立街道与社区两级"
        "公开联络员制度；上年提出的公开栏目空白问题已补充完善。",
        innovation="在各社区党群服务中心设置“居务公开栏”，将街道惠民政策与社区事务同步公开。",
    ),
    "JD002": Profile(
        me="我街道",
        level="street",
        applications=(1, 4),
        mix=MIX_LOCAL,
        carry=0,
        results={"granted": 60, "unable_not_held": 30, "partial": 5},
        normative=(0, 1),
        active=(30, 70),
        proposals=(1, 2),
        media="建设路街道",
        focus="困难群众救助、老旧小区改造、退役军人服务和平安建设",
        problem="基层政务公开标准化规范化建设推进不够快，部分社区公开栏内容更新不及时。",
        improvement="对照基层政务公开标准目录逐项梳理，社区公开栏每月更新一次，由街道党政办定期检查；"
        "上年提出的政策解读缺失问题已为重点文件配发解读。",
        innovation="开展“政务开放日”活动，邀请居民代表走进街道便民服务中心了解办事流程。",
    ),
    "XZ001": Profile(
        me="我乡",
        level="town",
        applications=(1, 5),
        mix=MIX_LOCAL,
        carry=0,
        results={"granted": 55, "unable_not_held": 30, "declined_petition": 6},
        licensing=(6, 24),
        penalty=(0, 12),
        normative=(1, 2),
        active=(50, 110),
        proposals=(3, 2),
        media="侯寨发布",
        focus="乡村振兴、农业补贴、农村宅基地管理、村级财务和惠农资金",
        problem="村级事务公开不够规范，部分村务公开栏内容简单、更新不及时。",
        improvement="制定村务公开目录和时间表，惠农补贴资金发放情况按季度在村务公开栏和门户网站同步公开，"
        "由乡纪委定期抽查；上年提出的宅基地审批结果公开不及时问题已整改。",
        innovation="在各行政村推行“村务公开二维码”，群众扫码即可查看本村财务收支和惠农补贴发放情况。",
    ),
}

# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------


def table3(rng: random.Random, p: Profile) -> dict[str, int]:
    """Table 3 inputs, one application at a time, so every column balances by construction."""
    new = Counter(rng.choices(APPLICANTS, weights=p.mix, k=rng.randint(*p.applications)))
    carried_in = Counter(rng.choices(APPLICANTS, weights=p.mix, k=rng.randint(0, p.carry)))
    pending = sorted((new + carried_in).elements(), key=APPLICANTS.index)
    carried_out = Counter(rng.sample(pending, min(rng.randint(0, p.carry), len(pending))))
    handled = sorted((new + carried_in - carried_out).elements(), key=APPLICANTS.index)
    if len(handled) < p.unpaid_fee:
        raise ValueError("not enough handled applications for the unpaid-fee cases")
    weights = {**BASE_RESULTS, **p.results}
    outcomes = rng.choices(RESULTS, weights=[weights[r] for r in RESULTS], k=len(handled))
    for i in rng.sample(range(len(handled)), p.unpaid_fee):
        outcomes[i] = "other_unpaid_fee"
    results = Counter(zip(outcomes, handled, strict=True))
    values: dict[str, int] = {}
    for col in APPLICANTS:
        values[f"t3.new.{col}"] = new[col]
        values[f"t3.carried_in.{col}"] = carried_in[col]
        values[f"t3.carried_out.{col}"] = carried_out[col]
        for row in RESULTS:
            values[f"t3.{row}.{col}"] = results[row, col]
    return values


def table2(rng: random.Random, p: Profile) -> dict[str, float]:
    issued = rng.randint(0, p.normative[0])
    repealed = rng.randint(0, min(2, p.normative[0]))
    fee = round(rng.uniform(*p.fee), 2) if p.fee[1] else 0
    return {
        "t2.regulations.issued": 0,  # district bodies cannot make 规章
        "t2.regulations.repealed": 0,
        "t2.regulations.in_force": 0,
        "t2.normative.issued": issued,
        "t2.normative.repealed": repealed,
        "t2.normative.in_force": issued + rng.randint(0, p.normative[1]),
        "t2.licensing.decisions": rng.randint(*p.licensing),
        "t2.penalty.decisions": rng.randint(*p.penalty),
        "t2.coercion.decisions": rng.randint(*p.coercion),
        "t2.fees.fee_amount": fee,
    }


def table4(rng: random.Random, p: Profile) -> dict[str, int]:
    """A few 行政复议 cases for the big agencies; lawsuits fewer still."""
    outcomes = ("upheld", "corrected", "other", "pending")
    weights = (6, 1, 1, 2)
    counts = {
        "review": rng.randint(1, p.cases) if p.cases else 0,
        "direct": rng.randint(0, p.cases // 2),
        "after": rng.randint(0, min(1, p.cases // 2)),
    }
    values: dict[str, int] = {}
    for group, n in counts.items():
        tally = Counter(rng.choices(outcomes, weights=weights, k=n))
        for outcome in outcomes:
            values[f"t4.cases.{group}_{outcome}"] = tally[outcome]
    return values


def figures(rng: random.Random, p: Profile) -> dict[str, float]:
    return {**table2(rng, p), **table3(rng, p), **table4(rng, p)}


def row_sum(values: Mapping[str, float], row: str) -> int:
    return int(sum(values[f"t3.{row}.{col}"] for col in APPLICANTS))


# ------------------------------------------------------------------------------------------------
# Narrative
# ------------------------------------------------------------------------------------------------


def request_text(values: Mapping[str, float]) -> str:
    """s1.request, quoting table 3: the new-application count is what the text-vs-table rule reads."""
    new, carried_in, carried_out = (
        row_sum(values, r) for r in ("new", "carried_in", "carried_out")
    )
    natural = int(values["t3.new.natural"])
    done = sum(row_sum(values, r) for r in RESULTS)
    groups = [
        f"{label}{n}件"
        for label, prefix in RESULT_GROUPS
        if (n := sum(row_sum(values, r) for r in RESULTS if r.startswith(prefix)))
    ]
    text = f"本年新收政府信息公开申请{new}件，其中自然人申请{natural}件"
    text += f"、法人或其他组织申请{new - natural}件" if new > natural else ""
    text += f"；上年结转{carried_in}件" if carried_in else "；无上年结转申请"
    text += f"。全年办结{done}件，其中{'、'.join(groups)}" if groups else "。本年未办结申请"
    text += (
        f"；结转下年度继续办理{carried_out}件。" if carried_out else "，无结转下年度办理的申请。"
    )
    not_held = row_sum(values, "unable_not_held")
    if not_held:
        text += f"对本机关不掌握相关政府信息的{not_held}件申请，均告知申请人并尽可能提供了负责机关的联系方式。"
    return text + "所有申请均在法定期限内答复。"


def narratives(rng: random.Random, p: Profile, values: Mapping[str, float]) -> dict[str, str]:
    """Every narrative part, in the agency's own terms and quoting its own figures."""
    me = p.me
    issued = int(values["t2.normative.issued"])
    in_force = int(values["t2.normative.in_force"])
    active = rng.randint(*p.active)
    posts = rng.randint(active // 2, active)
    trainings = rng.randint(1, 4)
    staff = rng.randint(1, 3)
    audited = rng.randint(active, active + active // 3)
    main_channel = "区人民政府门户网站" if p.level == "bureau" else "区人民政府门户网站本单位专栏"

    texts = {
        "s1.active": rng.choice(
            (
                f"2023年，{me}通过{main_channel}、“{p.media}”政务新媒体等渠道主动公开政府信息"
                f"{active}条，重点公开{p.focus}等方面的信息。",
                f"{me}坚持以公开为常态、不公开为例外，全年通过{main_channel}主动公开政府信息{active}条，"
                f"围绕{p.focus}等群众关注的事项及时发布信息，同步发布政策解读{rng.randint(2, 9)}篇。",
            )
        ),
        "s1.request": request_text(values),
        "s1.management": rng.choice(
            (
                f"{me}严格落实公开属性源头认定和公开前保密审查制度，全年审查拟公开信息{audited}条，"
                "未发生泄密和不当公开事件。及时更新政府信息公开指南和主动公开目录"
                + (
                    f"，现行有效的行政规范性文件{in_force}件已在门户网站集中公布。"
                    if in_force
                    else "。"
                ),
                f"{me}拟公开信息实行科室初审、办公室复审、分管领导审签的“三审”制度。"
                + (
                    f"本年制发行政规范性文件{issued}件，均按规定公开并同步发布解读；"
                    if issued
                    else "本年未制发行政规范性文件；"
                )
                + "对照上级要求更新了政府信息公开指南和政务公开事项标准目录。",
            )
        ),
        "s1.platform": rng.choice(
            (
                f"{me}以区人民政府门户网站为第一公开平台，及时维护本单位信息公开专栏，"
                f"“{p.media}”微信公众号全年发布信息{posts}条，做到与门户网站同源发布、同步更新。",
                f"依托区人民政府门户网站政府信息公开平台和区政务服务网开展公开工作，规范设置机构职能、"
                f"政策文件、办事服务等栏目；通过“{p.media}”微信公众号转发政策文件和解读材料{posts}条。",
            )
        ),
        "s1.oversight": rng.choice(
            (
                f"{me}成立由主要负责同志任组长的政务公开工作领导小组，明确{staff}名工作人员具体负责"
                f"政务公开工作；全年组织业务培训{trainings}次，并将政务公开纳入年度考核。",
                f"{me}将政务公开纳入年度重点工作统一部署，办公室负责日常工作，各科室明确一名信息员；"
                f"本年组织《中华人民共和国政府信息公开条例》专题学习{trainings}次，主动接受社会监督。",
            )
        ),
        "s1.assessment": (
            f"{me}接受区政府政务公开工作考核，通过门户网站留言、意见箱等方式开展社会评议，"
            "本年度未发生责任追究情况。"
            if p.level == "town" or rng.random() < 0.4
            else ""
        ),
        "s5.problems": p.problem,
        "s5.improvements": p.improvement,
        "s6.fees": fees_text(rng, p, values),
        "s6.key_tasks": rng.choice(
            (
                f"{me}对照《{DISTRICT}2023年政务公开工作要点》逐项分解任务，明确责任科室和完成时限，"
                f"重点做好{p.focus}等领域的信息公开，各项任务均已按期完成。",
                f"认真落实上级年度政务公开工作要点，围绕{p.focus}等重点领域加大公开力度，"
                "及时发布政策文件和解读材料，年度公开任务全部完成。",
            )
        ),
        "s6.proposals": proposals_text(rng, p),
        "s6.innovation": p.innovation,
        "s6.other": rng.choice(("无其他需要报告的事项。", "")),
    }
    return texts


def fees_text(rng: random.Random, p: Profile, values: Mapping[str, float]) -> str:
    unpaid = row_sum(values, "other_unpaid_fee")
    if unpaid:
        return (
            f"本年度依据《政府信息公开信息处理费管理办法》，对明显超出合理范围的申请发出收费通知{unpaid}件，"
            "申请人未在规定期限内缴纳，按规定不再处理，本年度未实际收取信息处理费。"
        )
    if p.info_fee_yuan:
        return (
            "本年度依据《政府信息公开信息处理费管理办法》向1名申请人收取信息处理费"
            f"{p.info_fee_yuan}元，已按规定全额上缴国库。"
        )
    return rng.choice(("本年度未收取信息处理费。", "2023年，未收取信息处理费。"))


def proposals_text(rng: random.Random, p: Profile) -> str:
    bills, motions = (rng.randint(0, n) for n in p.proposals)
    if not bills and not motions:
        return "本年度未承办人大代表建议和政协提案。"
    parts = [f"区人大代表建议{bills}件"] if bills else []
    parts += [f"区政协提案{motions}件"] if motions else []
    return (
        f"本年承办{'、'.join(parts)}，均已按期办结并答复代表委员，"
        "办理复文已按规定在区人民政府门户网站公开。"
    )


# ------------------------------------------------------------------------------------------------
# Checks and writing
# ------------------------------------------------------------------------------------------------


def check(
    form: Form, agency: Agency, values: Mapping[str, float], texts: Mapping[str, str]
) -> None:
    """Refuse to write a sample that breaks a rule the template shows, or quotes a wrong count."""
    unknown = sorted(k for k in values if k not in form.cells or form.cells[k].is_total)
    if unknown:
        raise ValueError(f"{agency.code}: not input cells: {', '.join(unknown)}")
    bad = [
        k
        for k, v in values.items()
        if v < 0 or (form.cells[k].type == "count" and not isinstance(v, int))
    ]
    if bad:
        raise ValueError(f"{agency.code}: not whole numbers >= 0: {', '.join(bad)}")
    complete_values = complete(form, values)
    for rule in form.rules:
        if kind_of(rule).live:
            result = status_value(rule, rule.instances, complete_values, texts)
            if result != PASS:
                raise ValueError(f"{agency.code}: rule {rule.id} shows {result!r}")
        elif rule.kind == "stated-figure":
            families = {family.key: family for family in rule.families}
            for part in rule.parts:
                for figure in stated_figures(texts.get(part, ""), YEAR):
                    family = families.get(figure.family)
                    if family and agrees(figure, family, complete_values) is False:
                        raise ValueError(f"{agency.code}: {part} states {figure}, not its table")


def build(agency: Agency, form: Form, rng: random.Random) -> Fill:
    values: dict[str, float] = {cell.key: 0 for cell in form.inputs}
    if agency.code == SEED_AGENCY:
        texts = dict(SEED_TEXTS)
    else:
        profile = PROFILES[agency.code]
        values |= figures(rng, profile)
        texts = narratives(rng, profile, values)
    check(form, agency, values, texts)
    return Fill(values=values, texts=texts)


def write(agency: Agency, form: Form, fill: Fill, out_dir: Path) -> Path:
    target = out_dir / file_name(form, agency, YEAR)
    write_workbook(
        target,
        form=form,
        identity=identity_for(form, agency, YEAR, DISTRICT, GENERATED_AT, SAMPLE_KEY),
        deadline=DEADLINE,
        contact=CONTACT,
        password=PASSWORD,
        fill=fill,
    )
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the sample returned workbooks.")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write into")
    parser.add_argument(
        "--libreoffice",
        action="store_true",
        help="also re-save one sample through headless LibreOffice as .xlsx, .xls and .ods",
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out
    form = standard_form()
    agencies = read_roster(ROSTER)
    missing = [a.code for a in agencies if a.code != SEED_AGENCY and a.code not in PROFILES]
    if missing:
        raise SystemExit(f"no sample profile for {', '.join(missing)}")
    rng = random.Random(SEED)
    fills = [(agency, build(agency, form, rng)) for agency in agencies]  # check all, then write
    out_dir.mkdir(parents=True, exist_ok=True)
    write_key()
    for stale in sorted(out_dir.glob("*.xlsx")):
        if stale.is_file():
            stale.unlink()
    written = {}
    for agency, fill in fills:
        path = write(agency, form, fill, out_dir)
        written[agency.code] = (path, agency, fill)
        new = row_sum(complete(form, fill.values), "new")
        print(f"{path.name}  新收申请{new}件")
    base_path, base_agency, base_fill = written[BASE_CODE]
    invalid = build_invalid(
        form, base_path.read_bytes(), base_fill, base_agency, out_dir / "invalid"
    )
    print(f"invalid/: {len(invalid)} files, one per finding code")
    if args.libreoffice:
        saved = resave_with_libreoffice(base_path, out_dir / "libreoffice")
        print(f"libreoffice/: {', '.join(p.name for p in saved)}")


def resave_with_libreoffice(source: Path, out_dir: Path) -> list[Path]:
    """The base sample as LibreOffice saves it in each format a clerk might send back."""
    from tests import lo

    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for target in ("xlsx", "xls", "ods"):
        (path,) = lo.convert([source], out_dir, target)
        final = path.with_name(f"{BASE_CODE}-libreoffice.{target}")
        path.replace(final)
        saved.append(final)
    return saved


if __name__ == "__main__":
    main()
