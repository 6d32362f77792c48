"""The yearly actuals of a plan's indicators, sent in as the spreadsheet the office keeps (kind ``plan_actuals``).

A row names its plan by name, its indicator by code and its unit by name or code (by default the plan's unit
when the importer writes it, else the importer's own unit); a row for an indicator, unit and year that is stored
already updates it. Every row passes ``checks.clean_actual``, the rule the forms and the API ask: a year outside
the plan, a value that is not a number, a rate outside 0–100 are row errors, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, Resolved, register, resolve_org_units
from talentportal.orgs.models import OrgUnit

from . import checks
from .models import Plan, PlanActual, PlanIndicator

Rows = list[tuple[dict[str, Any], dict[str, Any] | None]]


def resolve_indicators(user: Any, raws: set[Any]) -> Resolved:
    """Indicators by (plan name, code), among the plans the importer sees."""
    found = list(
        PlanIndicator.objects.for_user(user)
        .filter(plan__name__in={p for p, _c in raws}, code__in={c for _p, c in raws})
        .values_list("id", "plan__name", "code", "name")
    )
    plans = set(Plan.objects.for_user(user).filter(name__in={p for p, _c in raws}).values_list("name", flat=True))
    answers: Resolved = {}
    for raw in raws:
        plan, code = raw
        matches = [(pk, name) for pk, p, c, name in found if (p, c) == raw]
        if len(matches) == 1:
            answers[raw] = (matches[0][0], f"{code} {matches[0][1]}")
        elif matches:
            answers[raw] = gettext("Several plans you see are called “%(plan)s”; rename one of them first.") % {
                "plan": plan
            }
        elif plan not in plans:
            answers[raw] = gettext("No plan called “%(plan)s” is open to you.") % {"plan": plan}
        else:
            answers[raw] = gettext("The plan “%(plan)s” has no indicator with code “%(code)s”.") % {
                "plan": plan,
                "code": code,
            }
    return answers


def resolve_units(user: Any, raws: set[Any]) -> Resolved:
    """The row's unit by (indicator, name or code): named, in the importer's scope and in the plan's; or, left
    empty, ``checks.default_unit``."""
    indicators = PlanIndicator.objects.select_related("plan__org_unit").in_bulk({i for i, _t in raws})
    named = resolve_org_units(user, {text for _i, text in raws if text})
    units = OrgUnit.objects.in_bulk({a[0] for a in named.values() if isinstance(a, tuple)})
    answers: Resolved = {}
    for raw in raws:
        indicator, text = indicators[raw[0]], raw[1]
        answer = named[text] if text else None
        if isinstance(answer, str):
            answers[raw] = answer
            continue
        unit = units[answer[0]] if answer else checks.default_unit(user, indicator)
        if unit is None:
            answers[raw] = gettext("Name the unit the value belongs to.")
        elif error := checks.unit_error(indicator, unit):
            answers[raw] = error
        else:
            answers[raw] = (unit.pk, unit.name)
    return answers


def check_actuals(rows: Rows, user: Any, memo: dict[str, Any]) -> dict[int, dict[str, str]]:
    """``checks.clean_actual`` on each row: a rate given as numerator and denominator takes its value from them,
    and a row is the whole actual (a value alone clears a stored numerator and denominator)."""
    indicators = PlanIndicator.objects.select_related("plan").in_bulk({v["indicator_id"] for v, _c in rows})
    problems: dict[int, dict[str, str]] = {}
    for position, (values, _current) in enumerate(rows):
        cleaned, errors = checks.clean_actual(
            indicators[values["indicator_id"]],
            values.get("year"),
            values.get("value"),
            values.get("numerator"),
            values.get("denominator"),
        )
        if errors:
            problems[position] = errors
        else:
            values.update(cleaned)
    return problems


register(
    ImportSpec(
        kind="plan_actuals",
        model=PlanActual,
        label=_("plan actuals"),
        order=90,
        key=("indicator", "org_unit", "year"),
        check=check_actuals,
        list_url="plans:actual_list",
        columns=[
            Column(
                "plan_name",
                header=_("plan"),
                aliases=("plan",),
                required=True,
                read_as=Plan._meta.get_field("name"),
                help=_("the plan's name, as its page shows it"),
                example="十四五人才发展规划",
            ),
            Column(
                "indicator_code",
                header=_("indicator code"),
                aliases=("indicator",),
                required=True,
                read_as=PlanIndicator._meta.get_field("code"),
                example="1",
            ),
            Ref("indicator", over=("plan_name", "indicator_code"), resolve=resolve_indicators, required=True),
            Column(
                "org_unit_name",
                header=_("region"),
                aliases=(_("org unit"), "org_unit"),
                required=False,
                read_as=OrgUnit._meta.get_field("name"),
                help=_("the unit's name or code; empty: the plan's own unit"),
                example="",
            ),
            Ref("org_unit", over=("indicator", "org_unit_name"), resolve=resolve_units, required=True),
            Column("year", example=2023),
            Column("value", header=_("actual"), aliases=("value",), required=False, example="36.5"),
            Column("numerator"),
            Column("denominator"),
            Column("source", header=_("data source"), aliases=(_("source"),), example="统计年鉴"),
            Column("note"),
        ],
    )
)
