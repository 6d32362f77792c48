"""The rosters counties send in for the talent registry: talents, their teams, enterprises and enterprises' yearly
figures; and the references other apps' rosters share (a talent by ID number, a team by name and leader)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.countries import country_code
from talentportal.jobs.importing import cells
from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, Resolved, lookup, register, resolve_org_units
from talentportal.jobs.importing.vocabulary import ORG_UNIT_HEADERS

from . import validators
from .models import Enterprise, EnterpriseYear, Talent, Team

ORG_UNIT_HELP = _("the unit's name or code, e.g. 南湖区 or 330402")
CREDIT_CODE_HELP = _("the enterprise's 18-character unified social credit code")
ID_NUMBER_HELP = _("the talent's ID number, as registered")
ID_NUMBERS_HELP = _("the talents' ID numbers, separated by 、 , ; / or one per line")
MONTH_ONLY = _("“%(value)s” gives the year and month only; enter the full date of birth, e.g. 1985-06-15.")
NOT_A_COUNTRY = _(
    "“%(value)s” is not a country or region: write its name (e.g. 中国, 美国, Germany) or its two-letter code (CN)."
)

# -- the words rosters use besides the labels and codes (see talentportal.jobs.importing.vocabulary) ------------
# Headers.
ID_NUMBER_ALIASES = (
    "身份证号码",
    "身份证号",
    "公民身份号码",
    "公民身份证号码",
    "身份证件号码",
    "证件号",
    "人才证件号码",
)
BIRTH_DATE_ALIASES = ("出生年月", "出生年月日", "生日")
RETURNEE_ALIASES = ("是否海归", "海归", "是否留学归国", "是否留学归国人员", "留学回国")
DEGREE_ALIASES = ("学历", "文化程度", "学历学位", "最高学历学位")
EMPLOYER_NAME_ALIASES = ("单位名称", "工作单位名称", "所在单位", "单位")
MOBILE_ALIASES = ("手机", "手机号", "移动电话")
CONTACT_PHONE_ALIASES = ("电话", "电话号码", "联系方式")
# Values, by the code they stand for.
ID_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    Talent.IdType.RESIDENT_ID: ("身份证", "二代身份证", "居民身份证号码"),
    Talent.IdType.HK_MACAU_PERMIT: ("港澳通行证", "港澳居民来往内地通行证", "回乡证"),
    Talent.IdType.TAIWAN_PERMIT: ("台胞证", "台湾居民来往大陆通行证"),
    Talent.IdType.FOREIGN_PERMANENT_ID: ("外国人永久居留证", "外国人永久居留身份证", "永久居留证"),
}
GENDER_SPELLINGS: dict[str, tuple[str, ...]] = {
    Talent.Gender.MALE: ("男性", "M"),
    Talent.Gender.FEMALE: ("女性", "F"),
}
DEGREE_SPELLINGS: dict[str, tuple[str, ...]] = {
    Talent.Degree.DOCTORATE: ("博士研究生", "研究生（博士）", "博士学位", "PhD", "Ph.D."),
    Talent.Degree.MASTER: ("硕士研究生", "研究生", "研究生（硕士）", "硕士学位"),
    Talent.Degree.BACHELOR: ("大学本科", "本科学历", "学士", "学士学位"),
    Talent.Degree.COLLEGE: ("专科", "大学专科", "大专学历", "高职", "高职高专"),
    Talent.Degree.OTHER: ("中专", "中专及以下", "中技", "技校", "高中", "高中及以下", "初中", "初中及以下"),
}
CATEGORY_SPELLINGS: dict[str, tuple[str, ...]] = {
    Talent.Category.PARTY_GOV: ("党政", "党政干部"),
    Talent.Category.MANAGEMENT: ("经管", "经管人才", "经营管理", "企业经营管理人才"),
    Talent.Category.PROFESSIONAL: ("专技", "专技人才", "专业技术", "专业技术人员"),
    Talent.Category.SKILLED: ("高技能", "技能人才"),
    Talent.Category.RURAL: ("农村实用", "农村人才"),
    Talent.Category.SOCIAL_WORK: ("社工", "社工人才", "社会工作", "社会工作人才"),
}
TIER_SPELLINGS: dict[str, tuple[str, ...]] = {
    Talent.Tier.TOP: ("顶尖",),
    Talent.Tier.NATIONAL_LEADING: ("国家级领军", "国家领军", "国家领军人才"),
    Talent.Tier.PROVINCIAL_LEADING: ("省级领军", "省领军", "省领军人才"),
    Talent.Tier.MUNICIPAL_LEADING: ("市级领军", "市领军", "市领军人才"),
    Talent.Tier.YOUTH: ("青年", "青年英才"),
}
ENTERPRISE_NAME_ALIASES = ("单位名称", "企业", "公司名称")


def org_unit_column() -> Ref:
    return Ref(
        "org_unit",
        header=_("region"),
        aliases=(_("org unit"), *ORG_UNIT_HEADERS),
        required=True,
        resolve=resolve_org_units,
        help=ORG_UNIT_HELP,
        example="南湖区",
    )


def enterprise_column(
    name: str, header: Any, required: bool = False, aliases: tuple[Any, ...] = (), example: Any = "91330402MA2B3C4D53"
) -> Ref:
    return Ref(
        name,
        header=header,
        aliases=aliases,
        required=required,
        kind="code",
        resolve=lookup(Enterprise, "credit_code", _("enterprise with credit code"), validators.normalize_credit_code),
        help=CREDIT_CODE_HELP,
        example=example,
    )


def talent_column(
    name: str,
    header: Any,
    required: bool = False,
    aliases: tuple[Any, ...] = (),
    many: bool = False,
    read_as: Any = None,
    example: Any = "330402198001011236",
) -> Ref:
    """A talent (or, with ``many``, several) named by ID number, within the importer's scope."""
    return Ref(
        name,
        header=header,
        aliases=aliases,
        required=required,
        kind="code",
        many=many,
        read_as=read_as,
        resolve=lookup(Talent, "id_number", _("talent with ID number"), validators.normalize_id_number),
        help=ID_NUMBERS_HELP if many else ID_NUMBER_HELP,
        example=example,
    )


