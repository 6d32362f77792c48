"""What the assessment reads from the talent registry: talents and teams landed, service requests answered in
time, talent enterprises' size and listing, and each talent enterprise's own yearly figures."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentportal.metrics import (
    AREAS,
    ENTERPRISE,
    ITEMS,
    MONEY,
    PEOPLE,
    PERCENT,
    Metric,
    Param,
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
    sums_by_org_unit,
    year_end,
)

from .models import Enterprise, EnterpriseYear, ServiceRequest, ServiceRequestQuerySet, Talent, TalentTally, Team

CENT = Decimal("0.01")


def landed_filter(params: dict[str, Any]) -> dict[str, Any]:
    return choices_filter(params, tier="tier", category="category", recruitment_mode="recruitment_mode")


def talents_landed_url(subject: Subject, year: int, params: dict[str, Any]) -> str:
    return list_url(
        reverse("talents:talent_list"),
        org_unit=subject.code,
        landed_year=year,
        tier=params.get("tier"),
        category=params.get("category"),
        recruitment_mode=params.get("recruitment_mode"),
    )


register(
    Metric(
        code="talents.landed",
        label=_("Talents landed in the year"),
        unit=PEOPLE,
        groups=AREAS,
        params=(
            choice_param("tier", _("talent tier"), Talent.Tier.choices),
            choice_param("category", _("talent category"), Talent.Category.choices),
            choice_param("recruitment_mode", _("recruitment mode"), Talent.RecruitmentMode.choices),
        ),
        records_url=talents_landed_url,
        **counted(TalentTally.objects.landed_in, landed_filter, summed="n"),
    )
)


def teams_landed(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """A team has no date of its own (its record's creation date is when someone typed it in): it lands when
    its leader lands, and counts for the team's own unit."""
    return by_org_unit(subjects, Team.objects.landed_between(datetime.date(year, 1, 1), year_end(year)))


register(
    Metric(
        code="talents.teams_landed",
        label=_("Teams landed in the year (by their leader's landing)"),
        unit=ITEMS,
        groups=AREAS,
        compute=teams_landed,
        records_url=lambda subject, year, params: list_url(
            reverse("talents:team_list"), org_unit=subject.code, landed_year=year
        ),
    )
)

DAYS = Param("days", _("days allowed to resolve"), kind="int", multiple=False, default=30)


def resolved_counts(
    subjects: Sequence[Subject], year: int, days: int, requests: ServiceRequestQuerySet | None = None
) -> dict[int, dict[str, Any]]:
    """Per subject, the requests (of ``requests``, all by default) resolved in the year and those of them resolved
    within ``days`` of being accepted: one grouped query."""
    on_time = Count("id", filter=ServiceRequest.objects.closed_within(days))
    resolved = (ServiceRequest.objects.all() if requests is None else requests).resolved_in(year)
    return sums_by_org_unit(subjects, resolved, resolved=Count("id"), on_time=on_time)


def on_time_share(counts: dict[str, Any]) -> Decimal:
    """The share (%) of ``resolved_counts`` resolved on time; 0 where none was resolved."""
    if not counts["resolved"]:
        return Decimal(0)
    share: Decimal = (100 * Decimal(counts["on_time"]) / counts["resolved"]).quantize(CENT, ROUND_HALF_UP)
    return share


def requests_resolved_on_time(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """The share (%) of the requests resolved in the year that were resolved within ``days`` of being accepted;
    0 where none was resolved. Declined requests are not resolutions and are left out."""
    return {subject_id: on_time_share(n) for subject_id, n in resolved_counts(subjects, year, params["days"]).items()}


register(
    Metric(
        code="talents.requests_resolved_on_time",
        label=_("Service requests resolved on time"),
        unit=PERCENT,
        groups=AREAS,
        params=(DAYS,),
        compute=requests_resolved_on_time,
        # The share's base: the requests resolved in the year.
        records_url=lambda subject, year, params: list_url(
            reverse("talents:servicerequest_list"), org_unit=subject.code, status="resolved", resolved_year=year
        ),
    )
)


def requests_open(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """Requests still open at the end of the year (``ServiceRequestQuerySet.open_at_end_of``)."""
    return by_org_unit(subjects, ServiceRequest.objects.open_at_end_of(year))


register(
    Metric(
        code="talents.requests_open",
        label=_("Service requests open at the end of the year"),
        unit=ITEMS,
        groups=AREAS,
        compute=requests_open,
        records_url=lambda subject, year, params: list_url(
            reverse("talents:servicerequest_list"), org_unit=subject.code, open_year=year
        ),
    )
)

OVERDUE_DAYS = Param("days", _("days allowed to resolve"), kind="int", multiple=False)


def requests_overdue(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """Requests overdue in the year (``ServiceRequestQuerySet.overdue_in``); ``days`` defaults to the portal's
    own deadline (``SERVICE_REQUEST_DUE_DAYS``), the one the queue marks requests overdue by."""
    days = params.get("days", settings.SERVICE_REQUEST_DUE_DAYS)
    return by_org_unit(subjects, ServiceRequest.objects.overdue_in(year, days))


register(
    Metric(
        code="talents.requests_overdue",
        label=_("Service requests overdue"),
        unit=ITEMS,
        groups=AREAS,
        params=(OVERDUE_DAYS,),
        compute=requests_overdue,
        records_url=lambda subject, year, params: list_url(
            reverse("talents:servicerequest_list"),
            org_unit=subject.code,
            overdue_year=year,
            due_days=params.get("days", settings.SERVICE_REQUEST_DUE_DAYS),
        ),
    )
)


def talent_enterprise_figures(year: int) -> QuerySet[EnterpriseYear]:
    return EnterpriseYear.objects.filter(year=year, enterprise__is_talent_enterprise=True)


def revenue_filter(params: dict[str, Any]) -> dict[str, Any]:
    return {"revenue__gte": params["amount"]}


register(
    Metric(
        code="enterprises.revenue_at_least",
        label=_("Talent enterprises with revenue at least"),
        unit=ITEMS,
        groups=AREAS,
        params=(Param("amount", _("revenue at least (10k yuan)"), kind="decimal", multiple=False, default=0),),
        **counted(talent_enterprise_figures, revenue_filter),
        records_url=lambda subject, year, params: list_url(
            reverse("talents:enterpriseyear_list"),
            org_unit=subject.code,
            year=year,
            talent_enterprise="true",
            min_revenue=params["amount"],
        ),
    )
)


def listed(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """Talent enterprises listed on any market: the registry keeps today's listing only, so the year does not
    change the number."""
    enterprises = Enterprise.objects.filter(is_talent_enterprise=True).exclude(listing=Enterprise.Listing.NONE)
    return by_org_unit(subjects, enterprises)


register(
    Metric(
        code="enterprises.listed",
        label=_("Listed talent enterprises"),
        unit=ITEMS,
        groups=AREAS,
        compute=listed,
        records_url=lambda subject, year, params: list_url(
            reverse("talents:enterprise_list"), org_unit=subject.code, is_talent_enterprise="true", listed="true"
        ),
    )
)


# The enterprise group: each talent enterprise's own figures of the year; ``None`` (no figure) where it has
# not reported that year.


def figures_url(subject: Subject, year: int, params: dict[str, Any]) -> str:
    return list_url(reverse("talents:enterpriseyear_list"), enterprise=subject.object_id, year=year)


def enterprise_figure(field: str) -> Any:
    def compute(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
        rows = EnterpriseYear.objects.filter(year=year, enterprise_id__in=object_ids(subjects, ENTERPRISE))
        return by_object(subjects, ENTERPRISE, rows.values_list("enterprise_id", field), None)

    return compute


for code, label, unit in [
    ("revenue", _("Revenue"), MONEY),
    ("tax_paid", _("Tax paid"), MONEY),
    ("invention_patents", _("Invention patents"), ITEMS),
    ("employees", _("Employees"), PEOPLE),
]:
    register(
        Metric(
            code=f"enterprise.{code}",
            label=label,
            unit=unit,
            groups=(ENTERPRISE,),
            compute=enterprise_figure(code),
            records_url=figures_url,
        )
    )


def rd_intensity(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """R&D expense as a share (%) of revenue; no figure when the revenue is 0."""
    rows = EnterpriseYear.objects.filter(year=year, enterprise_id__in=object_ids(subjects, ENTERPRISE))
    shares = {
        enterprise: (Decimal(100) * expense / revenue).quantize(CENT, ROUND_HALF_UP) if revenue else None
        for enterprise, expense, revenue in rows.values_list("enterprise_id", "rd_expense", "revenue")
    }
    return by_object(subjects, ENTERPRISE, shares.items(), None)


register(
    Metric(
        code="enterprise.rd_intensity",
        label=_("R&D intensity"),
        unit=PERCENT,
        groups=(ENTERPRISE,),
        compute=rd_intensity,
        records_url=figures_url,
    )
)


def revenue_growth(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """Revenue growth (%) on the year before; no figure when either year is missing or last year's is 0."""
    rows = EnterpriseYear.objects.filter(year__in=[year - 1, year], enterprise_id__in=object_ids(subjects, ENTERPRISE))
    revenue = {
        (enterprise, y): amount for enterprise, y, amount in rows.values_list("enterprise_id", "year", "revenue")
    }
    growth = {}
    for subject in subjects:
        now, before = revenue.get((subject.object_id, year)), revenue.get((subject.object_id, year - 1))
        if now is not None and before:
            growth[subject.object_id] = (Decimal(100) * (now - before) / before).quantize(CENT, ROUND_HALF_UP)
    return by_object(subjects, ENTERPRISE, growth.items(), None)


register(
    Metric(
        code="enterprise.revenue_growth",
        label=_("Revenue growth"),
        unit=PERCENT,
        groups=(ENTERPRISE,),
        compute=revenue_growth,
    )
)
