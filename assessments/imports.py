"""Rosters of an assessment: the office's targets per assessee and indicator, the values assessees enter, and a
reviewer's marks, each sent in as the spreadsheet the office already circulates.

A row names its scheme by number (a scheme is known by its id: several may share a year and group), its assessee
by key or name and its indicator by code. Every row passes the rules the workflow services apply to the same
change by hand (``services.set_target``, ``save_entries``, ``save_mark``): a frozen scheme, a submission not open,
another county's assessee, a reviewer marking their own unit are row errors, and nothing is written. The rules are
asked once per scheme or submission named, not once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, Resolved, register

from . import services
from .models import Assessee, Entry, Indicator, Mark, Scheme, Submission, Target

Values = dict[str, Any]
Rows = list[tuple[Values, Values | None]]
Problems = dict[int, dict[str, str]]


def resolve_schemes(user: Any, raws: set[Any]) -> Resolved:
    """Schemes by number, among those the importer sees."""
    numbers = {raw: int(raw) for raw in raws if str(raw).isdigit()}
    visible = {s.pk: s for s in Scheme.objects.for_user(user).filter(pk__in=set(numbers.values()))}
    answers: Resolved = {}
    for raw in raws:
        scheme = visible.get(numbers.get(raw, 0))
        if scheme is None:
            answers[raw] = gettext("No assessment scheme numbered “%(value)s” is open to you.") % {"value": raw}
        else:
            answers[raw] = (scheme.pk, str(scheme))
    return answers


def resolve_assessees(user: Any, raws: set[Any]) -> Resolved:
    """Assessees by (scheme, key or name): an org-unit code, platform code or credit code, or the name."""
    schemes = {scheme for scheme, _text in raws}
    texts = {text for _scheme, text in raws}
    found = list(
        Assessee.objects.filter(scheme_id__in=schemes)
        .filter(Q(key__in=texts) | Q(name__in=texts))
        .values("id", "scheme_id", "key", "name")
    )
    answers: Resolved = {}
    for raw in raws:
        scheme, text = raw
        matches = [a for a in found if a["scheme_id"] == scheme and a["key"] == text] or [
            a for a in found if a["scheme_id"] == scheme and a["name"] == text
        ]
        if len(matches) == 1:
            answers[raw] = (matches[0]["id"], matches[0]["name"])
        elif matches:
            answers[raw] = gettext("Several assessees are called “%(value)s”; give the key instead.") % {"value": text}
        else:
            answers[raw] = gettext("“%(value)s” is not assessed in this scheme.") % {"value": text}
    return answers


def resolve_submissions(user: Any, raws: set[Any]) -> Resolved:
    """The submission of the assessee a row names (every assessee has one once its scheme is open)."""
    assessees = resolve_assessees(user, raws)
    ids = {answer[0] for answer in assessees.values() if isinstance(answer, tuple)}
    submissions = dict(Submission.objects.filter(assessee_id__in=ids).values_list("assessee_id", "id"))
    answers: Resolved = {}
    for raw, answer in assessees.items():
        if not isinstance(answer, tuple):
            answers[raw] = answer
        elif answer[0] not in submissions:
            answers[raw] = gettext("The scheme is not open yet: %(assessee)s has no submission.") % {
                "assessee": answer[1]
            }
        else:
            answers[raw] = (submissions[answer[0]], answer[1])
    return answers


def resolve_indicators(user: Any, raws: set[Any]) -> Resolved:
    """Indicators by (scheme, code)."""
    found = {
        (scheme, code): pk
        for pk, scheme, code in Indicator.objects.filter(
            scheme_id__in={s for s, _c in raws}, code__in={c for _s, c in raws}
        ).values_list("id", "scheme_id", "code")
    }
    answers: Resolved = {}
    for raw in raws:
        if raw in found:
            answers[raw] = (found[raw], raw[1])
        else:
            answers[raw] = gettext("The scheme has no indicator with code “%(value)s”.") % {"value": raw[1]}
    return answers


def row_columns(holder: str, resolve: Callable[[Any, set[Any]], Resolved]) -> list[Column]:
    """Scheme number, assessee, indicator code: what names the row's pair; ``holder`` is the stored reference
    the assessee cell leads to (the assessee itself, or its submission)."""
    return [
        Ref(
            "scheme",
            header=_("scheme number"),
            aliases=("scheme",),
            required=True,
            read_as=Assessee._meta.get_field("scheme"),
            resolve=resolve_schemes,
            help=_("the scheme's number, as its page shows it"),
            example=1,
        ),
        Column(
            "assessee_name",
            header=_("assessed unit"),
            aliases=("assessee", "考核对象"),
            required=True,
            read_as=Assessee._meta.get_field("name"),
            help=_("the assessee's key (org-unit code, platform code, credit code) or name"),
            example="南湖区",
        ),
        Ref(holder, over=("scheme", "assessee_name"), resolve=resolve, required=True),
        Column(
            "indicator_code",
            header=_("indicator code"),
            aliases=("indicator",),
            required=True,
            read_as=Indicator._meta.get_field("code"),
            example="1.1.1",
        ),
        Ref("indicator", over=("scheme", "indicator_code"), resolve=resolve_indicators, required=True),
    ]


def _refused(rule: Callable[[], None]) -> str | None:
    """The message with which ``rule`` (a ``services`` check) refuses, None when it allows."""
    try:
        rule()
    except services.Refused as refusal:
        return refusal.message
    return None


def _refusal(memo: dict[Any, str | None], key: Any, rule: Callable[[], None]) -> str | None:
    """``_refused``, asked once per ``key`` of the file (the checks that query)."""
    if key not in memo:
        memo[key] = _refused(rule)
    return memo[key]


def _actor(user: Any) -> Actor:
    return Actor(user=user, source=Source.IMPORT)


# -- targets -------------------------------------------------------------------------------------------------


def check_targets(rows: Rows, user: Any, memo: dict[str, Any]) -> Problems:
    """``services.set_target``'s rules, and who may set targets: the assessing office's administrators."""
    indicators = Indicator.objects.select_related("scheme").in_bulk({v["indicator_id"] for v, _c in rows})
    managed = set(
        Scheme.objects.editable_by(user)
        .filter(pk__in={i.scheme_id for i in indicators.values()})
        .values_list("pk", flat=True)
    )
    frozen: dict[Any, str | None] = memo.setdefault("frozen", {})
    problems: Problems = {}
    for position, (values, _current) in enumerate(rows):
        scheme = indicators[values["indicator_id"]].scheme
        if scheme.pk not in managed:
            message = gettext("Only the assessing office's administrators set the targets of “%(scheme)s”.")
            problems[position] = {"assessee_name": message % {"scheme": scheme}}
        elif refused := _refusal(frozen, scheme.pk, partial(services.refuse_if_frozen, scheme)):
            problems[position] = {"scheme": refused}
    return problems


register(
    ImportSpec(
        kind="assessment_targets",
        model=Target,
        label=_("assessment targets"),
        order=80,
        key=("indicator", "assessee"),
        check=check_targets,
        columns=[
            *row_columns("assessee", resolve_assessees),
            Column("value", header=_("target value"), aliases=("target",), example=10),
        ],
    )
)


# -- entered values ------------------------------------------------------------------------------------------


def check_values(rows: Rows, user: Any, memo: dict[str, Any]) -> Problems:
    """``services.save_entries``'s rules: the assessee's own users, its submission open, before its deadline, an
    indicator whose value is entered."""
    submissions = Submission.objects.select_related("assessee__scheme").in_bulk({v["submission_id"] for v, _c in rows})
    indicators = Indicator.objects.in_bulk({v["indicator_id"] for v, _c in rows})
    opened: dict[Any, str | None] = memo.setdefault("open", {})
    actor = _actor(user)
    problems: Problems = {}
    for position, (values, _current) in enumerate(rows):
        submission = submissions[values["submission_id"]]
        indicator = indicators[values["indicator_id"]]
        refused = _refusal(opened, submission.pk, partial(services.refuse_unless_open_for, submission, actor))
        if refused:
            problems[position] = {"assessee_name": refused}
        elif refused := _refused(partial(services.refuse_unless_entered, submission, indicator)):
            problems[position] = {"indicator_code": refused}
    return problems


register(
    ImportSpec(
        kind="assessment_values",
        model=Entry,
        label=_("assessment entered values"),
        order=81,
        key=("submission", "indicator"),
        check=check_values,
        columns=[
            *row_columns("submission", resolve_submissions),
            Column("value", header=_("numeric value"), aliases=("value",), example=12),
            Column("note", aliases=("说明",)),
        ],
    )
)


# -- reviewers' marks ----------------------------------------------------------------------------------------


def mark_by_importer(values: Values, user: Any) -> dict[str, str]:
    """A mark is the importing reviewer's own: the reviewer is part of the row's key, never a cell."""
    values["reviewer_id"] = user.pk
    return {}


def check_marks(rows: Rows, user: Any, memo: dict[str, Any]) -> Problems:
    """``services.save_mark``'s rules: a reviewed indicator, the scheme's reviewers (never of their own unit),
    points within [0, max points], a scheme not frozen."""
    submissions = Submission.objects.select_related("assessee__scheme__org_unit", "assessee__org_unit").in_bulk(
        {v["submission_id"] for v, _c in rows}
    )
    indicators = Indicator.objects.in_bulk({v["indicator_id"] for v, _c in rows})
    allowed: dict[Any, str | None] = memo.setdefault("allowed", {})
    problems: Problems = {}

    for position, (values, _current) in enumerate(rows):
        submission = submissions[values["submission_id"]]
        indicator = indicators[values["indicator_id"]]
        may_mark = partial(services.refuse_unless_reviewer, user, submission, indicator)
        if refused := _refused(partial(services.refuse_unless_reviewed, submission, indicator)):
            problems[position] = {"indicator_code": refused}
        elif refused := _refusal(allowed, (submission.pk, indicator.pk), may_mark):
            problems[position] = {"assessee_name": refused}
        elif refused := _refused(partial(services.refuse_points_outside, indicator, values["points"])):
            problems[position] = {"points": refused}
    return problems


register(
    ImportSpec(
        kind="assessment_marks",
        model=Mark,
        label=_("assessment marks"),
        order=82,
        key=("submission", "indicator", "reviewer"),
        clean=mark_by_importer,
        check=check_marks,
        columns=[
            *row_columns("submission", resolve_submissions),
            Column("points", header=_("points awarded"), aliases=("points", "得分"), example=3),
            Column("comment", aliases=("备注",)),
        ],
    )
)
