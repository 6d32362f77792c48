"""What the assessment reads from the platform registry: platforms recognised and active in an area, and each
platform's own yearly figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentportal.metrics import (
    AREAS,
    ITEMS,
    MONEY,
    PEOPLE,
    PLATFORM,
    Metric,
    Subject,
    Values,
    by_object,
    by_org_unit,
    choice_param,
    choices_filter,
    counted,
    list_url,
    object_ids,
    register,
    year_end,
)

from .models import Platform, PlatformQuerySet, PlatformYear

PLATFORM_PARAMS = (
    choice_param("level", _("level at or above"), Platform.Level.choices, multiple=False),
    choice_param("kind", _("kind"), Platform.Kind.choices),
    choice_param("exact_level", _("level"), Platform.Level.choices, multiple=False),
)


def platform_filter(params: dict[str, Any]) -> dict[str, Any]:
    """The platforms' filter of ``PLATFORM_PARAMS``: kinds, a level and those above it, or one level exactly."""
    where = choices_filter(params, kind="kind")
    if params.get("level"):
        ranks = list(Platform.Level.values)
        where["level__in"] = ranks[: ranks.index(params["level"]) + 1]
    if params.get("exact_level"):
        where["level"] = params["exact_level"]
    return where


def platforms_of(params: dict[str, Any]) -> PlatformQuerySet:
    platforms: PlatformQuerySet = Platform.objects.filter(**platform_filter(params))
    return platforms


def platforms_url(subject: Subject, params: dict[str, Any], **query: Any) -> str:
    return list_url(
        reverse("platforms:platform_list"),
        org_unit=subject.code,
        **query,
        level_at_least=params.get("level"),
        level=params.get("exact_level"),
        kind=params.get("kind"),
    )


def recognized_in(year: int) -> PlatformQuerySet:
    """Platforms recognised in the year, whatever became of them since."""
    return Platform.objects.recognized_in(year)


register(
    Metric(
        code="platforms.recognized",
        label=_("Platforms recognised in the year"),
        unit=ITEMS,
        groups=AREAS,
        params=PLATFORM_PARAMS,
        records_url=lambda subject, year, params: platforms_url(subject, params, recognized_year=year),
        **counted(recognized_in, platform_filter),
    )
)


def active(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """Platforms active on 31 December of the year (``PlatformQuerySet.active_at``)."""
    return by_org_unit(subjects, platforms_of(params).active_at(year_end(year)))


register(
    Metric(
        code="platforms.active",
        label=_("Active platforms at the end of the year"),
        unit=ITEMS,
        groups=AREAS,
        params=PLATFORM_PARAMS,
        compute=active,
        records_url=lambda subject, year, params: platforms_url(subject, params, active_year=year),
    )
)


# The platform group: each platform's own figures of the year (0 where it has not reported that year); the
# link is the figures' row.


def platform_figure(field: str) -> Any:
    def compute(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
        rows = PlatformYear.objects.filter(year=year, platform_id__in=object_ids(subjects, PLATFORM))
        return by_object(subjects, PLATFORM, rows.values_list("platform_id", field), Decimal(0))

    return compute


def figures_url(subject: Subject, year: int, params: dict[str, Any]) -> str:
    return list_url(reverse("platforms:platformyear_list"), platform=subject.object_id, year=year)


for field, label, unit in [
    ("resident_talents", _("Resident talents"), PEOPLE),
    ("resident_enterprises", _("Resident enterprises"), ITEMS),
    ("incubated_enterprises", _("Incubated enterprises"), ITEMS),
    ("graduated_enterprises", _("Graduated enterprises"), ITEMS),
    ("new_projects", _("New projects"), ITEMS),
    ("rd_investment", _("R&D investment"), MONEY),
    ("events_held", _("Events held"), ITEMS),
]:
    register(
        Metric(
            code=f"platform.{field}",
            label=label,
            unit=unit,
            groups=(PLATFORM,),
            compute=platform_figure(field),
            records_url=figures_url,
        )
    )
