from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talentportal.access import get_for_user
from talentportal.audit.models import Source
from talentportal.audit.services import Actor, record_change, snapshot
from talentportal.charts import Series, bar_chart, line_chart
from talentportal.countries import country_name
from talentportal.registry.base import Column, Registry, Tab, register

from .filters import PlatformFilterSet, PlatformYearFilterSet, ResidencyFilterSet
from .forms import PlatformForm, PlatformYearForm, ResidencyForm, RevokeForm
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
        tabs=[
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


@login_required
def platform_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a platform's recognition, with the date and the reason; the change is audited."""
    platform = get_for_user(Platform.objects, request.user, pk, write=True)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if (
            form.cleaned_data["revoked_on"]
            and platform.recognized_on
            and form.cleaned_data["revoked_on"] < platform.recognized_on
        ):
            form.add_error("revoked_on", _("A platform cannot be revoked before it was recognised."))
        else:
            with transaction.atomic():
                before = snapshot(platform)
                platform.status = Platform.Status.REVOKED
                platform.revoked_on = form.cleaned_data["revoked_on"]
                platform.revoked_reason = form.cleaned_data["revoked_reason"]
                platform.save()
                record_change(Actor.from_request(request, Source.FORM), platform, before, snapshot(platform))
            messages.success(request, _("“%(platform)s” was revoked.") % {"platform": platform})
            return HttpResponseRedirect(platforms.url("detail", platform))
    return render(
        request,
        "platforms/platform_revoke.html",
        {"form": form, "object": platform, "registry": platforms, "section": "platforms"},
    )


@login_required
def platform_overview(request: HttpRequest) -> HttpResponse:
    """The leads' page: active platforms by kind and level, platforms away from home, and enterprises that
    moved on from an enclave (转化落地). Every number links to the list it counts."""
    active = Platform.objects.for_user(request.user).filter(status=Platform.Status.ACTIVE)
    cells = {(row["kind"], row["level"]): row["n"] for row in active.values("kind", "level").annotate(n=Count("id"))}
    levels = Platform.Level.choices
    table = []
    for kind, kind_label in Platform.Kind.choices:
        counts = [(level, cells.get((kind, level), 0)) for level, _label in levels]
        total = sum(n for _level, n in counts)
        if total:
            table.append({"kind": kind, "label": kind_label, "counts": counts, "total": total})
    level_totals = [
        (level, sum(cells.get((k, level), 0) for k, _l in Platform.Kind.choices)) for level, _label in levels
    ]
    away = [
        # The country is named for platforms abroad only: a city at home needs none.
        {**row, "country": country_name(row["country"]) if row["country"] not in ("", "CN") else ""}
        for row in active.exclude(location=Platform.Location.LOCAL)
        .values("location", "country", "city")
        .annotate(n=Count("id"))
        .order_by("location", "country", "city")
    ]
    moved = (
        Residency.objects.for_user(request.user)
        .filter(platform__kind=Platform.Kind.ENCLAVE, enterprise__isnull=False, until__isnull=False)
        .select_related("enterprise__org_unit", "platform")
        .order_by("-until")
    )
    platform_list = reverse("platforms:platform_list")
    chart = bar_chart(
        [str(row["label"]) for row in table],
        [
            Series(
                str(label),
                [dict(row["counts"])[level] for row in table],
                [
                    f"{platform_list}?{urlencode({'kind': row['kind'], 'level': level, 'status': 'active'})}"
                    for row in table
                ],
            )
            for level, label in levels
        ],
        stacked=True,
    )
    context = {
        "table": table,
        "levels": levels,
        "level_totals": level_totals,
        "grand_total": sum(row["total"] for row in table),
        "away": list(away),
        "moved": list(moved[:50]),
        "moved_count": moved.count(),
        "chart": chart,
        "section": "platforms",
    }
    return render(request, "platforms/overview.html", context)
