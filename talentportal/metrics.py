"""Registry metrics: numbers the annual assessment reads from the registry, for every assessee at once.

Each domain app declares the metrics it offers in its own ``metrics.py`` (discovered at start-up, like
``registries.py``). A metric computes its value for all the subjects of a scheme in one grouped query, whatever
their number or the number of records, and names the list page that shows exactly the records it counted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.models import OrgUnit, org_unit_lookup

ORG_UNIT, PLATFORM, ENTERPRISE = "org_unit", "platform", "enterprise"
COUNTY, DEPARTMENT = "county", "department"
AREAS = (COUNTY, DEPARTMENT)

PEOPLE = _("people")
ITEMS = _("items")
MONEY = _("10k yuan")
PERCENT = "%"


class MetricError(ValueError):
    """Parameters a metric refuses: ``errors`` maps the parameter name (or ``metric``) to a message in the
    user's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Subject:
    """One assessee as a metric sees it; results are keyed by ``id``, the caller's own id for it."""

    id: int
    kind: str
    object_id: int
    path: str = ""
    code: str = ""


def unit_subject(unit: OrgUnit) -> Subject:
    """An org unit as a metric's subject (its figures of the unit's whole subtree)."""
    return Subject(id=unit.pk, kind=ORG_UNIT, object_id=unit.pk, path=unit.path, code=unit.code)


@dataclass(frozen=True)
class Param:
    """A parameter a metric accepts: one of ``choices`` (one value or a list of values, unless ``multiple`` is
    off), or a number (``kind`` ``int`` or ``decimal``)."""

    name: str
    label: str | Promise
    choices: tuple[tuple[str, Any], ...] = ()
    kind: str = "choice"
    multiple: bool = True
    default: Any = None


Values = dict[int, Decimal | None]
Compute = Callable[[Sequence[Subject], int, dict[str, Any]], Values]
RecordsUrl = Callable[[Subject, int, dict[str, Any]], "str | None"]


@dataclass(frozen=True)
class Metric:
    code: str
    label: str | Promise
    unit: str | Promise
    groups: tuple[str, ...]
    compute: Compute
    records_url: RecordsUrl = field(default=lambda subject, year, params: None)
    params: tuple[Param, ...] = ()
    # A count that the parameters only filter (``counted``): the year's records, and the filter the parameters
    # add. Lines binding the metric with different parameters are then counted in one query (``values_many``).
    records: Callable[[int], QuerySet[Any]] | None = None
    where: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Records that are counts already (a tally kept by the database): their ``summed`` field is added up.
    summed: str | None = None