def resolve_teams(user: Any, raws: set[Any]) -> Resolved:
    """Teams by (leader's id, name); a team of another county is answered with that county's name only."""
    complete = {raw for raw in raws if None not in raw}
    found = {
        (team.leader_id, team.name): team
        for team in Team.objects.filter(
            leader_id__in={leader for leader, _name in complete}, name__in={name for _leader, name in complete}
        ).select_related("org_unit")
    }
    visible = set(
        Team.objects.for_user(user).filter(pk__in=[t.pk for t in found.values()]).values_list("pk", flat=True)
    )
    answers: Resolved = {}
    for raw in raws:
        team = found.get(raw)
        if raw not in complete:
            answers[raw] = gettext("Give both the team's name and its leader's ID number.")
        elif team is None:
            answers[raw] = gettext("No team “%(name)s” led by this talent is registered; register the team first.") % {
                "name": raw[1]
            }
        elif team.pk in visible:
            answers[raw] = (team.pk, team.name)
        else:
            answers[raw] = gettext("Team “%(name)s” is registered by %(county)s, outside your scope.") % {
                "name": team.name,
                "county": team.org_unit.registering_county().name,
            }
    return answers


def team_columns(read_as: Any = None) -> list[Any]:
    """A team named by its leader's ID number and its name (two cells); ``read_as`` when the kind does not
    store it (a tranche roster names the selection's team only to find the selection)."""
    return [
        talent_column(
            "team_leader",
            _("team leader's ID number"),
            aliases=("团队带头人证件号码", "带头人证件号码", "带头人身份证号码"),
            read_as=Team._meta.get_field("leader"),
            example="",
        ),
        Column("team_name", read_as=Team._meta.get_field("name"), required=False, aliases=("团队名",)),
        Ref("team", over=("team_leader", "team_name"), resolve=resolve_teams, read_as=read_as),
    ]


