"""The assessment's workflow: every door (pages, API, imports) changes schemes, submissions, marks and events
through here, so each rule is checked once, inside one transaction, and every step lands in the audit log.

A refused step raises ``Refused`` with a message in the user's language (and the field it is about) and writes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from talentportal.audit.models import Action
from talentportal.audit.services import Actor, diff, record, record_change, snapshot
from talentportal.orgs.models import OrgUnit, Role, is_admin, role_of, unit_of
from talents.models import Enterprise

from . import rules
from .models import (
    Assessee,
    Entry,
    Event,
    Evidence,
    Group,
    Indicator,
    Mark,
    ReviewerAssignment,
    Scheme,
    Submission,
    Target,
)
from .scoring import freeze, score_scheme

Status = Scheme.Status


class Refused(Exception):
    """A rule refused the step; nothing was written."""

    def __init__(self, message: str, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# The moves a scheme may make; reopening (back from final or published) needs an admin and a reason.
MOVES: dict[str, set[str]] = {
    Status.DRAFT: {Status.OPEN},
    Status.OPEN: {Status.REVIEW},
    Status.REVIEW: {Status.OPEN, Status.FINAL},
    Status.FINAL: {Status.PUBLISHED, Status.REVIEW},
    Status.PUBLISHED: {Status.REVIEW},
}
REOPENING = {(Status.FINAL, Status.REVIEW), (Status.PUBLISHED, Status.REVIEW)}
# The submissions their assessee may still change.
FILLABLE = (Submission.Status.PENDING, Submission.Status.RETURNED)


def _audited(actor: Actor, obj: Any, before: dict[str, Any] | None) -> None:
    record_change(actor, obj, before, snapshot(obj))


def refuse_if_frozen(scheme: Scheme) -> None:
    if scheme.is_frozen:
        raise Refused(
            _("The scheme “%(scheme)s” is %(status)s: it can no longer be changed. An administrator can reopen it.")
            % {"scheme": scheme, "status": scheme.get_status_display()}
        )


# --- the scheme ---------------------------------------------------------------------------------------------


def transition(scheme: Scheme, to: str, actor: Actor, reason: str = "") -> Scheme:
    """Move the scheme to ``to`` if its workflow allows it: opening snapshots the assessees, finalising needs
    every submission accepted (or its assessee excluded), publishing freezes the results."""
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        if to not in Status.values:
            raise Refused(_("“%(value)s” is not a status of a scheme.") % {"value": to}, "to")
        if to not in MOVES[scheme.status]:
            raise Refused(
                _("A scheme cannot go from “%(from)s” to “%(to)s”.")
                % {"from": scheme.get_status_display(), "to": Status(to).label},
                "to",
            )
        if (scheme.status, to) in REOPENING:
            if not actor.user or not is_admin(actor.user):
                raise Refused(_("Only an administrator can reopen a final or published scheme."), "to")
            if not reason.strip():
                raise Refused(_("Say why the scheme is reopened."), "reason")
        before = snapshot(scheme)
        if to == Status.OPEN and scheme.status == Status.DRAFT:
            _check_tree(scheme)
            snapshot_assessees(scheme)
            scheme.opened_at = timezone.now()
        if to == Status.FINAL:
            waiting = Submission.objects.filter(assessee__scheme=scheme, assessee__excluded=False).exclude(
                status=Submission.Status.ACCEPTED
            )
            if waiting.exists():
                names = ", ".join(str(s.assessee) for s in waiting.select_related("assessee")[:5])
                raise Refused(
                    _("Every submission must be accepted (or its assessee excluded) first; still open: %(names)s.")
                    % {"names": names},
                    "to",
                )
        if to == Status.PUBLISHED:
            freeze(scheme, score_scheme(scheme))
            scheme.published_at = timezone.now()
        scheme.status = to
        scheme.save()
        changes = diff(before, snapshot(scheme))
        if reason:
            changes["reason"] = [None, reason]
        record(actor, Action.UPDATE, scheme, changes)
    return scheme


def _check_tree(scheme: Scheme) -> None:
    leaves = [i for i in scheme.indicators.all() if i.rule is not None]
    if not leaves:
        raise Refused(_("Add at least one scored indicator before opening the scheme."), "to")
    for leaf in leaves:
        if leaf.source == Indicator.Source.METRIC and not leaf.metric:
            raise Refused(_("Indicator %(code)s takes its actual from a metric but names none.") % {"code": leaf.code})


def candidates(scheme: Scheme) -> list[dict[str, Any]]:
    """Who a scheme of its group assesses today, in the owning office's scope."""
    from platforms.models import Platform

    office = scheme.org_unit
    if scheme.group in (Group.COUNTY, Group.DEPARTMENT):
        kind = OrgUnit.Kind.COUNTY if scheme.group == Group.COUNTY else OrgUnit.Kind.DEPARTMENT
        units = OrgUnit.objects.in_subtree(office).filter(kind=kind, is_active=True).exclude(pk=office.pk)
        return [
            {"kind": Assessee.Kind.ORG_UNIT, "org_unit": u, "key": u.code, "name": u.name}
            for u in units.order_by("code")
        ]
    if scheme.group == Group.PLATFORM:
        platforms = Platform.objects.in_subtree(office).filter(status=Platform.Status.ACTIVE).select_related("org_unit")
        return [
            {"kind": Assessee.Kind.PLATFORM, "org_unit": p.org_unit, "platform": p, "key": p.code, "name": p.name}
            for p in platforms.order_by("code")
        ]
    enterprises = Enterprise.objects.in_subtree(office).filter(is_talent_enterprise=True).select_related("org_unit")
    return [
        {
            "kind": Assessee.Kind.ENTERPRISE,
            "org_unit": e.org_unit,
            "enterprise": e,
            "key": e.credit_code,
            "name": e.name,
        }
        for e in enterprises.order_by("credit_code")
    ]