def counted(
    records: Callable[[int], QuerySet[Any]],
    where: Callable[[dict[str, Any]], dict[str, Any]],
    summed: str | None = None,
) -> dict[str, Any]:
    """``compute``, ``records`` and ``where`` of a metric that counts ``records(year)`` filtered by
    ``where(params)`` in each org-unit subject's subtree (or adds up their ``summed`` field, for a tally)."""

    def compute(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
        chosen = records(year)
        return by_org_unit(subjects, chosen.filter(**where(params)), _count(chosen, summed))

    return {"compute": compute, "records": records, "where": where, "summed": summed}


def _count(records: QuerySet[Any], summed: str | None, condition: Q | None = None) -> Any:
    if summed:
        return Coalesce(Sum(summed, filter=condition), 0)
    return Count(unit_count(records.model), filter=condition)


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    assert metric.code not in METRICS, f"metric {metric.code} is declared twice"
    METRICS[metric.code] = metric
    return metric


def choice_param(name: str, label: str | Promise, choices: Iterable[tuple[str, Any]], multiple: bool = True) -> Param:
    return Param(name, label, tuple(choices), "choice", multiple)


def clean_params(code: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The metric's parameters checked and normalised (choice lists as lists, numbers as int or Decimal,
    defaults filled in); ``MetricError`` names every parameter that is wrong."""
    metric = METRICS.get(code)
    if metric is None:
        raise MetricError({"metric": gettext("“%(code)s” is not a registry metric.") % {"code": code}})
    declared = {p.name: p for p in metric.params}
    errors = {
        name: gettext("The metric “%(code)s” takes no parameter “%(name)s”.") % {"code": code, "name": name}
        for name in params
        if name not in declared
    }
    cleaned: dict[str, Any] = {}
    for name, param in declared.items():
        value = params.get(name)
        if value is None or value == [] or value == "":
            if param.default is not None:
                cleaned[name] = param.default
            continue
        try:
            cleaned[name] = _clean_value(param, value)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise MetricError(errors)
    return cleaned


def _clean_value(param: Param, value: Any) -> Any:
    if param.kind == "choice":
        items = list(value) if isinstance(value, list | tuple) and param.multiple else [value]
        known = {key for key, _label in param.choices}
        wrong = [item for item in items if not isinstance(item, str) or item not in known]
        if wrong:
            raise ValueError(
                gettext("“%(value)s” is not one of the choices of “%(name)s”.")
                % {"value": wrong[0], "name": param.name}
            )
        return items if param.multiple else items[0]
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        raise ValueError(gettext("“%(name)s” takes a number.") % {"name": param.name})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or number > 10**9:
        raise ValueError(gettext("“%(name)s” takes a number from 0 to 1,000,000,000.") % {"name": param.name})
    if param.kind == "int":
        if number != number.to_integral_value():
            raise ValueError(gettext("“%(name)s” takes a whole number.") % {"name": param.name})
        return int(number)
    return number


def values(
    code: str, subjects: Sequence[Subject], year: int, params: Mapping[str, Any], growth: bool = False
) -> Values:
    """The metric's value per subject id; with ``growth``, (A_y − A_{y−1}) / A_{y−1} as a ratio (0.25 for 25%),
    ``None`` where last year's value is 0 or missing."""
    return values_many(code, subjects, year, [params], growth)[0]


def values_many(
    code: str, subjects: Sequence[Subject], year: int, params_list: Sequence[Mapping[str, Any]], growth: bool = False
) -> list[Values]:
    """``values`` for each of ``params_list``: a ``counted`` metric counts them all in one grouped query (each a
    filtered count), any other one query each."""
    metric = METRICS[code]
    cleaned = [clean_params(code, params) for params in params_list]

    def compute(of_year: int) -> list[Values]:
        if metric.records is None or metric.where is None or len(cleaned) == 1:
            return [metric.compute(subjects, of_year, params) for params in cleaned]
        where = metric.where
        records = metric.records(of_year)
        totals = {
            f"n{i}": _count(records, metric.summed, Q(**where(params)) or None) for i, params in enumerate(cleaned)
        }
        sums = sums_by_org_unit(subjects, records, **totals)
        return [{subject_id: numbers[f"n{i}"] for subject_id, numbers in sums.items()} for i in range(len(cleaned))]

    current = compute(year)
    if not growth:
        return current
    return [growth_of(subjects, now, before) for now, before in zip(current, compute(year - 1), strict=True)]


def growth_of(subjects: Sequence[Subject], current: Values, previous: Values) -> Values:
    """(A_y − A_{y−1}) / A_{y−1} per subject; ``None`` where last year's value is 0 or missing."""
    result: Values = {}
    for subject in subjects:
        now, before = current.get(subject.id), previous.get(subject.id)
        result[subject.id] = None if now is None or not before else (now - before) / before
    return result


def records_url(code: str, subject: Subject, year: int, params: Mapping[str, Any]) -> str | None:
    """The list that shows the records behind the subject's value (``None`` for a metric that counts none)."""
    return METRICS[code].records_url(subject, year, clean_params(code, params))


# The helpers the apps' metrics are written with.


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def list_url(path: str, **query: Any) -> str:
    """``path`` with ``query`` (lists as repeated keys, ``None`` left out)."""
    pairs = [(k, v) for k, v in query.items() if v is not None and not isinstance(v, list)]
    pairs += [(k, item) for k, v in query.items() if isinstance(v, list) for item in v]
    return f"{path}?{urlencode(pairs)}"


def choices_filter(params: Mapping[str, Any], **lookups: str) -> dict[str, Any]:
    """``{lookup__in: values}`` for each choice parameter given (``tier="tier"``, ``level="batch__program__level"``)."""
    return {f"{lookup}__in": params[name] for name, lookup in lookups.items() if params.get(name)}


def by_org_unit(subjects: Sequence[Subject], records: QuerySet[Any], total: Any = None) -> Values:
    """``total`` (a count of the records by default) for each org-unit subject's subtree (``sums_by_org_unit``)."""
    sums = sums_by_org_unit(subjects, records, n=total if total is not None else Count(unit_count(records.model)))
    return {subject_id: numbers["n"] for subject_id, numbers in sums.items()}


def unit_count(model: type[Model]) -> str:
    """What to count a record by: its unit, the column it is grouped by. Every counted row has one (the rows are
    limited to the subjects' units), and unlike ``id`` it sits in the indexes the counts filter with, so
    PostgreSQL can count from the index alone (at a million talents, a year's count: 0.2 s from the table). A
    model that keeps its own copy of the unit (``counted_by`` on its QuerySet) is counted by that, without a join."""
    return getattr(model._default_manager.all(), "counted_by", None) or org_unit_lookup(model)


def sums_by_org_unit(subjects: Sequence[Subject], records: QuerySet[Any], **totals: Any) -> dict[int, dict[str, Any]]:
    """Each of ``totals`` (aggregates such as ``Count("id")``) for each org-unit subject's subtree.

    The records are grouped by their unit in one query (restricted to the units below some subject), and each
    unit's numbers go to every subject whose path is a prefix of that unit's path, so nested subjects (a city and
    its counties) each count their own subtree. The model's path to its unit is the one its QuerySet declares
    (``org_unit_lookup``); the units' paths are the one other (small) query.
    """
    result = {subject.id: dict.fromkeys(totals, Decimal(0)) for subject in subjects}
    by_path: dict[str, list[int]] = defaultdict(list)
    for subject in subjects:
        if subject.kind == ORG_UNIT and subject.path:
            by_path[subject.path].append(subject.id)
    if not by_path:
        return result
    owners: dict[int, list[int]] = {}
    all_units = list(OrgUnit.objects.values_list("id", "path"))
    for unit_id, path in all_units:
        parts = path.strip("/").split("/")
        prefixes = ("/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1))
        found = [subject_id for prefix in prefixes for subject_id in by_path.get(prefix, [])]
        if found:
            owners[unit_id] = found
    model: type[Model] = records.model
    unit = f"{unit_count(model)}_id"
    if len(owners) < len(all_units):
        records = records.filter(**{f"{unit}__in": list(owners)})
    for row in records.order_by().values(unit).annotate(**totals):
        for subject_id in owners.get(row[unit], []):
            for name in totals:
                result[subject_id][name] += Decimal(row[name] or 0)
    return result


def by_object(
    subjects: Sequence[Subject], kind: str, rows: Iterable[tuple[int, Any]], missing: Decimal | None
) -> Values:
    """Values keyed by each subject's ``object_id`` (a platform's, an enterprise's), ``missing`` where no row
    names it."""
    found = {object_id: value for object_id, value in rows}
    result: Values = {}
    for subject in subjects:
        value = found.get(subject.object_id) if subject.kind == kind else None
        result[subject.id] = missing if value is None else Decimal(value)
    return result


def object_ids(subjects: Sequence[Subject], kind: str) -> list[int]:
    return [subject.object_id for subject in subjects if subject.kind == kind]
