"""``GET /api/v1/dashboard/?year=&org_unit=CODE``: every cockpit figure with its drill-down list, this year and
last year, for the unit and each unit below it; the plan's indicator standings; the assessment rankings.

The names of the answer are a contract (the serializers below declare them in the OpenAPI schema). A unit
outside the caller's scope is a 404, a year that is not one a 400.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.figures import STATUS_CHOICES
from talentportal.orgs.models import OrgUnit
from talentportal.years import BadYear, parse_year

from . import figures as cockpit
from .sections import Ranking, plan_section, rankings
from .views import unit_in_scope

DECIMAL: dict[str, Any] = {"max_digits": 20, "decimal_places": 4, "allow_null": True}


class CellSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(**DECIMAL, help_text=_("Null where the registry cannot tell (see yearless)."))
    url = serializers.CharField(allow_null=True, help_text=_("The list of exactly the records counted."))


class UnitFigureSerializer(serializers.Serializer[Any]):
    org_unit = serializers.CharField(help_text=_("The unit's code."))
    name = serializers.CharField()
    this_year = CellSerializer()
    last_year = CellSerializer()


class FigureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=_("The figure's name, e.g. talents_landed, leading_talents, funds_paid."))
    section = serializers.ChoiceField(choices=list(cockpit.SECTIONS))
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the serializer's own label
    money = serializers.BooleanField(help_text=_("An amount in 10k yuan; otherwise a count."))
    yearless = serializers.BooleanField(help_text=_("The registry keeps only today's state: no last year."))
    metric = serializers.CharField(help_text=_("The registry metric it is counted by."))
    this_year = CellSerializer()
    last_year = CellSerializer()
    change = serializers.DecimalField(**DECIMAL)
    units = UnitFigureSerializer(many=True, help_text=_("The same figure for each unit directly below."))


class IndicatorStandingSerializer(serializers.Serializer[Any]):
    """An indicator's standing in the year, with the figure fields of ``plan-indicators/?year=``."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    group = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    category = serializers.CharField()
    baseline = serializers.DecimalField(**DECIMAL)
    target = serializers.DecimalField(**DECIMAL)
    actual = serializers.DecimalField(**DECIMAL)
    expected = serializers.DecimalField(**DECIMAL)
    progress = serializers.DecimalField(**DECIMAL, help_text=_("Held within 0–1; null when undefined."))
    gap = serializers.DecimalField(**DECIMAL)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    required_growth = serializers.DecimalField(**DECIMAL)
    jump = serializers.BooleanField(allow_null=True)
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]  # a field, not the source attribute
    cumulative_actual = serializers.DecimalField(**DECIMAL)
    cumulative_expected = serializers.DecimalField(**DECIMAL)
    units_reported = serializers.IntegerField(allow_null=True)
    units_to_report = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text=_("The indicator's page."))


class PlanStandingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    org_unit = serializers.CharField()
    start_year = serializers.IntegerField()
    end_year = serializers.IntegerField()
    indicators = IndicatorStandingSerializer(many=True, help_text=_("Behind target first."))


class RankingRowSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField(allow_null=True, help_text=_("Null where the caller sees its own row only."))
    assessee = serializers.CharField()
    org_unit = serializers.CharField(allow_null=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    grade = serializers.CharField()
    vetoed = serializers.BooleanField()
    url = serializers.CharField(allow_null=True)


class RankingSerializer(serializers.Serializer[Any]):
    scheme = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    provisional = serializers.BooleanField()
    whole = serializers.BooleanField(help_text=_("Every assessee's row, or only the caller's own."))
    rows = RankingRowSerializer(many=True)


class AssessmentSerializer(serializers.Serializer[Any]):
    current = RankingSerializer(allow_null=True, help_text=_("The year's assessment under way (provisional)."))
    published = RankingSerializer(allow_null=True, help_text=_("The last published one."))


class DashboardSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField()
    org_unit = serializers.CharField()
    org_unit_name = serializers.CharField()
    figures = FigureSerializer(many=True)
    plan = PlanStandingSerializer(allow_null=True)
    assessment = AssessmentSerializer()


def cell(c: cockpit.Cell) -> dict[str, Any]:
    return {"value": c.value, "url": c.url}


def figure_rows(found: cockpit.Figures) -> list[dict[str, Any]]:
    rows = []
    for measure in cockpit.MEASURES:
        own = found.own[measure.key]
        units = [
            {"org_unit": child.code, "name": child.name, "this_year": cell(f.this_year), "last_year": cell(f.last_year)}
            for child in found.children
            for f in [found.by_child[child.pk][measure.key]]
        ]
        rows.append(
            {
                "key": measure.key,
                "section": measure.section,
                "label": str(measure.label),
                "money": measure.money,
                "yearless": measure.yearless,
                "metric": measure.metric,
                "this_year": cell(own.this_year),
                "last_year": cell(own.last_year),
                "change": own.change,
                "units": units,
            }
        )
    return rows


def ranking_data(ranking: Ranking | None) -> dict[str, Any] | None:
    if ranking is None:
        return None
    scheme = ranking.scheme
    rows = [
        {
            "rank": row.result.rank if ranking.whole else None,
            "assessee": row.result.assessee.name,
            "org_unit": row.result.assessee.org_unit.code if row.result.assessee.org_unit_id else None,
            "total": row.result.total,
            "grade": row.result.grade,
            "vetoed": row.result.vetoed,
            "url": row.url,
        }
        for row in ranking.rows
    ]
    return {
        "scheme": scheme.pk,
        "name": scheme.name,
        "year": scheme.year,
        "status": scheme.status,
        "provisional": ranking.provisional,
        "whole": ranking.whole,
        "rows": rows,
    }


def plan_data(request: Request, unit: OrgUnit, year: int) -> dict[str, Any] | None:
    section = plan_section(request.user, unit, year)
    if section is None:
        return None
    plan = section.plan
    indicators = [
        {
            "id": f.indicator.pk,
            "code": f.indicator.code,
            "group": f.indicator.group,
            "name": f.indicator.name,
            "unit": f.indicator.unit,
            "category": f.indicator.category,
            "baseline": f.baseline,
            "target": f.target,
            **f.shown(),
            "url": f.indicator.get_absolute_url(),
        }
        for f in section.figures
    ]
    return {
        "id": plan.pk,
        "name": plan.name,
        "org_unit": plan.org_unit.code,
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "indicators": indicators,
    }


class DashboardView(APIView):
    @extend_schema(
        operation_id="dashboard_retrieve",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="The year (default: this year)."),
            OpenApiParameter("org_unit", OpenApiTypes.STR, description="A unit's code (default: the caller's)."),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request: Request) -> Response:
        """The leads' cockpit: every figure with the list behind it, this year and last year, per unit below;
        the plan's indicators; the assessment rankings."""
        unit = unit_in_scope(request.user, request.query_params.get("org_unit"))
        try:
            year = parse_year(request.query_params.get("year"))
        except BadYear as error:
            raise ValidationError({"year": [str(error)]}) from error
        found = cockpit.cockpit_figures(unit, year)
        current, published = rankings(request.user, year)
        data = {
            "year": year,
            "org_unit": unit.code,
            "org_unit_name": unit.name,
            "figures": figure_rows(found),
            "plan": plan_data(request, unit, year),
            "assessment": {"current": ranking_data(current), "published": ranking_data(published)},
        }
        return Response(DashboardSerializer(data).data)
