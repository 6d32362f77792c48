"""Rosters of innovation platforms, their yearly figures and who resides in them."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, lookup, register
from talents.imports import ID_NUMBER_ALIASES, enterprise_column, nationality_code, org_unit_column, talent_column

from .forms import platform_location_errors, residency_errors, stay_clash
from .models import Platform, PlatformYear, Residency


class _Problems(dict[str, str]):
    """Collects what a form's shared check reports through ``add_error``."""

    def add_error(self, field: str, message: Any) -> None:
        self.setdefault(field, str(message))


def clean_platform(values: dict[str, Any], user: Any) -> dict[str, str]:
    problems = _Problems()
    platform_location_errors(problems, values)
    return dict(problems)


register(
    ImportSpec(
        kind="platforms",
        model=Platform,
        label=_("platforms"),
        order=40,
        key=("code",),
        list_url="platforms:platform_list",
        clean=clean_platform,
        columns=[
            Column("code", kind="code", example="JX-INC-001"),
            Column("name", example="嘉兴科技城孵化器"),
            Column("kind", example="科技企业孵化器"),
            Column("level", example="省级"),
            org_unit_column(),
            enterprise_column("host_enterprise", _("host enterprise")),
            Column("host_name"),
            Column("location", example="本地"),
            Column("city"),
            Column("country", normalize=nationality_code, example="中国"),
            Column("recognized_on", example="2020-05-01"),
            Column("star_rating", example=3),
        ],
    )
)


def platform_column() -> Ref:
    return Ref(
        "platform",
        header=_("platform code"),
        required=True,
        kind="code",
        resolve=lookup(Platform, "code", _("platform with code")),
        example="JX-INC-001",
    )


register(
    ImportSpec(
        kind="platform_years",
        model=PlatformYear,
        label=_("platform yearly figures"),
        order=50,
        key=("platform", "year"),
        list_url="platforms:platformyear_list",
        columns=[
            platform_column(),
            Column("year", aliases=("年份", "年度", "统计年度"), example=2025),
            Column("resident_talents", example=12),
            Column("resident_enterprises", example=30),
            Column("incubated_enterprises", example=8),
            Column("graduated_enterprises", example=2),
            Column("new_projects", example=5),
            Column("rd_investment", example=120),
            Column("area_m2", example=5000),
            Column("events_held", example=10),
        ],
    )
)


def clean_residency(values: dict[str, Any], user: Any) -> dict[str, str]:
    """The form's own checks: exactly one resident, and a stay that does not end before it begins."""
    resident = {"talent": values.get("talent_id"), "enterprise": values.get("enterprise_id")}
    if "talent_id" not in values or "enterprise_id" not in values:  # a resident's cell failed: which is unknown
        resident = {"talent": True, "enterprise": None}
    return residency_errors({**resident, "since": values.get("since"), "until": values.get("until")}, None)


Stay = tuple[datetime.date, datetime.date | None]


def _overlap(a: Stay, b: Stay) -> bool:
    return (b[1] is None or a[0] <= b[1]) and (a[1] is None or b[0] <= a[1])


def check_residencies(
    rows: list[tuple[dict[str, Any], dict[str, Any] | None]], user: Any, memo: dict[str, Any]
) -> dict[int, dict[str, str]]:
    """A resident's stays in one platform never overlap: neither the stored ones nor those of this file."""

    def resident(values: dict[str, Any]) -> tuple[Any, ...]:
        return values["platform_id"], values.get("talent_id"), values.get("enterprise_id")

    wanted = [resident(values) for values, _current in rows]
    stored: dict[tuple[Any, ...], list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    found = Residency.objects.filter(platform_id__in={w[0] for w in wanted}).filter(
        Q(talent_id__in={w[1] for w in wanted} - {None}) | Q(enterprise_id__in={w[2] for w in wanted} - {None})
    )
    for pk, platform, talent, enterprise, since, until in found.values_list(
        "id", "platform_id", "talent_id", "enterprise_id", "since", "until"
    ):
        stored[(platform, talent, enterprise)].append((pk, since, until))
    # The stays this file keeps, by resident (``since`` → ``until``): earlier batches' rows are stored once
    # applied, and a stored stay a row of the file names is taken as the file has it.
    in_file: dict[tuple[Any, ...], dict[datetime.date, datetime.date | None]] = memo.setdefault("stays", {})
    problems: dict[int, dict[str, str]] = {}
    for position, (values, current) in enumerate(rows):
        key = resident(values)
        stay = (values["since"], values.get("until"))
        kept = in_file.setdefault(key, {})
        others = [
            (since, until)
            for pk, since, until in stored[key]
            if since not in kept and (current is None or pk != current["id"])
        ]
        others += [(since, until) for since, until in kept.items() if since != stay[0]]
        clash = next((other for other in sorted(others, key=lambda o: o[0]) if _overlap(stay, other)), None)
        if clash is not None:
            problems[position] = {"since": stay_clash(*clash)}
        else:
            kept[stay[0]] = stay[1]
    return problems


register(
    ImportSpec(
        kind="residencies",
        model=Residency,
        label=_("residencies"),
        order=55,
        # A stay is named by its platform, its resident and the day it began.
        key=("platform", "talent", "enterprise", "since"),
        list_url="platforms:residency_list",
        clean=clean_residency,
        check=check_residencies,
        columns=[
            platform_column(),
            talent_column("talent", _("ID number"), aliases=ID_NUMBER_ALIASES),
            # A stay is a talent's or an enterprise's: the example names the talent.
            enterprise_column(
                "enterprise", _("unified social credit code"), aliases=("企业统一社会信用代码",), example=""
            ),
            Column("since", aliases=("入驻时间",), example="2024-03-01"),
            Column("until", aliases=("离开时间", "迁出日期"), example=""),
        ],
    )
)
