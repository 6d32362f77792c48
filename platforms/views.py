from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from talentportal.access import get_for_user
from talentportal.audit.models import Source
from talentportal.audit.services import Actor, record_change, snapshot
from talentportal.charts import Series, bar_chart
from talentportal.countries import country_name

from .forms import RevokeForm
from .models import Platform, Residency
from .registries import platforms


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
