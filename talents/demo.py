"""The demo registry of the demo city: enterprises and their yearly figures, talents, teams and service requests.

Every record is drawn from one ``random.Random(2026)`` in a fixed order, without looking at the database, so
each run produces the same records; a run inserts only those whose natural key is missing (enterprises by
credit code, talents by ID type and number, teams by name, service requests by talent, kind and description).
Dates count back from today, and today never changes how many numbers are drawn (so never which records are
made): talents landed over the last years and this one, the intake growing year by year, so "this year" and each
of the last five years always have arrivals; enterprises report the last three complete years; some service
requests are always overdue and some never are.

The vocabulary here (names, places, employers) is shared with ``seed_scale``.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.demo import COUNTIES, TOWNS
from talentportal.orgs.models import OrgUnit, User

from . import validators
from .models import Enterprise, EnterpriseYear, Industry, ServiceRequest, Talent, Team

SEED = 2026
FIGURE_YEARS = 3  # complete years of enterprise (and platform) figures
COUNTY_NAMES = dict(COUNTIES)

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------------------------

# fmt: off

# What enterprise names start with, by county.
NAME_PREFIXES = {
    "330402": ("嘉兴", "嘉兴", "浙江"), "330411": ("嘉兴", "嘉兴", "浙江"), "330421": ("嘉善", "嘉善", "浙江"),
    "330424": ("海盐", "海盐", "浙江"), "330481": ("海宁", "海宁", "浙江"), "330482": ("平湖", "平湖", "浙江"),
    "330483": ("桐乡", "桐乡", "浙江"),
}
# Each county's industrial profile (weights); industries not named get weight 1.
COUNTY_INDUSTRIES: dict[str, dict[str, float]] = {
    "330402": {"digital": 5, "electronics": 4, "biomedicine": 4, "equipment": 3, "services": 4},
    "330411": {"new_energy": 6, "equipment": 4, "new_materials": 3, "fashion": 2},
    "330421": {"electronics": 6, "equipment": 4, "digital": 3, "new_materials": 2},
    "330424": {"equipment": 6, "new_energy": 4, "new_materials": 2, "agriculture": 2},
    "330481": {"fashion": 5, "new_energy": 4, "new_materials": 4, "electronics": 2},
    "330482": {"equipment": 6, "electronics": 3, "fashion": 2, "new_materials": 2},
    "330483": {"new_materials": 6, "digital": 4, "fashion": 3, "agriculture": 2},
}
ROADS = {
    "330402": ("亚太路", "由拳路", "昌盛南路", "凌公塘路", "广益路", "云东路"),
    "330411": ("康和路", "洪兴西路", "加创路", "八字路", "秀园路"),
    "330421": ("东升路", "归谷二路", "晋阳东路", "祥符荡路", "台升大道"),
    "330424": ("武原大道", "百尺北路", "盐北路", "核电大道"),
    "330481": ("海昌南路", "芯中路", "长安大道", "双联路", "皮都路"),
    "330482": ("新华北路", "兴平二路", "独山港大道", "广陈路"),
    "330483": ("梧振东路", "子夜路", "庆丰南路", "振兴西路", "凤鸣大道"),
}
BRAND_FIRST = "恒博华瑞天启嘉鼎盛宏睿新卓安康诚泰德明宇辰聚合普信融智源"  # no 正, 晶: 正泰, 晶科 are real firms
BRAND_SECOND = "创锐联擎明诚泰达昇禾越邦瀚峰源芯拓晟航驰耀弘益科"
INDUSTRY_SUFFIXES = {
    "electronics": ("电子科技", "微电子", "光电科技", "半导体科技", "传感技术"),
    "digital": ("数字科技", "信息技术", "网络科技", "软件技术", "智能科技"),
    "equipment": ("智能装备", "精密机械", "机器人科技", "自动化设备", "数控科技"),
    "new_materials": ("新材料科技", "复合材料", "高分子材料", "纤维科技"),
    "new_energy": ("新能源科技", "光伏科技", "储能技术", "氢能科技"),
    "biomedicine": ("生物医药", "生物科技", "医疗器械", "药业"), "environment": ("环保科技", "节能科技", "环境工程"),
    "fashion": ("服饰", "时尚科技", "皮革", "纺织科技", "经编"),
    "services": ("供应链管理", "企业管理咨询", "检测技术服务", "科技服务"),
    "agriculture": ("农业发展", "生态农业", "农业科技", "种业"), "other": ("实业", "科技"),
}
INDUSTRY_KEYS = [choice.value for choice in Industry]

# Surnames with their pinyin and a rough frequency (the Zhejiang ones a little favoured).
SURNAMES: Sequence[tuple[str, str, int]] = (
    ("王", "wang", 30), ("李", "li", 26), ("张", "zhang", 25), ("刘", "liu", 18), ("陈", "chen", 20),
    ("杨", "yang", 12), ("黄", "huang", 8), ("赵", "zhao", 8), ("吴", "wu", 12), ("周", "zhou", 12), ("徐", "xu", 12),
    ("孙", "sun", 6), ("马", "ma", 5), ("朱", "zhu", 8), ("胡", "hu", 7), ("郭", "guo", 5), ("何", "he", 5),
    ("高", "gao", 5), ("林", "lin", 5), ("罗", "luo", 4), ("郑", "zheng", 4), ("梁", "liang", 3), ("谢", "xie", 3),
    ("宋", "song", 3), ("唐", "tang", 3), ("许", "xu", 4), ("韩", "han", 3), ("冯", "feng", 3), ("邓", "deng", 2),
    ("曹", "cao", 2), ("彭", "peng", 2), ("曾", "zeng", 2), ("沈", "shen", 8), ("钱", "qian", 5), ("陆", "lu", 5),
    ("顾", "gu", 4), ("姚", "yao", 4), ("褚", "chu", 2), ("金", "jin", 4), ("俞", "yu", 3), ("方", "fang", 3),
    ("蒋", "jiang", 3), ("蔡", "cai", 2), ("叶", "ye", 3), ("程", "cheng", 2), ("戚", "qi", 1), ("屠", "tu", 1),
    ("费", "fei", 1), ("潘", "pan", 2), ("汪", "wang", 2),
)
GIVEN_MALE: Sequence[tuple[str, str]] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"),
    ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"),
    ("华", "hua"), ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"),
    ("健", "jian"), ("俊", "jun"), ("帆", "fan"), ("晨", "chen"), ("阳", "yang"), ("峰", "feng"), ("建", "jian"),
    ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("博", "bo"), ("睿", "rui"), ("哲", "zhe"), ("天", "tian"),
    ("海", "hai"), ("东", "dong"), ("立", "li"), ("新", "xin"), ("毅", "yi"), ("振", "zhen"), ("德", "de"),
)
GIVEN_FEMALE: Sequence[tuple[str, str]] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("娟", "juan"),
    ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("颖", "ying"), ("琳", "lin"), ("洁", "jie"),
    ("倩", "qian"), ("玲", "ling"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"), ("悦", "yue"), ("雯", "wen"),
    ("晓", "xiao"), ("梦", "meng"), ("思", "si"), ("雅", "ya"), ("蕾", "lei"), ("璐", "lu"), ("萍", "ping"),
    ("燕", "yan"), ("红", "hong"), ("琪", "qi"), ("蓉", "rong"),
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199",
)
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "zju.edu.cn", "foxmail.com", "139.com")

# Employers that are not registered enterprises: (name, kind). Kinds pick the position titles and the industry.
INSTITUTIONS: dict[str, Sequence[tuple[str, str]]] = {
    "330402": (
        ("嘉兴学院", "university"), ("浙江清华长三角研究院", "institute"), ("嘉兴市第一医院", "hospital"),
        ("嘉兴市第二医院", "hospital"), ("嘉兴南湖学院", "university"),
    ),
    "330411": (
        ("嘉兴职业技术学院", "college"), ("嘉兴市秀洲区人民医院", "hospital"),
        ("嘉兴市农业科学研究院", "agri_institute"),
    ),
    "330421": (
        ("嘉善县第一人民医院", "hospital"), ("嘉善县中等专业学校", "college"),
        ("嘉善县农业科学研究所", "agri_institute"),
    ),
    "330424": (("海盐县人民医院", "hospital"), ("海盐县职业教育中心", "college")),
    "330481": (
        ("浙江大学国际联合学院（海宁国际校区）", "university"), ("海宁市人民医院", "hospital"),
        ("浙江财经大学东方学院", "university"),
    ),
    "330482": (("平湖市第一人民医院", "hospital"), ("平湖市职业中等专业学校", "college")),
    "330483": (("桐乡市第一人民医院", "hospital"), ("乌镇实验室", "institute"), ("浙江传媒学院桐乡校区", "university")),
}
# Position titles, most senior first.
INSTITUTION_POSITIONS = {
    "university": ("教授、学科带头人", "教授", "副教授", "讲师"),
    "institute": ("首席科学家", "研究员", "副研究员", "助理研究员"),
    "agri_institute": ("研究员", "副研究员", "农艺师", "助理农艺师"),
    "hospital": ("主任医师、科室主任", "主任医师", "副主任医师", "主治医师"),
    "college": ("专业带头人", "副教授", "高级讲师", "讲师"),
}
INSTITUTION_INDUSTRIES = {
    "university": ("digital", "electronics", "new_materials", "equipment", "services"),
    "institute": ("digital", "electronics", "new_materials", "biomedicine", "new_energy"),
    "agri_institute": ("agriculture",), "hospital": ("biomedicine",), "college": ("equipment", "services", "digital"),
}
ENTERPRISE_POSITIONS = {
    "management": ("董事长", "董事长兼总经理", "总经理", "副总经理", "总经理助理"),
    "professional": ("首席科学家", "首席技术官", "研发总监", "高级工程师", "研发工程师"),
    "skilled": ("首席技师", "高级技师", "技师", "高级工"),
}
GOVERNMENT_DEPARTMENTS = ("委组织部", "科技局", "经信局", "人力社保局", "发展改革局", "农业农村局", "教育局", "商务局")
GOVERNMENT_POSITIONS = ("副局长", "科长", "一级主任科员", "四级主任科员", "科员")
RURAL_CROPS = ("葡萄", "黄桃", "甲鱼", "芦笋", "食用菌", "杭白菊", "草莓", "优质稻米", "湖羊", "蜜梨", "青虾")
RURAL_POSITIONS = ("理事长", "场主", "农技推广研究员", "技术负责人")
SOCIAL_POSITIONS = ("主任", "高级社会工作师", "督导", "社会工作师", "助理社会工作师")

DOMESTIC_UNIVERSITIES = (
    "浙江大学", "清华大学", "北京大学", "上海交通大学", "复旦大学", "中国科学技术大学", "南京大学", "同济大学",
    "浙江工业大学", "浙江理工大学", "嘉兴学院", "东华大学", "华东理工大学", "哈尔滨工业大学", "西安交通大学",
    "华中科技大学", "武汉大学", "浙江农林大学", "中国药科大学", "杭州电子科技大学", "宁波大学", "中国科学院大学",
)
FOREIGN_UNIVERSITIES = (
    "美国斯坦福大学", "美国加州大学伯克利分校", "英国剑桥大学", "德国慕尼黑工业大学", "日本东京大学", "新加坡国立大学",
    "澳大利亚墨尔本大学", "美国密歇根大学", "加拿大多伦多大学", "荷兰代尔夫特理工大学", "英国帝国理工学院",
    "美国佐治亚理工学院", "德国亚琛工业大学", "香港科技大学",
)
COLLEGES = (
    "嘉兴职业技术学院", "浙江工贸职业技术学院", "浙江机电职业技术学院", "嘉兴南洋职业技术学院", "浙江农业商贸职业学院",
)
FLEXIBLE_NOTE = "柔性引进，每年在嘉工作不少于两个月"
NOTES = (
    "入选“创新嘉兴·精英引领计划”创业类领军人才", "入选“创新嘉兴·精英引领计划”创新类领军人才",
    "嘉兴市杰出人才培养工程培养对象", "“百千万”人才工程·千人计划入选者", "企业技术创新团队核心成员",
    "省级人才计划入选者，已兑现安家补贴",
)
# Foreign experts: name as registered, e-mail name, nationality, gender, university.
FOREIGN_EXPERTS: Sequence[tuple[str, str, str, str, str]] = (
    ("大卫·米勒", "david.miller", "US", "male", "美国麻省理工学院"),
    ("詹妮弗·陈", "jennifer.chen", "US", "female", "美国加州大学洛杉矶分校"),
    ("托马斯·施密特", "thomas.schmidt", "DE", "male", "德国亚琛工业大学"),
    ("克劳斯·韦伯", "klaus.weber", "DE", "male", "德国卡尔斯鲁厄理工学院"),
    ("田中浩二", "koji.tanaka", "JP", "male", "日本东京大学"),
    ("佐藤美咲", "misaki.sato", "JP", "female", "日本京都大学"),
    ("金成勋", "kim.sunghoon", "KR", "male", "韩国科学技术院"),
    ("詹姆斯·威尔逊", "james.wilson", "GB", "male", "英国帝国理工学院"),
)
TEAM_TOPICS = {
    "electronics": ("第三代半导体功率器件", "MEMS传感器", "车规级芯片封测", "激光雷达"),
    "digital": ("工业互联网平台", "智能网联汽车软件", "工业视觉检测", "数字孪生"),
    "equipment": ("高端数控机床", "工业机器人精密减速器", "智能物流装备", "航空紧固件"),
    "new_materials": ("高性能纤维复合材料", "石墨烯导热膜", "生物基可降解材料", "高端氟材料"),
    "new_energy": ("高效异质结光伏电池", "氢燃料电池电堆", "固态锂电池", "核电关键部件"),
    "biomedicine": ("创新抗体药物", "高端医疗器械", "细胞治疗", "体外诊断试剂"),
    "environment": ("工业废水深度处理", "VOCs治理", "固废资源化"),
    "fashion": ("功能性经编面料", "智能皮革制品", "数字化服装设计"), "services": ("检验检测认证", "科技成果转化服务"),
    "agriculture": ("设施农业数字化", "优质稻米育种", "湖羊良种繁育"), "other": ("产业技术协同创新",),
}
TEAM_SUFFIXES = ("创新团队", "研发团队", "产业化团队")

TIER_COUNTS = {
    Talent.Tier.TOP: 8, Talent.Tier.NATIONAL_LEADING: 28, Talent.Tier.PROVINCIAL_LEADING: 80,
    Talent.Tier.MUNICIPAL_LEADING: 170, Talent.Tier.YOUTH: 270, Talent.Tier.OTHER: 144,
}
TIER_RANK = {"top": 0, "national_leading": 0, "provincial_leading": 1, "municipal_leading": 1, "youth": 2, "other": 2}
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "top": {"professional": 7, "management": 3},
    "national_leading": {"professional": 6, "management": 3, "skilled": 1},
    "provincial_leading": {"professional": 5, "management": 3, "skilled": 1, "party_gov": 0.3},
    "municipal_leading": {
        "professional": 5, "management": 2.5, "skilled": 2, "rural": 1, "social_work": 0.7, "party_gov": 0.8,
    },
    "youth": {"professional": 5, "management": 1.5, "skilled": 1.5, "rural": 1, "social_work": 1, "party_gov": 1.2},
    "other": {"professional": 3, "management": 1.5, "skilled": 2.5, "rural": 2, "social_work": 1.5, "party_gov": 1},
}
BIRTH_YEARS = {
    "top": (1955, 1972), "national_leading": (1965, 1982), "provincial_leading": (1970, 1988),
    "municipal_leading": (1972, 1992), "youth": (1988, 1999), "other": (1965, 1998),
}
MALE_SHARE = {
    "top": 0.9, "national_leading": 0.85, "provincial_leading": 0.78, "municipal_leading": 0.7, "youth": 0.6,
    "other": 0.6,
}
FLEXIBLE_SHARE = {
    "top": 0.6, "national_leading": 0.45, "provincial_leading": 0.25, "municipal_leading": 0.15, "youth": 0.05,
    "other": 0.1,
}
DEGREES: dict[str, Mapping[str, float]] = {
    "top": {"doctorate": 1}, "national_leading": {"doctorate": 9, "master": 1},
    "provincial_leading": {"doctorate": 7, "master": 3},
    "municipal_leading": {"doctorate": 4, "master": 4.5, "bachelor": 1.5},
    "youth": {"doctorate": 3, "master": 5, "bachelor": 2},
    "other": {"master": 2, "bachelor": 4.5, "college": 2.5, "other": 1},
}
# Skilled and rural talents rarely hold research degrees, whatever their tier.
CATEGORY_DEGREES: dict[str, Mapping[str, float]] = {
    "skilled": {"bachelor": 2, "college": 5, "other": 3}, "rural": {"bachelor": 3, "college": 4, "other": 3},
}

ENTERPRISES_PER_COUNTY = {
    "330402": 24, "330411": 20, "330421": 21, "330424": 14, "330481": 23, "330482": 18, "330483": 20,
}
TALENTS_PER_COUNTY = {
    "330402": 132, "330411": 98, "330421": 100, "330424": 68, "330481": 115, "330482": 85, "330483": 102,
}
# Revenue bands of the latest year in 万元 and how many of the ~140 enterprises fall in each.
REVENUE_BANDS = {"micro": (30, 100), "small": (100, 1000), "medium": (1000, 10000), "large": (10000, 120000)}
BAND_COUNTS = {"micro": 20, "small": 55, "medium": 50, "large": 15}
# How many talents landed in each year, counting back from this one (this year first): the intake has grown.
# This year's weight shrinks with the part of the year not yet passed, down to a quarter of it, so that early in
# January "this year" already has a few arrivals.
LANDING_WEIGHTS = (10, 10, 9, 8, 7, 6, 4, 3, 2)
CAPITAL_CHOICES = {
    "micro": (50, 100, 200, 300, 500), "small": (100, 200, 500, 1000), "medium": (500, 1000, 2000, 3000, 5000),
    "large": (5000, 10000, 20000, 30000, 50000),
}
SERVICE_REQUESTS = 120
TEAMS = 36
# Who handles a county's service requests in the demo (the city admin elsewhere).
HANDLERS = {"330402": "nanhu_editor", "330411": "xiuzhou_editor"}

REQUEST_DESCRIPTIONS = {
    "hukou": ("申请本人及配偶、子女户口迁入{county}", "申请人才集体户落户", "申请父母随迁落户"),
    "housing": ("申请人才公寓（{rooms}室）", "申请购房补贴", "申请租房补贴", "申请人才安居房选房资格"),
    "schooling": (
        "子女申请就读{county}实验小学一年级", "子女初中入学（人才子女就近入学）", "子女申请入读公办幼儿园",
        "子女高中阶段转学",
    ),
    "spouse_job": ("配偶为中学教师，申请调入{county}", "配偶原在外地医院工作，申请对口安置", "配偶申请就业推荐"),
    "medical": ("申请人才医疗保健绿色通道", "申请年度健康体检安排", "父母就医协调"),
    "financing": (
        "申请人才贷（信用贷款）{amount}万元", "企业新一轮融资对接，需求{amount}万元", "申请对接市产业引导基金",
    ),
    "other": ("申请人才服务卡", "申请实验室场地", "申请人才专项车辆通行证"),
}
FOREIGNER_REQUESTS = ("外籍专家工作许可延期", "办理出入境便利（口岸签证）", "外籍人员子女入读国际学校")
REQUEST_RESOLUTIONS = {
    "hukou": "已协调公安部门办理落户手续", "housing": "已分配人才公寓一套，签订租赁合同",
    "schooling": "已协调教育部门安排入学", "spouse_job": "已协调人力社保部门安置到位",
    "medical": "已开通绿色通道，发放人才服务卡", "financing": "已对接合作银行，完成授信", "other": "已协调相关部门办结",
}
REQUEST_REJECTIONS = ("超出政策适用范围，已告知申请人", "申请材料不全，经多次联系未补充", "不符合申请条件")
KIND_REJECTIONS = {
    "housing": "不符合申请条件（已在本地购房）", "schooling": "学区名额已满，已协调就近学校",
    "financing": "企业经营状况不符合授信条件",
}
REQUEST_PROGRESS = ("已联系申请人核实材料", "已转交相关部门办理", "等待相关部门反馈意见")

# fmt: on


# ---------------------------------------------------------------------------------------------------------------
# Small generators, shared with seed_scale
# ---------------------------------------------------------------------------------------------------------------


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def industry_weights(county: str) -> dict[str, float]:
    profile = COUNTY_INDUSTRIES.get(county, {})
    return {key: profile.get(key, 1.0) for key in INDUSTRY_KEYS if key != "other"} | {"other": 0.3}


def person_name(rng: random.Random, male: bool) -> tuple[str, str, str]:
    """(name, surname pinyin, given-name pinyin)."""
    surname, surname_py, _weight = rng.choices(SURNAMES, [s[2] for s in SURNAMES])[0]
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    if rng.random() < 0.3:
        char, pinyin = rng.choice(pool)
        return surname + char, surname_py, pinyin
    (c1, p1), (c2, p2) = rng.sample(pool, 2)
    return surname + c1 + c2, surname_py, p1 + p2


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random) -> str:
    """A 嘉兴 landline (area code 0573) in the normalised form forms store: digits only."""
    return f"05738{rng.randrange(10_000_000):07d}"


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def figure_years(today: datetime.date) -> list[int]:
    """The complete years whose figures are in, oldest first."""
    return [today.year - back for back in range(FIGURE_YEARS, 0, -1)]


def landing_date(draw: float, earliest: datetime.date, today: datetime.date) -> datetime.date:
    """The day a talent landed, from one uniform ``draw``: a year by ``LANDING_WEIGHTS``, then a day in it (this
    year's only up to today), never before ``earliest`` nor after today."""
    passed = today.timetuple().tm_yday / 365
    weights = [weight * (max(0.25, passed) if back == 0 else 1) for back, weight in enumerate(LANDING_WEIGHTS)]
    target = draw * sum(weights)
    back = 0
    while back < len(weights) - 1 and target >= weights[back]:
        target -= weights[back]
        back += 1
    first = datetime.date(today.year - back, 1, 1)
    last = today if back == 0 else datetime.date(today.year - back, 12, 31)
    day = first + datetime.timedelta(days=int(min(1.0, target / weights[back]) * (last - first).days))
    return min(today, max(earliest, day))


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def credit_code_for(county: str, founded: datetime.date, rng: random.Random) -> str:
    """91 (an enterprise), the county's division code, then the organisation code: the old nine-digit kind for
    enterprises registered before the 2015 reform, ``MA…`` after it."""
    if founded.year < 2015:
        body = f"{rng.randrange(10**8):08d}" + rng.choice("0123456789X")
    else:
        body = "MA2" + "".join(rng.choice(validators.CREDIT_CODE_CHARS) for _ in range(6))
    return validators.make_credit_code(f"91{county}{body}")


# ---------------------------------------------------------------------------------------------------------------
# The demo records, as plain dicts (drawn without touching the database)
# ---------------------------------------------------------------------------------------------------------------


def _enterprise_specs(rng: random.Random, years: Sequence[int]) -> list[dict[str, Any]]:
    counties = [code for code, _name in COUNTIES for _ in range(ENTERPRISES_PER_COUNTY[code])]
    bands = [band for band, count in BAND_COUNTS.items() for _ in range(count)]
    bands += ["small"] * (len(counties) - len(bands))
    rng.shuffle(bands)
    indices_by_band: dict[str, list[int]] = defaultdict(list)
    for index, band in enumerate(bands[: len(counties)]):
        indices_by_band[band].append(index)
    large, medium = indices_by_band["large"], indices_by_band["medium"]
    listing: dict[int, str] = {}
    for index, code in zip(rng.sample(large, 3), ("main_board", "star_market", "chinext"), strict=True):
        listing[index] = code
    for index in rng.sample([i for i in large if i not in listing], 2) + rng.sample(medium, 3):
        listing[index] = "neeq"
    star = next(i for i, code in listing.items() if code == "star_market")
    talent_pool = indices_by_band["micro"] + indices_by_band["small"] + medium
    talent_enterprises = {star, *rng.sample([i for i in talent_pool if i not in listing], 14)}

    names: set[str] = set()
    codes: set[str] = set()
    specs = []
    for index, county in enumerate(counties):
        band = bands[index]
        listed = listing.get(index, "none")
        is_talent = index in talent_enterprises
        industry = weighted(rng, industry_weights(county))
        if is_talent and industry in ("fashion", "agriculture", "services", "other"):
            industry = rng.choice(("electronics", "digital", "biomedicine", "new_materials", "new_energy"))
        while True:
            brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
            joint_stock = listed != "none" or rng.random() < 0.12
            name = (
                f"{rng.choice(NAME_PREFIXES[county])}{brand}{rng.choice(INDUSTRY_SUFFIXES[industry])}"
                f"{'股份' if joint_stock else ''}有限公司"
            )
            if brand[0] != brand[1] and name not in names:
                break
        names.add(name)
        if is_talent:
            founded = random_date(rng, datetime.date(2012, 1, 1), datetime.date(2022, 6, 30))
        elif band == "large" or listed != "none":
            founded = random_date(rng, datetime.date(1995, 1, 1), datetime.date(2012, 12, 31))
        elif band == "medium":
            founded = random_date(rng, datetime.date(2003, 1, 1), datetime.date(2019, 12, 31))
        else:
            founded = random_date(rng, datetime.date(2008, 1, 1), datetime.date(2022, 6, 30))
        code = credit_code_for(county, founded, rng)
        while code in codes:
            code = credit_code_for(county, founded, rng)
        codes.add(code)
        towns = TOWNS.get(county, [])
        unit = rng.choice(towns)[0] if towns and rng.random() < 0.25 else county
        town_name = next((n for c, n in towns if c == unit), "")
        contact_male = rng.random() < 0.55
        specs.append(
            {
                "key": code,
                "county": county,
                "band": band,
                "fields": {
                    "name": name,
                    "credit_code": code,
                    "org_code": unit,
                    "industry": industry,
                    "founded_on": founded,
                    "registered_capital": money(rng.choice(CAPITAL_CHOICES["large" if listed != "none" else band])),
                    "is_talent_enterprise": is_talent,
                    "listing": listed,
                    "address": f"浙江省嘉兴市{COUNTY_NAMES[county]}{town_name}{rng.choice(ROADS[county])}"
                    f"{rng.randint(1, 1888)}号",
                    "contact_name": person_name(rng, contact_male)[0],
                    "contact_phone": mobile(rng) if rng.random() < 0.55 else landline(rng),
                },
                "years": _year_figures(rng, band, industry, is_talent, listed, years),
            }
        )
    return specs


def _year_figures(
    rng: random.Random, band: str, industry: str, is_talent: bool, listed: str, years: Sequence[int]
) -> list[dict[str, Any]]:
    low, high = REVENUE_BANDS[band]
    latest = years[-1]
    revenue = {latest: math.exp(rng.uniform(math.log(low * 1.05), math.log(high)))}
    for year in reversed(years[:-1]):
        growth = rng.uniform(1.1, 1.8) if is_talent else rng.uniform(0.95, 1.35)
        if rng.random() < 0.1:
            growth = rng.uniform(0.8, 0.98)  # a bad year
        revenue[year] = revenue[year + 1] / growth
    tax_rate = rng.uniform(0.025, 0.07)
    if is_talent:
        rd_rate = rng.uniform(0.08, 0.2)
    elif industry in ("fashion", "services", "agriculture", "other"):
        rd_rate = rng.uniform(0.01, 0.04)
    else:
        rd_rate = rng.uniform(0.03, 0.08)
    staff_latest = max(6, round(revenue[latest] / rng.uniform(60, 140)))
    patents = rng.randint(0, {"micro": 3, "small": 8, "medium": 25, "large": 80}[band])
    rows = []
    for year in years:
        patents += rng.randint(0, {"micro": 1, "small": 3, "medium": 6, "large": 15}[band])
        if is_talent and rng.random() < 0.35:
            financing = rng.choice((300, 500, 1000, 2000, 5000))
        elif listed == "neeq" and rng.random() < 0.3:
            financing = rng.choice((1000, 2000, 5000, 8000))
        else:
            financing = 0
        rows.append(
            {
                "year": year,
                "revenue": money(revenue[year]),
                "tax_paid": money(revenue[year] * tax_rate * rng.uniform(0.85, 1.15)),
                "rd_expense": money(revenue[year] * rd_rate * rng.uniform(0.9, 1.1)),
                "employees": max(5, round(staff_latest * (revenue[year] / revenue[latest]) ** 0.6)),
                "invention_patents": patents,
                "financing_raised": money(financing),
            }
        )
    return rows


def _employment(
    rng: random.Random, category: str, tier: str, county: str, unit: str, enterprises: list[dict[str, Any]]
) -> tuple[str | None, str, str, str]:
    """(employer credit code or None, employer name, position title, industry) for a talent."""
    rank = min(3, TIER_RANK[tier] + rng.randint(0, 1))
    county_name = COUNTY_NAMES[county]
    town_name = next((n for c, n in TOWNS.get(county, []) if c == unit), "")
    if category == "party_gov":
        employer = (
            f"{town_name}{'人民政府' if town_name.endswith('镇') else '办事处'}"
            if town_name
            else (f"{county_name}{rng.choice(GOVERNMENT_DEPARTMENTS)}")
        )
        return None, employer, GOVERNMENT_POSITIONS[min(4, rank + rng.randint(0, 1))], "services"
    if category == "rural":
        brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
        crop = rng.choice(RURAL_CROPS)
        employer = (
            f"{county_name}{town_name}{brand}{crop}专业合作社"
            if rng.random() < 0.6
            else f"{county_name}{town_name}{brand}家庭农场"
        )
        return None, employer, rng.choice(RURAL_POSITIONS), "agriculture"
    if category == "social_work":
        brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
        employer = f"{county_name}{brand}社会工作服务中心"
        return None, employer, SOCIAL_POSITIONS[min(4, rank + rng.randint(0, 1))], "services"
    local = [e for e in enterprises if e["county"] == county]
    if category == "professional" and rng.random() < 0.4:
        name, kind = rng.choice(INSTITUTIONS[county])
        return None, name, INSTITUTION_POSITIONS[kind][rank], rng.choice(INSTITUTION_INDUSTRIES[kind])
    if tier in ("top", "national_leading") and category in ("management", "professional"):
        # Leading talents found the talent enterprises.
        local = [e for e in local if e["fields"]["is_talent_enterprise"]] or local
    company = rng.choice(local)
    positions = ENTERPRISE_POSITIONS.get(category, ENTERPRISE_POSITIONS["professional"])
    position = positions[min(len(positions) - 1, rank + rng.randint(0, 1))]
    return company["key"], "", position, company["fields"]["industry"]


def _talent_specs(rng: random.Random, enterprises: list[dict[str, Any]], today: datetime.date) -> list[dict[str, Any]]:
    founded = {spec["key"]: spec["fields"]["founded_on"] for spec in enterprises}
    tiers = [tier for tier, count in TIER_COUNTS.items() for _ in range(count)]
    rng.shuffle(tiers)
    counties = [code for code, _name in COUNTIES for _ in range(TALENTS_PER_COUNTY[code])]
    foreign_slots = set(rng.sample([i for i, t in enumerate(tiers) if TIER_RANK[t] <= 1], len(FOREIGN_EXPERTS)))
    foreign = iter(FOREIGN_EXPERTS)
    used_ids: set[str] = set()
    specs = []
    for index, (tier, county) in enumerate(zip(tiers, counties, strict=True)):
        towns = TOWNS.get(county, [])
        unit = rng.choice(towns)[0] if towns and rng.random() < 0.35 else county
        category = "professional" if index in foreign_slots else weighted(rng, CATEGORY_WEIGHTS[tier])
        first, last = BIRTH_YEARS[tier]
        birth = random_date(rng, datetime.date(first, 1, 1), datetime.date(last, 12, 31))
        male = rng.random() < (0.35 if category == "social_work" else MALE_SHARE[tier])
        degree = weighted(rng, CATEGORY_DEGREES.get(category, DEGREES[tier]))
        employer_code, employer_name, position, industry = _employment(rng, category, tier, county, unit, enterprises)
        earliest = max(add_years(birth, 24), founded.get(employer_code or "", datetime.date.min))
        landed = landing_date(rng.random(), earliest, today)
        # Flexible recruitment (柔性引进) is for experts and managers, not officials, farmers or social workers.
        flexible = category in ("professional", "management") and rng.random() < FLEXIBLE_SHARE[tier]
        fields: dict[str, Any] = {
            "org_code": unit,
            "employer_code": employer_code,
            "employer_name": employer_name,
            "position_title": position,
            "industry": industry,
            "category": category,
            "tier": tier,
            "highest_degree": degree,
            "landed_on": landed,
            "phone": mobile(rng),
            "notes": rng.choice((*NOTES, FLEXIBLE_NOTE) if flexible else NOTES)
            if category in ("professional", "management") and TIER_RANK[tier] <= 1 and rng.random() < 0.3
            else "",
        }
        if index in foreign_slots:
            name, email_name, nationality, gender, university = next(foreign)
            fields |= {
                "name": name,
                "id_type": Talent.IdType.PASSPORT,
                "id_number": _passport(rng, nationality),
                "gender": gender,
                "nationality": nationality,
                "graduated_from": university,
                "highest_degree": "doctorate",
                "recruitment_mode": "flexible" if rng.random() < 0.75 else "full_time",
                "email": f"{email_name}@{rng.choice(('gmail.com', 'outlook.com', 'zju.edu.cn'))}",
            }
            mode = "柔性" if fields["recruitment_mode"] == "flexible" else "全职"
            fields["notes"] = f"{mode}引进外国专家，持外国人工作许可证"
        else:
            name, surname_py, given_py = person_name(rng, male)
            while True:
                sequence = rng.randrange(500) * 2 + (1 if male else 0)
                id_number = validators.make_resident_id(county, birth, sequence)
                if id_number not in used_ids:
                    break
            returnee = (
                degree in ("doctorate", "master")
                and category in ("professional", "management")
                and (rng.random() < 0.3)
            )
            if returnee:
                school = rng.choice(FOREIGN_UNIVERSITIES)
            elif degree in ("college", "other"):
                school = rng.choice(COLLEGES)
            else:
                school = rng.choice(DOMESTIC_UNIVERSITIES)
            email = ""
            if rng.random() < 0.5:
                domain = rng.choice(EMAIL_DOMAINS)
                email = (
                    f"{rng.randrange(10_000_000, 3_000_000_000)}@qq.com"
                    if domain == "qq.com"
                    else f"{surname_py}{given_py}{birth:%y}@{domain}"
                )
            fields |= {
                "name": name,
                "id_type": Talent.IdType.RESIDENT_ID,
                "id_number": id_number,
                "gender": Talent.Gender.MALE if male else Talent.Gender.FEMALE,
                "nationality": "CN",
                "is_returnee": returnee,
                "graduated_from": school,
                "recruitment_mode": "flexible" if flexible else "full_time",
                "email": email,
            }
        used_ids.add(fields["id_number"])
        fields["birth_date"] = birth
        key = (fields["id_type"], fields["id_number"])
        specs.append({"key": key, "county": county, "fields": fields, "earliest_landing": earliest})
    return specs


def _passport(rng: random.Random, nationality: str) -> str:
    digits = "0123456789"
    upper = "ABCDEFGHJKLMNPRSTUVWXYZ"

    def draw(pool: str, count: int) -> str:
        return "".join(rng.choice(pool) for _ in range(count))

    formats = {
        "US": lambda: rng.choice("56") + draw(digits, 8),
        "DE": lambda: "C" + draw(upper + digits, 8),
        "JP": lambda: "T" + rng.choice("KRZ") + draw(digits, 7),
        "KR": lambda: "M" + draw(digits, 8),
        "GB": lambda: "5" + draw(digits, 8),
    }
    return formats.get(nationality, lambda: draw(upper, 2) + draw(digits, 7))()


def _team_specs(rng: random.Random, talents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    leaders = [
        t
        for t in talents
        if TIER_RANK[t["fields"]["tier"]] <= 1 and t["fields"]["category"] in ("professional", "management")
    ]
    by_county: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for talent in talents:
        if talent["fields"]["category"] in ("professional", "management", "skilled"):
            by_county[talent["county"]].append(talent)
    names: set[str] = set()
    specs = []
    for leader in rng.sample(leaders, TEAMS):
        industry = leader["fields"]["industry"]
        while True:
            name = rng.choice(TEAM_TOPICS[industry]) + rng.choice(TEAM_SUFFIXES)
            if name not in names:
                break
        names.add(name)
        pool = [t for t in by_county[leader["county"]] if t is not leader]
        members = rng.sample(pool, rng.randint(2, 5))
        specs.append(
            {
                "key": name,
                "leader": leader["key"],
                "members": [m["key"] for m in members],
                "fields": {
                    "name": name,
                    "org_code": leader["fields"]["org_code"],
                    "employer_code": leader["fields"]["employer_code"],
                    "industry": industry,
                },
            }
        )
    return specs


def _service_request_specs(rng: random.Random, talents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests with day offsets (from today) instead of dates: every kind in every status, the rest random."""
    kinds = [choice.value for choice in ServiceRequest.Kind]
    statuses = [choice.value for choice in ServiceRequest.Status]
    plan = [(kind, status) for kind in kinds for status in statuses]
    status_weights = {"submitted": 2, "in_progress": 2, "resolved": 5, "rejected": 1}
    while len(plan) < SERVICE_REQUESTS:
        plan.append((rng.choice(kinds), weighted(rng, status_weights)))
    seen: set[tuple[Any, str, str]] = set()
    specs = []
    for kind, status in plan:
        while True:
            talent = rng.choice(talents)
            foreigner = talent["fields"]["id_type"] != Talent.IdType.RESIDENT_ID
            template = rng.choice(FOREIGNER_REQUESTS if kind == "other" and foreigner else REQUEST_DESCRIPTIONS[kind])
            description = template.format(
                county=COUNTY_NAMES[talent["county"]], rooms=rng.choice("123"), amount=rng.choice((100, 200, 300, 500))
            )
            if (talent["key"], kind, description) not in seen:
                break
        seen.add((talent["key"], kind, description))
        if status in ("submitted", "in_progress"):
            # Some recent (within the due days), the others long overdue.
            days_ago = rng.randint(0, 10) if rng.random() < 0.4 else rng.randint(30, 300)
        else:
            days_ago = rng.randint(20, 700)
        specs.append(
            {
                "key": (talent["key"], kind, description),
                "talent": talent["key"],
                "county": talent["county"],
                "kind": kind,
                "status": status,
                "description": description,
                "days_ago": days_ago,
                "days_to_close": rng.randint(1, 45),
                "progress": rng.choice(REQUEST_PROGRESS),
                "rejection": rng.choice((*REQUEST_REJECTIONS, KIND_REJECTIONS.get(kind, REQUEST_REJECTIONS[0]))),
            }
        )
    return specs


def build_specs(
    today: datetime.date | None = None, landings: Mapping[Any, datetime.date] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The whole demo registry, the same on every call of a day (and the same records, dated otherwise, on any
    other day). ``landings`` date the arrival of talents who came with a program's project (by talent key), so
    that the registry agrees with the program's history; a date before the talent could have come is ignored."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    enterprises = _enterprise_specs(rng, figure_years(today))
    talents = _talent_specs(rng, enterprises, today)
    for spec in talents:
        landed = (landings or {}).get(spec["key"])
        if landed is not None and spec["earliest_landing"] <= landed <= today:
            spec["fields"]["landed_on"] = landed
    return {
        "enterprises": enterprises,
        "talents": talents,
        "teams": _team_specs(rng, talents),
        "service_requests": _service_request_specs(rng, talents),
    }


# ---------------------------------------------------------------------------------------------------------------
# Writing what is missing
# ---------------------------------------------------------------------------------------------------------------


def _created(actor: Actor, obj: Any, extra: dict[str, Any] | None = None) -> Any:
    changes = {k: [None, v] for k, v in snapshot(obj).items()}
    for key, value in (extra or {}).items():
        changes[key] = [None, value]
    return entry(actor, Action.CREATE, obj, changes)


@transaction.atomic
def seed_registry(
    today: datetime.date | None = None, landings: Mapping[Any, datetime.date] | None = None
) -> dict[str, int]:
    """Create the demo registry records that do not exist yet; returns how many of each were created."""
    today = today or timezone.localdate()
    specs = build_specs(today, landings)
    codes = {s["fields"]["org_code"] for kind in ("enterprises", "talents") for s in specs[kind]}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    missing = codes - set(units)
    if missing:
        raise LookupError(f"org units {sorted(missing)} are missing: seed the demo org units first")
    actor = Actor(source=Source.SYSTEM)
    audit: list[Any] = []

    # Enterprises, then the yearly figures each one lacks.
    existing = {
        e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=[s["key"] for s in specs["enterprises"]])
    }
    new_enterprises = []
    for spec in specs["enterprises"]:
        if spec["key"] not in existing:
            fields = dict(spec["fields"])
            new_enterprises.append(Enterprise(org_unit=units[fields.pop("org_code")], **fields))
    Enterprise.objects.bulk_create(new_enterprises)
    enterprises = existing | {e.credit_code: e for e in new_enterprises}
    have_years = set(
        EnterpriseYear.objects.filter(enterprise__in=list(enterprises.values())).values_list("enterprise_id", "year")
    )
    new_years = [
        EnterpriseYear(enterprise=enterprises[spec["key"]], **row)
        for spec in specs["enterprises"]
        for row in spec["years"]
        if (enterprises[spec["key"]].pk, row["year"]) not in have_years
    ]
    EnterpriseYear.objects.bulk_create(new_years)

    # Talents.
    keys = [s["key"] for s in specs["talents"]]
    existing_talents = {
        (t.id_type, t.id_number): t
        for t in Talent.objects.filter(id_number__in=[k[1] for k in keys]).select_related("org_unit")
    }
    new_talents = []
    for spec in specs["talents"]:
        if spec["key"] not in existing_talents:
            fields = dict(spec["fields"])
            unit = units[fields.pop("org_code")]
            employer_code = fields.pop("employer_code")
            new_talents.append(
                Talent(org_unit=unit, employer=enterprises[employer_code] if employer_code else None, **fields)
            )
    Talent.objects.bulk_create(new_talents)
    talents = existing_talents | {(t.id_type, t.id_number): t for t in new_talents}

    # Teams and their members.
    existing_teams = set(
        Team.objects.filter(name__in=[s["key"] for s in specs["teams"]]).values_list("name", flat=True)
    )
    new_teams: list[tuple[Team, list[Talent]]] = []
    for spec in specs["teams"]:
        if spec["key"] in existing_teams:
            continue
        fields = dict(spec["fields"])
        employer_code = fields.pop("employer_code")
        team = Team(
            leader=talents[spec["leader"]],
            org_unit=units[fields.pop("org_code")],
            employer=enterprises[employer_code] if employer_code else None,
            **fields,
        )
        new_teams.append((team, [talents[key] for key in spec["members"]]))
    Team.objects.bulk_create([team for team, _members in new_teams])
    TeamMember = Team.members.through
    TeamMember.objects.bulk_create(
        [TeamMember(team_id=team.pk, talent_id=member.pk) for team, members in new_teams for member in members]
    )

    # Service requests.
    handlers = {u.username: u for u in User.objects.filter(username__in=[*HANDLERS.values(), "admin"])}
    if "admin" not in handlers:
        raise LookupError("the demo users are missing: seed them first (they handle the service requests)")
    requested = {t.pk for t in talents.values()}
    existing_requests = set(
        ServiceRequest.objects.filter(talent_id__in=requested).values_list("talent_id", "kind", "description")
    )
    new_requests = []
    for spec in specs["service_requests"]:
        talent = talents[spec["talent"]]
        if (talent.pk, spec["kind"], spec["description"]) in existing_requests:
            continue
        landed = talent.landed_on or today
        submitted = today - datetime.timedelta(days=min(spec["days_ago"], max(0, (today - landed).days)))
        status = spec["status"]
        handler = None if status == "submitted" else handlers.get(HANDLERS.get(spec["county"], ""), handlers["admin"])
        who = (handler.display_name or handler.username) if handler else ""
        resolved_on = None
        resolution = ""
        if status == "in_progress":
            noted = min(today, submitted + datetime.timedelta(days=2))
            resolution = f"[{noted.isoformat()} {who}] {spec['progress']}".replace(" ]", "]")
        elif status in ("resolved", "rejected"):
            resolved_on = min(today, submitted + datetime.timedelta(days=spec["days_to_close"]))
            text = REQUEST_RESOLUTIONS[spec["kind"]] if status == "resolved" else f"不予办理：{spec['rejection']}"
            resolution = f"[{resolved_on.isoformat()} {who}] {text}".replace(" ]", "]")
        new_requests.append(
            ServiceRequest(
                talent=talent,
                kind=spec["kind"],
                status=status,
                handler=handler,
                submitted_on=submitted,
                resolved_on=resolved_on,
                description=spec["description"],
                resolution=resolution,
            )
        )
    ServiceRequest.objects.bulk_create(new_requests)

    audit += [_created(actor, obj) for obj in [*new_enterprises, *new_years, *new_talents]]
    audit += [_created(actor, team, {"members": [str(m) for m in members]}) for team, members in new_teams]
    audit += [_created(actor, obj) for obj in new_requests]
    record_bulk(audit)
    return {
        "enterprises": len(new_enterprises),
        "enterprise_years": len(new_years),
        "talents": len(new_talents),
        "teams": len(new_teams),
        "service_requests": len(new_requests),
    }