def snapshot_assessees(scheme: Scheme) -> None:
    """Fix who is assessed when the scheme opens (later registry changes do not move them); each gets a
    submission. Assessees already there (a scheme reopened for entry) are kept."""
    known = set(scheme.assessees.values_list("key", flat=True))
    new = [
        Assessee(scheme=scheme, order=n, **row) for n, row in enumerate(candidates(scheme)) if row["key"] not in known
    ]
    Assessee.objects.bulk_create(new, batch_size=1000)
    missing = Assessee.objects.filter(scheme=scheme, submission__isnull=True)
    Submission.objects.bulk_create((Submission(assessee=a) for a in missing), batch_size=1000)


def copy_scheme(scheme: Scheme, year: int, name: str, actor: Actor, with_targets: bool = False) -> Scheme:
    """A new draft scheme for ``year`` with the same tree, rules and metric bindings (and targets, by key,
    for the assessees the new scheme will have, when asked)."""
    with transaction.atomic():
        copy = Scheme.objects.create(
            year=year,
            name=name,
            group=scheme.group,
            org_unit=scheme.org_unit,
            grades=scheme.grades,
            excellent_share=scheme.excellent_share,
            description=scheme.description,
            copied_from=scheme,
        )
        mapping: dict[int, Indicator] = {}
        for indicator in scheme.indicators.order_by("level", "order", "id"):
            old_pk = indicator.pk
            indicator.pk = None
            indicator.scheme = copy
            indicator.parent = mapping.get(indicator.parent_id or 0)
            indicator.save()
            mapping[old_pk] = indicator
        if with_targets:
            # Targets need assessees: the copy takes its assessees now (opening adds any that appeared since),
            # and each keeps the target its namesake (same key) had.
            snapshot_assessees(copy)
            by_key = {a.key: a for a in copy.assessees.all()}
            Target.objects.bulk_create(
                Target(indicator=mapping[t.indicator_id], assessee=by_key[t.assessee.key], value=t.value)
                for t in Target.objects.filter(indicator__scheme=scheme).select_related("assessee")
                if t.assessee.key in by_key
            )
        _audited(actor, copy, None)
    return copy


# --- assessees' users ---------------------------------------------------------------------------------------


