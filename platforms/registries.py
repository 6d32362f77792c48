"""The platform and residency registries: their pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from talentportal.charts import Series, line_chart
from talentportal.registry.base import Column, Registry, Tab, register

from .filters import PlatformFilterSet, PlatformYearFilterSet, ResidencyFilterSet
from .forms import PlatformForm, PlatformYearForm, ResidencyForm
from .models import Platform, PlatformYear, Residency


def figures_context(request: HttpRequest, platform: Platform) -> dict[str, Any]:
    years = list(PlatformYear.objects.filter(platform=platform).order_by("year"))
    names = ["resident_talents", "resident_enterprises", "incubated_enterprises"]
    labels = {name: str(getattr(PlatformYear._meta.get_field(name), "verbose_name", name)) for name in names}
    chart = line_chart(
        [str(y.year) for y in years], [Series(labels[name], [getattr(y, name) for y in years]) for name in names]
    )
    return {
        "figures": years,
        "chart": chart,
        "can_add_year": Platform.objects.editable_by(request.user).filter(id=platform.pk).exists(),
    }


def residents_context(request: HttpRequest, platform: Platform) -> dict[str, Any]:
    stays = Residency.objects.filter(platform=platform).select_related("talent", "enterprise")
    current = [s for s in stays if s.is_current]
    return {"current_residents": current, "past_residents": [s for s in stays if not s.is_current]}


def host_of(platform: Platform) -> str:
    return (
        platform.host_enterprise.name
        if platform.host_enterprise_id and platform.host_enterprise
        else platform.host_name
    )


platforms = register(
    Registry(
        model=Platform,
        namespace="platforms",
        url_prefix="platforms",
        name="platform",
        section="platforms",
        filterset_class=PlatformFilterSet,
        form_class=PlatformForm,
        columns=[
            Column("name", link=True),
            Column("code"),
            Column("kind"),
            Column("level"),
            Column(
                "host_name",
                label=gettext_lazy("host organisation"),
                value=host_of,
                sortable=False,
                url=lambda p: p.host_enterprise.get_absolute_url() if p.host_enterprise_id else None,
            ),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("location"),
            Column("city", sortable=False),
            Column("country", sortable=False),
            Column("recognized_on"),
            Column("star_rating"),
            Column("status"),
            Column("revoked_on"),
            Column("revoked_reason", sortable=False),
        ],
        list_columns=[
            "name",
            "kind",
            "level",
            "host_name",
            "org_unit__name",
            "location",
            "city",
            "star_rating",
            "status",
        ],
        own_tabs=[
            Tab("figures", gettext_lazy("Figures by year"), "platforms/_figures.html", figures_context),
            Tab("residents", gettext_lazy("Residents"), "platforms/_residents.html", residents_context),
        ],
        actions=[(gettext_lazy("Revoke"), "platforms:platform_revoke", "bi-x-octagon")],
        default_ordering=("-id",),
        select_related=("org_unit", "host_enterprise"),
    )
)

platform_years = register(
    Registry(
        model=PlatformYear,
        namespace="platforms",
        url_prefix="platform-years",
        name="platformyear",
        section="platforms",
        filterset_class=PlatformYearFilterSet,
        form_class=PlatformYearForm,
        columns=[
            Column("platform__name", label=gettext_lazy("platform"), link=True),
            Column("year"),
            Column("resident_talents"),
            Column("resident_enterprises"),
            Column("incubated_enterprises"),
            Column("graduated_enterprises"),
            Column("new_projects"),
            Column("rd_investment"),
            Column("area_m2"),
            Column("events_held"),
        ],
        default_ordering=("-year", "-id"),
        select_related=("platform",),
    )
)


def resident_name(stay: Residency) -> str:
    return str(stay.resident or "")


residencies = register(
    Registry(
        model=Residency,
        namespace="platforms",
        url_prefix="residencies",
        name="residency",
        section="platforms",
        filterset_class=ResidencyFilterSet,
        form_class=ResidencyForm,
        columns=[
            Column("talent__name", label=gettext_lazy("resident"), value=resident_name, link=True, sortable=False),
            Column("platform__name", label=gettext_lazy("platform"), order_by="platform__name"),
            Column("since"),
            Column("until"),
        ],
        default_ordering=("-since", "-id"),
        select_related=("platform", "talent", "enterprise"),
    )
)
