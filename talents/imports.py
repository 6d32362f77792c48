"""The rosters counties send in for the talent registry: talents, enterprises and enterprises' yearly figures."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, lookup, register, resolve_org_units

from . import validators
from .models import Enterprise, EnterpriseYear, Talent

ORG_UNIT_HELP = _("the unit's name or code, e.g. 南湖区 or 330402")
CREDIT_CODE_HELP = _("the enterprise's 18-character unified social credit code")


def org_unit_column() -> Ref:
    return Ref(
        "org_unit",
        header=_("region"),
        aliases=(_("org unit"), "所属单位", "所属地区", "区域"),
        required=True,
        resolve=resolve_org_units,
        help=ORG_UNIT_HELP,
        example="南湖区",
    )


def enterprise_column(name: str, header: Any, required: bool = False, aliases: tuple[Any, ...] = ()) -> Ref:
    return Ref(
        name,
        header=header,
        aliases=aliases,
        required=required,
        kind="code",
        resolve=lookup(Enterprise, "credit_code", _("enterprise with credit code"), validators.normalize_credit_code),
        help=CREDIT_CODE_HELP,
        example="91330402MA2B3C4D5X",
    )


def clean_talent(values: dict[str, Any], user: Any) -> dict[str, str]:
    """The form's identity checks; a resident ID also fills in an empty birth date and gender."""
    id_type = values.get("id_type") or Talent.IdType.RESIDENT_ID
    problems = validators.identity_errors(id_type, values["id_number"], values.get("birth_date"), values.get("gender"))
    if not problems and id_type == Talent.IdType.RESIDENT_ID:
        if "birth_date" in values and values["birth_date"] is None:
            values["birth_date"] = validators.resident_id_birth_date(values["id_number"])
        if "gender" in values and not values["gender"]:
            values["gender"] = validators.resident_id_gender(values["id_number"])
    return problems


def keep_linked_employer(values: dict[str, Any], current: dict[str, Any] | None, label: Any) -> None:
    """An exported roster shows a linked enterprise's name as 工作单位: reading it back changes nothing."""
    if current and current.get("employer_id") and not current.get("employer_name"):
        if values.get("employer_name") == label("employer_id", current["employer_id"]):
            values["employer_name"] = ""


register(
    ImportSpec(
        kind="talents",
        model=Talent,
        label=_("talents"),
        order=10,
        key=("id_type", "id_number"),
        list_url="talents:talent_list",
        clean=clean_talent,
        adjust=keep_linked_employer,
        columns=[
            Column("name", header=_("full name"), aliases=(_("name"),), example="张伟"),
            Column("id_type", example="居民身份证"),
            Column("id_number", kind="code", normalize=validators.normalize_id_number, example="330402198001011236"),
            Column("gender", example="男"),
            Column("birth_date", example="1980-01-01"),
            Column("nationality", normalize=str.upper, example="CN"),
            Column("is_returnee", example="是"),
            Column("highest_degree", example="博士研究生"),
            Column("graduated_from", example="浙江大学"),
            Column("position_title", example="首席科学家"),
            Column("category", example="专业技术人才"),
            Column("tier", example="市级领军人才"),
            Column("recruitment_mode", example="全职引进"),
            Column("industry", example="数字经济"),
            org_unit_column(),
            Column("employer_name", aliases=(_("employer (enterprise)"),), example="嘉兴某科技有限公司"),
            enterprise_column("employer", _("employer credit code")),
            Column("phone", kind="code", normalize=validators.normalize_phone, example="13800000000"),
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
            Column("name", example="嘉兴某科技有限公司"),
            Column(
                "credit_code",
                kind="code",
                normalize=validators.normalize_credit_code,
                example="91330402MA2B3C4D5X",
            ),
            org_unit_column(),
            Column("industry", example="数字经济"),
            Column("founded_on", example="2018-06-01"),
            Column("registered_capital", example=1000),
            Column("is_talent_enterprise", example="是"),
            Column("listing", example="未上市"),
            Column("address"),
            Column("contact_name"),
            Column("contact_phone", kind="code", normalize=validators.normalize_phone),
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
        org_field="enterprise__org_unit",
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