def answers_for(user: Any, assessee: Assessee) -> bool:
    """Whether ``user`` fills in ``assessee``'s submission: an editor or admin of its unit (or above it)."""
    return Assessee.objects.own_of(user).filter(pk=assessee.pk).exists()


def refuse_unless_open_for(submission: Submission, actor: Actor, today: datetime.date | None = None) -> None:
    assessee = submission.assessee
    scheme = assessee.scheme
    refuse_if_frozen(scheme)
    if actor.user is None or not answers_for(actor.user, assessee):
        raise Refused(_("Only the assessee's own editors and administrators fill in its submission."))
    if scheme.status != Status.OPEN:
        raise Refused(
            _("The scheme is not open for entry (it is %(status)s).") % {"status": scheme.get_status_display()}
        )
    if submission.status not in FILLABLE:
        raise Refused(
            _("The submission is %(status)s; it can be changed again only if a reviewer returns it.")
            % {"status": submission.get_status_display()}
        )
    deadline = assessee.deadline
    if deadline and (today or timezone.localdate()) > deadline:
        raise Refused(
            _("The deadline (%(date)s) has passed; ask the assessing office for an extension.") % {"date": deadline}
        )


def refuse_unless_entered(submission: Submission, indicator: Indicator, field: str = "indicator") -> None:
    """An entered value belongs to an indicator of the submission's scheme whose source is the assessee."""
    if indicator.scheme_id != submission.assessee.scheme_id or indicator.source != Indicator.Source.ENTERED:
        raise Refused(
            _("Indicator %(code)s is not one the assessee enters a value for.") % {"code": indicator.code}, field
        )


def save_entries(submission: Submission, entries: Iterable[dict[str, Any]], actor: Actor) -> list[Entry]:
    """Store the values the assessee enters (indicators whose source is ``entered``), one per indicator."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("assessee__scheme").get(pk=submission.pk)
        refuse_unless_open_for(submission, actor)
        saved = []
        for item in entries:
            indicator = item["indicator"]
            refuse_unless_entered(submission, indicator, "entries")
            value = item.get("value")
            if value is not None and (not Decimal(value).is_finite() or abs(Decimal(value)) > Decimal("1e13")):
                raise Refused(_("Enter a number for %(code)s.") % {"code": indicator.code}, "entries")
            entry, created = Entry.objects.get_or_create(submission=submission, indicator=indicator)
            before = None if created else snapshot(entry)
            entry.value = value
            entry.note = item.get("note", "") or ""
            entry.save()
            _audited(actor, entry, before)
            saved.append(entry)
        return saved


def submit(submission: Submission, actor: Actor) -> Submission:
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("assessee__scheme").get(pk=submission.pk)
        refuse_unless_open_for(submission, actor)
        missing = Indicator.objects.filter(
            scheme=submission.assessee.scheme, source=Indicator.Source.ENTERED, evidence_required=True
        ).exclude(pk__in=Evidence.objects.filter(submission=submission).values("indicator_id"))
        if missing.exists():
            codes = ", ".join(missing.values_list("code", flat=True)[:10])
            raise Refused(_("Attach the evidence these indicators require: %(codes)s.") % {"codes": codes})
        return _move(submission, Submission.Status.SUBMITTED, actor, submitted_at=timezone.now())


def attach_evidence(submission: Submission, indicator: Indicator, upload: Any, actor: Actor) -> Evidence:
    """A file backing the value the assessee enters for ``indicator``; only while it may still be changed."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("assessee__scheme").get(pk=submission.pk)
        refuse_unless_open_for(submission, actor)
        if indicator.scheme_id != submission.assessee.scheme_id or indicator.source != Indicator.Source.ENTERED:
            raise Refused(
                _("Indicator %(code)s is not one the assessee enters a value for.") % {"code": indicator.code},
                "indicator",
            )
        evidence = Evidence.objects.create(
            submission=submission, indicator=indicator, file=upload, name=upload.name[:200], uploaded_by=actor.user
        )
        _audited(actor, evidence, None)
        return evidence


def _move(submission: Submission, to: str, actor: Actor, **changes: Any) -> Submission:
    before = snapshot(submission)
    submission.status = to
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.save()
    _audited(actor, submission, before)
    return submission