def nationality_code(value: str) -> str:
    """A nationality cell, by the country's name in Chinese or English or by its code, as the code."""
    code = country_code(value)
    if code is None:
        raise cells.CellError(NOT_A_COUNTRY % {"value": value})
    return code


def clean_talent(values: dict[str, Any], user: Any) -> dict[str, str]:
    """The form's identity checks; a resident ID also gives the birth date and gender when their cells are empty
    or the roster has no such column, and the day of a birth date given to the month only (出生年月 1985.06).
    Nothing is checked against a type or number whose own cell failed."""
    month = values.get("birth_date")
    if isinstance(month, cells.YearMonth):
        values["birth_date"] = None
    if "id_type" not in values or "id_number" not in values:
        return {}
    id_type = values["id_type"] or Talent.IdType.RESIDENT_ID
    identity = (id_type, values["id_number"], values.get("birth_date"), values.get("gender"))
    problems = validators.identity_errors(*identity)
    if problems:
        return problems
    derived = validators.identity_from_id(*identity)
    if isinstance(month, cells.YearMonth):
        born = derived.get("birth_date")
        if born is None:
            return {"birth_date": str(MONTH_ONLY) % {"value": month}}
        if (born.year, born.month) != (month.year, month.month):
            return {"birth_date": str(validators.BIRTH_DATE_MISMATCH) % {"implied": born.isoformat(), "given": month}}
    values.update(derived)
    return {}


def adjust_talent(values: dict[str, Any], current: dict[str, Any] | None, label: Any) -> None:
    """A linked enterprise's name read back as 工作单位 changes nothing; a 联系电话 goes where it fits."""
    if current and current.get("employer_id") and not current.get("employer_name"):
        if values.get("employer_name") == label("employer_id", current["employer_id"]):
            values["employer_name"] = ""
    place_contact_phone(values, current)


def place_contact_phone(values: dict[str, Any], current: dict[str, Any] | None) -> None:
    """联系电话 takes a mobile or a landline. A mobile is the talent's mobile phone unless 手机号码 gives another; a
    talent record has no field for any other number, so it is kept in the notes (once, however often the roster
    is imported again)."""
    number = values.get("contact_phone")
    if not number or number == values.get("phone"):
        return
    if validators.is_mobile(number) and not values.get("phone"):
        values["phone"] = number
        return
    notes = values["notes"] if "notes" in values else (current or {}).get("notes", "")
    if number not in notes:
        with translation.override(settings.LANGUAGE_CODE):
            line = f"{Enterprise._meta.get_field('contact_phone').verbose_name}：{number}"
        values["notes"] = f"{notes}\n{line}" if notes else line


