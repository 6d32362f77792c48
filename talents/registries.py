"""The talent, enterprise, team and service request registries: their pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talentportal.audit.services import snapshot
from talentportal.charts import Series, line_chart
from talentportal.registry.base import Column, Registry, Tab, register

from .filters import (
    EnterpriseFilterSet,
    EnterpriseYearFilterSet,
    ServiceRequestFilterSet,
    TalentFilterSet,
    TeamFilterSet,
)
from .forms import EnterpriseForm, EnterpriseYearForm, ServiceRequestForm, TalentForm, TeamForm
from .models import TALENT_FIELDS, Enterprise, EnterpriseYear, ServiceRequest, Talent, Team


def talent_team_context(request: HttpRequest, talent: Talent) -> dict[str, Any]:
    teams = Team.objects.for_user(request.user).filter(Q(leader=talent) | Q(members=talent)).distinct()
    return {"teams": teams.select_related("leader", "employer")}


def talent_requests_context(request: HttpRequest, talent: Talent) -> dict[str, Any]:
    return {
        "service_requests": ServiceRequest.objects.for_user(request.user)
        .filter(talent=talent)
        .select_related("handler")
    }


def talent_employer_context(request: HttpRequest, talent: Talent) -> dict[str, Any]:
    enterprise = Enterprise.objects.for_user(request.user).filter(id=talent.employer_id or 0).first()
    return enterprise_figures_context(request, enterprise) if enterprise else {"figures_enterprise": None}


def enterprise_figures_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    years = list(EnterpriseYear.objects.filter(enterprise=enterprise).order_by("year"))
    chart = line_chart(
        [str(y.year) for y in years],
        [
            Series(str(gettext_lazy("revenue (10k yuan)")), [y.revenue for y in years]),
            Series(str(gettext_lazy("tax paid (10k yuan)")), [y.tax_paid for y in years]),
            Series(str(gettext_lazy("R&D expense (10k yuan)")), [y.rd_expense for y in years]),
        ],
        money=True,
    )
    return {
        "figures_enterprise": enterprise,
        "figures": years,
        "chart": chart,
        "can_add_year": Enterprise.objects.editable_by(request.user).filter(pk=enterprise.pk).exists(),
    }


def enterprise_talents_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    talents = Talent.objects.for_user(request.user).filter(employer=enterprise).select_related("org_unit")
    return {"employed": talents[:200], "employed_count": talents.count()}


def employer_of(talent: Talent) -> str:
    return talent.employer_display


talents = register(
    Registry(
        model=Talent,
        namespace="talents",
        url_prefix="talents",
        name="talent",
        section="talents",
        filterset_class=TalentFilterSet,
        form_class=TalentForm,
        columns=[
            Column("name", link=True),
            Column("id_number", sortable=False),
            Column("gender", sortable=False),
            Column("birth_date"),
            Column("category"),
            Column("tier"),
            Column("industry"),
            Column("highest_degree", sortable=False),
            Column("nationality", sortable=False),
            Column(
                "employer_name",
                label=gettext_lazy("employer"),
                value=employer_of,
                url=lambda t: t.employer.get_absolute_url() if t.employer_id else None,
                sortable=False,
            ),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("landed_on"),
            Column("phone", sortable=False),
            Column("email", sortable=False),
        ],
        list_columns=[
            "name",
            "id_number",
            "nationality",
            "category",
            "tier",
            "employer_name",
            "org_unit__name",
            "landed_on",
            "phone",
        ],
        # The entered fields, with the unit by name and the employer (enterprise or free text) in one line.
        detail_fields=[{"org_unit": "org_unit__name"}.get(f, f) for f in TALENT_FIELDS if f != "employer"],
        own_tabs=[
            Tab("team", gettext_lazy("Team"), "talents/_talent_teams.html", talent_team_context),
            Tab(
                "employer",
                gettext_lazy("Employer figures"),
                "talents/_enterprise_figures.html",
                talent_employer_context,
            ),
            Tab("requests", gettext_lazy("Service requests"), "talents/_talent_requests.html", talent_requests_context),
        ],
        default_ordering=("-id",),
        select_related=("org_unit", "employer"),
    )
)

enterprises = register(
    Registry(
        model=Enterprise,
        namespace="talents",
        url_prefix="enterprises",
        name="enterprise",
        section="talents",
        filterset_class=EnterpriseFilterSet,
        form_class=EnterpriseForm,
        columns=[
            Column("name", link=True),
            Column("credit_code", sortable=False),
            Column("industry"),
            Column("listing"),
            Column("is_talent_enterprise", sortable=False),
            Column("registered_capital"),
            Column("founded_on"),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("contact_name", sortable=False),
            Column("contact_phone", sortable=False),
        ],
        list_columns=[
            "name",
            "credit_code",
            "industry",
            "listing",
            "registered_capital",
            "org_unit__name",
            "contact_name",
        ],
        detail_fields=[
            "name",
            "credit_code",
            "org_unit__name",
            "industry",
            "founded_on",
            "registered_capital",
            "is_talent_enterprise",
            "listing",
            "address",
            "contact_name",
            "contact_phone",
        ],
        own_tabs=[
            Tab(
                "figures",
                gettext_lazy("Figures by year"),
                "talents/_enterprise_figures.html",
                enterprise_figures_context,
            ),
            Tab(
                "talents",
                gettext_lazy("Talents employed"),
                "talents/_enterprise_talents.html",
                enterprise_talents_context,
            ),
        ],
        default_ordering=("-id",),
        select_related=("org_unit",),
    )
)

enterprise_years = register(
    Registry(
        model=EnterpriseYear,
        namespace="talents",
        url_prefix="enterprise-years",
        name="enterpriseyear",
        section="talents",
        filterset_class=EnterpriseYearFilterSet,
        form_class=EnterpriseYearForm,
        columns=[
            Column("enterprise__name", label=gettext_lazy("enterprise"), link=True),
            Column("year"),
            Column("revenue"),
            Column("tax_paid"),
            Column("rd_expense"),
            Column("employees"),
            Column("invention_patents"),
            Column("financing_raised"),
        ],
        default_ordering=("-year", "-id"),
        select_related=("enterprise",),
    )
)


def team_snapshot(team: Team) -> dict[str, Any]:
    """A team as audited: its fields and its members (a many-to-many the plain snapshot does not see)."""
    return {**snapshot(team), "members": sorted(f"{m.name} (#{m.pk})" for m in team.members.all())}


teams = register(
    Registry(
        model=Team,
        namespace="talents",
        url_prefix="teams",
        name="team",
        section="talents",
        filterset_class=TeamFilterSet,
        form_class=TeamForm,
        columns=[
            Column("name", link=True),
            Column("leader__name", label=gettext_lazy("team leader"), order_by="leader__name"),
            Column("industry"),
            Column("employer__name", label=gettext_lazy("employer (enterprise)"), sortable=False),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column(
                "members",
                label=gettext_lazy("members"),
                value=lambda t: "、".join(m.name for m in t.members.all()),
                sortable=False,
            ),
        ],
        default_ordering=("-id",),
        select_related=("leader", "employer", "org_unit"),
        prefetch_related=("members",),
        snapshot=team_snapshot,
    )
)


def request_status(sr: ServiceRequest) -> str:
    text = sr.get_status_display()
    return f"{text} · {_('overdue')}" if sr.is_overdue else text


service_requests = register(
    Registry(
        model=ServiceRequest,
        namespace="talents",
        url_prefix="service-requests",
        name="servicerequest",
        section="talents",
        filterset_class=ServiceRequestFilterSet,
        form_class=ServiceRequestForm,
        columns=[
            Column("talent__name", label=gettext_lazy("talent"), link=True, order_by="talent__name"),
            Column("kind"),
            Column("status", value=request_status),
            Column("submitted_on"),
            Column("resolved_on"),
            Column("handler", sortable=False),
            Column("talent__org_unit__name", label=gettext_lazy("org unit"), order_by="talent__org_unit__path"),
        ],
        detail_fields=[
            "talent__name",
            "kind",
            "status",
            "submitted_on",
            "resolved_on",
            "handler",
            "description",
            "resolution",
        ],
        default_ordering=("-submitted_on", "-id"),
        select_related=("talent__org_unit", "handler"),
    )
)
