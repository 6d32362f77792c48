"""Rosters of innovation platforms and their yearly figures."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, lookup, register
from talents import validators
from talents.imports import enterprise_column, org_unit_column

from .forms import platform_location_errors
from .models import Platform, PlatformYear


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
            Column("country", normalize=str.upper, validators=[validators.validate_nationality]),
            Column("recognized_on", example="2020-05-01"),
            Column("star_rating", example=3),
        ],
    )
)

register(
    ImportSpec(
        kind="platform_years",
        model=PlatformYear,
        label=_("platform yearly figures"),
        order=50,
        key=("platform", "year"),
        org_field="platform__org_unit",
        list_url="platforms:platformyear_list",
        columns=[
            Ref(
                "platform",
                header=_("platform code"),
                required=True,
                kind="code",
                resolve=lookup(Platform, "code", _("platform with code")),
                example="JX-INC-001",
            ),
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