register(
    ImportSpec(
        kind="talents",
        model=Talent,
        label=_("talents"),
        order=10,
        key=("id_type", "id_number"),
        list_url="talents:talent_list",
        clean=clean_talent,
        adjust=adjust_talent,
        columns=[
            Column("name", header=_("full name"), aliases=(_("name"),), example="张伟"),
            Column("id_type", aliases=("证件种类",), spellings=ID_TYPE_SPELLINGS, example="居民身份证"),
            Column(
                "id_number",
                kind="code",
                aliases=ID_NUMBER_ALIASES,
                normalize=validators.normalize_id_number,
                example="330402198001011236",
            ),
            Column("gender", spellings=GENDER_SPELLINGS, example="男"),
            Column("birth_date", aliases=BIRTH_DATE_ALIASES, months=True, example="1980-01-01"),
            Column("nationality", normalize=nationality_code, example="中国"),
            Column("is_returnee", aliases=RETURNEE_ALIASES, example="是"),
            Column("highest_degree", aliases=DEGREE_ALIASES, spellings=DEGREE_SPELLINGS, example="博士研究生"),
            Column("graduated_from", example="浙江大学"),
            Column("position_title", example="首席科学家"),
            Column("category", aliases=("人才类型",), spellings=CATEGORY_SPELLINGS, example="专业技术人才"),
            Column("tier", aliases=("人才层级",), spellings=TIER_SPELLINGS, example="市级领军人才"),
            Column("recruitment_mode", example="全职引进"),
            Column("industry", example="数字经济"),
            org_unit_column(),
            Column(
                "employer_name",
                aliases=(_("employer (enterprise)"), *EMPLOYER_NAME_ALIASES),
                example="嘉兴某科技有限公司",
            ),
            enterprise_column("employer", _("employer credit code")),
            Column(
                "phone",
                kind="code",
                aliases=MOBILE_ALIASES,
                normalize=validators.normalize_phone,
                example="13800000000",
            ),
            # A mobile or a landline: ``adjust_talent`` puts it where it fits.
            Column(
                "contact_phone",
                kind="code",
                aliases=CONTACT_PHONE_ALIASES,
                normalize=validators.normalize_phone,
                read_as=Enterprise._meta.get_field("contact_phone"),
                required=False,
            ),
            Column("email", example="zhang@example.com"),
            Column("landed_on", example="2024-03-01"),
            Column("notes"),
        ],
    )
)

register(
    ImportSpec(
        kind="enterprises",
        model=Enterprise,
        label=_("enterprises"),
        order=20,
        key=("credit_code",),
        list_url="talents:enterprise_list",
        columns=[
            Column("name", aliases=ENTERPRISE_NAME_ALIASES, example="嘉兴某科技有限公司"),
            Column(
                "credit_code",
                kind="code",
                normalize=validators.normalize_credit_code,
                example="91330402MA2B3C4D53",
            ),
            org_unit_column(),
            Column("industry", example="数字经济"),
            Column("founded_on", example="2018-06-01"),
            Column("registered_capital", example=1000),
            Column("is_talent_enterprise", example="是"),
            Column("listing", example="未上市"),
            Column("address"),
            Column("contact_name"),
            Column("contact_phone", kind="code", aliases=CONTACT_PHONE_ALIASES, normalize=validators.normalize_phone),
        ],
    )
)

register(
    ImportSpec(
        kind="enterprise_years",
        model=EnterpriseYear,
        label=_("enterprise yearly figures"),
        order=30,
        key=("enterprise", "year"),
        list_url="talents:enterpriseyear_list",
        columns=[
            enterprise_column("enterprise", _("unified social credit code"), required=True),
            Column("year", aliases=("年份", "年度", "统计年度"), example=2025),
            Column("revenue", example=5200),
            Column("tax_paid", example=310),
            Column("rd_expense", example=460),
            Column("employees", example=120),
            Column("invention_patents", example=8),
            Column("financing_raised", example=0),
        ],
    )
)

register(
    ImportSpec(
        kind="teams",
        model=Team,
        label=_("teams"),
        order=15,
        # What names a team on a roster: its name and its leader (a leader may lead more than one team).
        key=("name", "leader"),
        list_url="talents:team_list",
        columns=[
            Column("name", aliases=("团队名",), example="嘉兴智能传感创新团队"),
            talent_column(
                "leader",
                _("team leader's ID number"),
                required=True,
                aliases=("团队带头人证件号码", "带头人证件号码", "带头人身份证号码"),
            ),
            talent_column(
                "members",
                _("members' ID numbers"),
                many=True,
                aliases=("团队成员证件号码", "成员证件号码", "团队成员身份证号码"),
                example="33040219860505021X、330402199003030427",
            ),
            org_unit_column(),
            enterprise_column("employer", _("employer credit code")),
            Column("industry", example="数字经济"),
        ],
    )
)
