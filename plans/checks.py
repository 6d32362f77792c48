"""The rules a plan's indicators and actuals obey, written once for the forms, the API and the import.

Each function takes plain values and answers the cleaned values and the errors by field, in the user's language;
nothing is written unless the errors are empty.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext

from talentportal import metrics
from talentportal.orgs.models import can_write, unit_of
from talentportal.years import BadYear, parse_year

from . import progress
from .models import MAX_VALUE, Plan, PlanActual, PlanIndicator, PlanTarget

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser, OrgUnit

HUNDRED = Decimal(100)


def number(value: Any) -> Decimal | None:
    """A finite decimal within the stored range from a number or a numeric string; ``None`` if it is not one."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not result.is_finite() or abs(result) > MAX_VALUE:
        return None
    return result.quantize(Decimal("0.0001"))


def not_a_number() -> str:
    return gettext("Enter a number (at most 14 digits before the decimal point).")


def figures_year(raw: str | None, first: int, last: int) -> int:
    """The year whose figures are asked for (``?year=``): a year from ``first`` (a baseline year) to ``last`` (the
    end of the plan), else ``ValueError`` with a message naming them."""
    if (raw or "").strip():  # empty is not a year here: the pages' parser would give this year
        try:
            return parse_year(raw, first=first, last=last)
        except BadYear:
            pass
    raise ValueError(
        gettext("Give a year from %(first)s to %(last)s, e.g. ?year=%(last)s.") % {"first": first, "last": last}
    )


def year_error(plan: Plan, year: Any) -> str | None:
    if isinstance(year, bool) or not isinstance(year, int) or not plan.start_year <= year <= plan.end_year:
        return gettext("The plan runs from %(start)s to %(end)s: enter a year in that period.") % {
            "start": plan.start_year,
            "end": plan.end_year,
        }
    return None


def rate_error(value: Decimal) -> str | None:
    if not 0 <= value <= HUNDRED:
        return gettext("A rate is a percentage from 0 to 100.")
    return None


def value_error(indicator_category: str, value: Decimal) -> str | None:
    """A plan's values are counts, amounts (万元) or shares: never negative, and a rate at most 100."""
    if indicator_category == PlanIndicator.Category.RATE:
        return rate_error(value)
    if value < 0:
        return gettext("A plan's values are counts, amounts or shares: enter 0 or more.")
    return None