# --- reviewers ----------------------------------------------------------------------------------------------


def reviews(user: Any, scheme: Scheme, indicator: Indicator | None = None) -> bool:
    """Reviewers in the office's scope, the office's admins, and users the scheme's admin assigned (to the
    scheme or to ``indicator``)."""
    if user is None or not user.is_authenticated:
        return False
    unit = unit_of(user)
    in_office_scope = unit is not None and unit.path.startswith(scheme.org_unit.path)
    if in_office_scope and role_of(user) == Role.REVIEWER:
        return True
    if Scheme.objects.editable_by(user).filter(pk=scheme.pk).exists():  # the office's own admins (a county's
        return True  # admins answer for their county; they do not review the others)
    assigned = ReviewerAssignment.objects.filter(scheme=scheme, user=user)
    if indicator is not None:
        assigned = assigned.filter(Q(indicator__isnull=True) | Q(indicator=indicator))
    return assigned.exists()


def is_own_unit(user: Any, assessee: Assessee) -> bool:
    """Whether the user's unit belongs to ``assessee`` (is its unit or below it)."""
    unit = unit_of(user)
    return unit is not None and unit.path.startswith(assessee.org_unit.path)


def refuse_own_unit(user: Any, assessee: Assessee) -> None:
    """Nobody reviews the assessee their own unit belongs to."""
    if is_own_unit(user, assessee):
        raise Refused(_("You cannot review %(assessee)s: your own unit belongs to it.") % {"assessee": assessee})


def _reviewable(submission: Submission, actor: Actor, statuses: tuple[str, ...]) -> Submission:
    submission = (
        Submission.objects.select_for_update().select_related("assessee__scheme__org_unit").get(pk=submission.pk)
    )
    scheme = submission.assessee.scheme
    refuse_if_frozen(scheme)
    if not reviews(actor.user, scheme):
        raise Refused(_("Only the scheme's reviewers and administrators review submissions."))
    refuse_own_unit(actor.user, submission.assessee)
    if submission.status not in statuses:
        raise Refused(_("The submission is %(status)s.") % {"status": submission.get_status_display()}, "status")
    return submission


def return_submission(submission: Submission, comment: str, actor: Actor) -> Submission:
    if not comment.strip():
        raise Refused(_("Say what the assessee should correct."), "comment")
    with transaction.atomic():
        submission = _reviewable(submission, actor, (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED))
        return _move(submission, Submission.Status.RETURNED, actor, comment=comment)


def accept(submission: Submission, actor: Actor) -> Submission:
    with transaction.atomic():
        submission = _reviewable(submission, actor, (Submission.Status.SUBMITTED,))
        return _move(submission, Submission.Status.ACCEPTED, actor)


def refuse_unless_reviewed(submission: Submission, indicator: Indicator) -> None:
    """A mark is for an indicator of the submission's scheme that reviewers mark."""
    if indicator.scheme_id != submission.assessee.scheme_id or indicator.source != Indicator.Source.REVIEWED:
        raise Refused(_("Indicator %(code)s is not marked by reviewers.") % {"code": indicator.code}, "indicator")


def refuse_unless_reviewer(user: Any, submission: Submission, indicator: Indicator) -> None:
    """Marks come from the scheme's reviewers of that indicator, never for their own unit, while it changes."""
    scheme = submission.assessee.scheme
    refuse_if_frozen(scheme)
    if not reviews(user, scheme, indicator):
        raise Refused(_("Only the scheme's reviewers mark its indicators."))
    refuse_own_unit(user, submission.assessee)


def refuse_points_outside(indicator: Indicator, points: Decimal) -> None:
    if not (Decimal(0) <= points <= indicator.max_points):
        raise Refused(_("Give between 0 and %(max)s points.") % {"max": indicator.max_points}, "points")