def clean_actual(
    indicator: PlanIndicator, year: Any, value: Any, numerator: Any = None, denominator: Any = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """An actual's year, value and (for a rate) numerator and denominator. A rate given as numerator and
    denominator takes its value from them."""
    errors: dict[str, str] = {}
    if error := year_error(indicator.plan, year):
        errors["year"] = error
    cleaned: dict[str, Any] = {"year": year, "numerator": None, "denominator": None}
    given = {"numerator": numerator, "denominator": denominator}
    parts = {name: number(raw) for name, raw in given.items() if raw not in (None, "")}
    for name, raw in given.items():
        if raw not in (None, "") and parts[name] is None:
            errors[name] = not_a_number()
    if parts and not {"numerator", "denominator"} & set(errors):
        if not indicator.is_rate:
            errors["numerator"] = gettext("Only a rate has a numerator and a denominator.")
        elif len(parts) < 2:
            errors["denominator" if "numerator" in parts else "numerator"] = gettext(
                "Give both the numerator and the denominator, or neither."
            )
        elif parts["denominator"] is not None and parts["denominator"] <= 0:
            errors["denominator"] = gettext("The denominator must be greater than 0.")
        elif parts["numerator"] is not None and parts["numerator"] < 0:
            errors["numerator"] = gettext("The numerator cannot be negative.")
        else:
            cleaned.update(parts)
            value = progress.rate(parts["numerator"] or Decimal(0), parts["denominator"] or Decimal(1))
    amount = number(value)
    if amount is None:
        if not (parts and {"numerator", "denominator"} & set(errors)):  # else the value was to come from them
            errors.setdefault("value", not_a_number())
    elif error := value_error(indicator.category, amount):
        errors.setdefault("numerator" if parts else "value", error)
    cleaned["value"] = amount
    return cleaned, errors


def clean_indicator(data: dict[str, Any]) -> dict[str, str]:
    """An indicator's years, values and metric binding, as a whole (the fields are each checked already)."""
    errors: dict[str, str] = {}
    plan, baseline_year, target_year = data.get("plan"), data.get("baseline_year"), data.get("target_year")
    if isinstance(baseline_year, int) and isinstance(target_year, int) and target_year <= baseline_year:
        errors["target_year"] = gettext("The target year comes after the baseline year.")
    if isinstance(plan, Plan) and isinstance(target_year, int) and not plan.start_year <= target_year <= plan.end_year:
        errors.setdefault("target_year", year_error(plan, target_year) or "")
    for name in ("baseline_value", "target_value"):
        value = data.get(name)
        if isinstance(value, Decimal) and (error := value_error(str(data.get("category") or ""), value)):
            errors[name] = error
    code = data.get("metric") or ""
    if not isinstance(data.get("metric_params") or {}, dict):
        errors["metric_params"] = gettext("Write the parameters as a JSON object, e.g. %(example)s.") % {
            "example": '{"tier": ["top"]}'
        }
    elif code:
        try:
            metrics.clean_params(code, data.get("metric_params") or {})
        except metrics.MetricError as exc:
            field = "metric" if "metric" in exc.errors else "metric_params"
            errors[field] = " ".join(exc.errors.values())
    elif data.get("metric_params"):
        errors["metric_params"] = gettext("Parameters belong to a registry metric: choose the metric first.")
    return errors


def plan_errors(start_year: Any, end_year: Any, plan: Plan | None = None) -> dict[str, str]:
    """A plan's period: its last year is not before its first, and a plan that exists keeps its stored actuals
    and its indicators' target years inside it."""
    if not (isinstance(start_year, int) and isinstance(end_year, int)):
        return {}
    if end_year < start_year:
        return {"end_year": gettext("The last year of the plan cannot come before its first year.")}
    if plan is None or plan.pk is None or (start_year, end_year) == (plan.start_year, plan.end_year):
        return {}
    outside = ~Q(year__range=(start_year, end_year))
    actual_years = set(
        PlanActual.objects.filter(outside, indicator__plan=plan).order_by().values_list("year", flat=True)
    )
    target_years = set(
        PlanIndicator.objects.filter(~Q(target_year__range=(start_year, end_year)), plan=plan)
        .order_by()
        .values_list("target_year", flat=True)
    )
    errors: dict[str, str] = {}
    for name, before in (("start_year", True), ("end_year", False)):
        if years := sorted(y for y in actual_years if (y < start_year if before else y > end_year)):
            errors[name] = gettext("Actuals of %(years)s are stored: the plan must keep those years.") % {
                "years": ", ".join(map(str, years))
            }
        elif years := sorted(y for y in target_years if (y < start_year if before else y > end_year)):
            errors[name] = gettext("Indicators aim at %(years)s: the plan must keep those years.") % {
                "years": ", ".join(map(str, years))
            }
    return errors


def moved_plan_errors(indicator: PlanIndicator | None, plan: Any) -> dict[str, str]:
    """An indicator stays in its plan: its actuals and targets belong to the plan's years and units."""
    if indicator is None or indicator.pk is None or plan is None or plan == indicator.plan:
        return {}
    return {"plan": gettext("An indicator stays in its plan: add a new indicator to the other plan instead.")}


def category_errors(indicator: PlanIndicator | None, category: Any) -> dict[str, str]:
    """A category change the indicator's stored actuals and targets still obey: a rate's values are 0–100 and
    only a rate keeps numerators and denominators."""
    if indicator is None or indicator.pk is None or not category or category == indicator.category:
        return {}
    actuals = PlanActual.objects.filter(indicator=indicator)
    targets = PlanTarget.objects.filter(indicator=indicator)
    if category == PlanIndicator.Category.RATE:
        over = Q(value__gt=HUNDRED)
        if (
            actuals.filter(over).exists()
            or targets.filter(Q(target_value__gt=HUNDRED) | Q(baseline_value__gt=HUNDRED)).exists()
        ):
            return {"category": gettext("Stored actuals or targets above 100 cannot be a rate: correct them first.")}
    elif actuals.filter(numerator__isnull=False).exists():
        return {"category": gettext("Stored actuals are kept as numerator and denominator: only a rate has those.")}
    return {}


def unit_error(indicator: PlanIndicator, unit: OrgUnit | None) -> str | None:
    """A figure belongs to the plan's own unit or to a unit below it."""
    plan_unit = indicator.plan.org_unit
    if unit is not None and not unit.path.startswith(plan_unit.path):
        return gettext("The plan of %(unit)s has figures for %(unit)s and the units below it only.") % {
            "unit": plan_unit.name
        }
    return None


def target_errors(indicator: PlanIndicator | None, baseline: Any, target: Any) -> dict[str, str]:
    """A unit's own baseline and target, as the indicator's (a target equal to the baseline is allowed; its
    progress is then undefined and shown as such)."""
    errors: dict[str, str] = {}
    if indicator is not None:
        for name, value in (("baseline_value", baseline), ("target_value", target)):
            if isinstance(value, Decimal) and (error := value_error(indicator.category, value)):
                errors[name] = error
    return errors


def default_unit(user: AnyUser, indicator: PlanIndicator) -> OrgUnit | None:
    """Where a figure goes when its unit is not named: the plan's unit if the user writes it, else their own."""
    own = unit_of(user)
    plan_unit = indicator.plan.org_unit
    if own is None or (can_write(user) and plan_unit.path.startswith(own.path)):
        return plan_unit
    return own