def save_mark(submission: Submission, indicator: Indicator, points: Decimal, comment: str, actor: Actor) -> Mark:
    """One reviewer's points for a manual indicator, within [0, max points]; marking again replaces them."""
    with transaction.atomic():
        submission = Submission.objects.select_related("assessee__scheme__org_unit").get(pk=submission.pk)
        refuse_if_frozen(submission.assessee.scheme)
        refuse_unless_reviewed(submission, indicator)
        refuse_unless_reviewer(actor.user, submission, indicator)
        refuse_points_outside(indicator, points)
        mark, created = Mark.objects.get_or_create(
            submission=submission, indicator=indicator, reviewer=actor.user, defaults={"points": points}
        )
        before = None if created else snapshot(mark)
        mark.points, mark.comment = points, comment
        mark.save()
        _audited(actor, mark, before)
        return mark


# --- events -------------------------------------------------------------------------------------------------


def claim_event(data: dict[str, Any], files: Iterable[Any], actor: Actor) -> Event:
    """An assessee claims a bonus, penalty or veto event (or the office records one), with its evidence."""
    assessee: Assessee = data["assessee"]
    indicator: Indicator = data["indicator"]
    scheme = assessee.scheme
    refuse_if_frozen(scheme)
    if indicator.scheme_id != scheme.pk or indicator.source != Indicator.Source.EVENTS:
        raise Refused(_("Indicator %(code)s does not take events.") % {"code": indicator.code}, "indicator")
    office = actor.user is not None and Scheme.objects.editable_by(actor.user).filter(pk=scheme.pk).exists()
    if not office and not (actor.user is not None and answers_for(actor.user, assessee)):
        raise Refused(_("Only the assessee's own editors and administrators claim its events."), "assessee")
    kind = (indicator.rule or {}).get("kind")
    level = data.get("level") or ""
    if kind == "bonus" and level not in rules.LEVELS:
        raise Refused(_("Choose the level of the achievement."), "level")
    files = list(files)
    if indicator.evidence_required and not files:
        raise Refused(_("Indicator %(code)s requires evidence: attach a file.") % {"code": indicator.code}, "evidence")
    with transaction.atomic():
        submission = Submission.objects.get(assessee=assessee)
        event = Event.objects.create(
            scheme=scheme,
            assessee=assessee,
            indicator=indicator,
            level=level,
            key=data.get("key", "") or "",
            occurred_on=data["occurred_on"],
            description=data["description"],
            claimed_by=actor.user,
        )
        for upload in files:
            Evidence.objects.create(
                submission=submission, event=event, indicator=indicator, file=upload, name=upload.name[:200],
                uploaded_by=actor.user,
            )  # fmt: skip
        _audited(actor, event, None)
    return event


def decide_event(event: Event, verified: bool, comment: str, actor: Actor) -> Event:
    with transaction.atomic():
        event = (
            Event.objects.select_for_update().select_related("scheme__org_unit", "assessee__org_unit").get(pk=event.pk)
        )
        refuse_if_frozen(event.scheme)
        if not reviews(actor.user, event.scheme, event.indicator):
            raise Refused(_("Only the scheme's reviewers verify events."))
        refuse_own_unit(actor.user, event.assessee)
        before = snapshot(event)
        event.status = Event.Status.VERIFIED if verified else Event.Status.REJECTED
        event.decided_by, event.decided_at, event.decision_comment = actor.user, timezone.now(), comment
        event.save()
        _audited(actor, event, before)
        return event


def refuse_unless_pair(indicator: Indicator, assessee: Assessee) -> None:
    """A target is set in a scheme that still changes, for an indicator and an assessee of that scheme."""
    refuse_if_frozen(indicator.scheme)
    if indicator.scheme_id != assessee.scheme_id:
        raise Refused(_("The indicator and the assessee belong to different schemes."), "assessee")


def set_target(indicator: Indicator, assessee: Assessee, value: Decimal, actor: Actor) -> Target:
    """Create or change the target of a pair (the office's admins)."""
    refuse_unless_pair(indicator, assessee)
    if value < 0:
        raise Refused(_("A target cannot be negative."), "value")
    with transaction.atomic():
        target, created = Target.objects.get_or_create(
            indicator=indicator, assessee=assessee, defaults={"value": value}
        )
        before = None if created else snapshot(target)
        target.value = value
        target.save()
        _audited(actor, target, before)
        return target
