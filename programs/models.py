"""Talent programs, their yearly batches, the selections that move through a batch, and funding tranches.

The selection lifecycle lives in one table (``TRANSITIONS``): forms, bulk actions, the API and imports all ask
``Selection.transition_error`` before a move, so no door allows what another refuses.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit, can_write, unit_of
from talentportal.validators import DATE, TEXT
from talents.models import MONEY, Enterprise, Talent, Team

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

POSITIVE_MONEY: dict[str, Any] = {**MONEY, "validators": [MinValueValidator(Decimal("0.01"))]}


class ProgramOwnedQuerySet(OrgScopedQuerySet):
    """Rows that belong to a program. The program's office (and the units above it) sees and manages them;
    ``org_path_field`` names the unit that put the row forward (a county recommending an applicant), which sees
    its own rows too but only changes them while they are still applications."""

    program_field = "program"

    @property
    def office_path(self) -> str:
        return f"{self.program_field}__org_unit__path"

    def for_user(self, user: AnyUser) -> Self:
        return self.in_scope_of(user, self.office_path, self.org_path_field)

    def managed_by(self, user: AnyUser) -> Self:
        """Rows of programs the user's office runs, for editors and admins: decisions and money."""
        return self.in_scope_of(user, self.office_path) if can_write(user) else self.none()

    def editable_by(self, user: AnyUser) -> Self:
        return self.managed_by(user)


class ProgramQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> Self:
        """A program is seen by its office and the units below it (counties recommend applicants into the
        city's programs) and by the units above it."""
        unit = unit_of(user)
        above = list(unit.ancestors().values_list("id", flat=True)) if unit else []
        return self.in_scope_of(user) | self.filter(org_unit_id__in=above)

    def editable_by(self, user: AnyUser) -> Self:
        return self.in_scope_of(user) if can_write(user) else self.none()


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County")


class Program(models.Model):
    class Category(models.TextChoices):
        INNOVATION = "innovation", _("Innovation")
        ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")
        TEAM = "team", pgettext_lazy("program category", "Team")
        YOUTH = "youth", _("Youth")
        SKILLS = "skills", _("Skills")
        FLEXIBLE = "flexible", _("Flexible recruitment")

    code = models.CharField(_("program code"), max_length=40, unique=True, validators=TEXT)
    name = models.CharField(_("program name"), max_length=200, validators=TEXT)
    short_name = models.CharField(_("short name"), max_length=60, blank=True, validators=TEXT)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    org_unit = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="programs", verbose_name=_("administering office")
    )
    description = models.TextField(pgettext_lazy("program", "description"), blank=True, validators=TEXT)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("talent program")
        verbose_name_plural = _("talent programs")
        ordering = ["-is_active", "code"]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="program_code_not_empty")]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:program_detail", args=[self.pk])


class BatchQuerySet(ProgramOwnedQuerySet):
    org_path_field = "program__org_unit__path"

    def for_user(self, user: AnyUser) -> Self:
        return self.filter(program__in=Program.objects.for_user(user))


class Batch(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("batch status", "Planned")
        OPEN = "open", _("Open for applications")
        REVIEWING = "reviewing", _("Under review")
        CLOSED = "closed", _("Closed")

    program = models.ForeignKey(Program, models.PROTECT, related_name="batches", verbose_name=_("program"))
    ordinal = models.PositiveSmallIntegerField(_("batch number"), validators=[MinValueValidator(1)])
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    opens_on = models.DateField(_("opens on"), null=True, blank=True, validators=DATE)
    closes_on = models.DateField(_("closes on"), null=True, blank=True, validators=DATE)
    quota = models.PositiveIntegerField(_("quota"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["program", "-ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["program", "ordinal"], name="batch_program_ordinal_unique"),
            models.CheckConstraint(condition=Q(ordinal__gte=1), name="batch_ordinal_positive"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(closes_on__isnull=True) | Q(closes_on__gte=F("opens_on")),
                name="batch_closes_after_opening",
                violation_error_message=_("A batch cannot close before it opens."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(program)s · batch %(ordinal)s") % {"program": self.program, "ordinal": self.ordinal}

    def get_absolute_url(self) -> str:
        return reverse("programs:batch_detail", args=[self.pk])

    @property
    def org_unit_id(self) -> Any:
        return self.program.org_unit_id


class Status(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SCREENED = "screened", _("Passed screening")
    REVIEWED = "reviewed", _("Passed review")
    DEFENDED = "defended", _("Passed defence")
    PUBLICIZED = "publicized", _("Publicised")
    SELECTED = "selected", _("Selected")
    LANDED = "landed", _("Landed")
    MIDTERM_PASSED = "midterm_passed", _("Passed mid-term review")
    MIDTERM_FAILED = "midterm_failed", _("Failed mid-term review")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Not selected")
    EXITED = "exited", _("Exited")


# The whole lifecycle: from each state, the states it may move to. Nothing else moves a selection.
PIPELINE = [Status.APPLIED, Status.SCREENED, Status.REVIEWED, Status.DEFENDED, Status.PUBLICIZED]
TRANSITIONS: dict[str, set[str]] = {
    Status.APPLIED: {Status.SCREENED, Status.REJECTED},
    Status.SCREENED: {Status.REVIEWED, Status.REJECTED},
    Status.REVIEWED: {Status.DEFENDED, Status.REJECTED},
    Status.DEFENDED: {Status.PUBLICIZED, Status.REJECTED},
    Status.PUBLICIZED: {Status.SELECTED, Status.REJECTED},
    Status.SELECTED: {Status.LANDED, Status.EXITED},
    Status.LANDED: {Status.MIDTERM_PASSED, Status.MIDTERM_FAILED, Status.EXITED},
    Status.MIDTERM_PASSED: {Status.COMPLETED, Status.EXITED},
    Status.MIDTERM_FAILED: {Status.COMPLETED, Status.EXITED},
    Status.COMPLETED: set(),
    Status.REJECTED: set(),
    Status.EXITED: set(),
}
LANDED_OR_LATER = [Status.LANDED, Status.MIDTERM_PASSED, Status.MIDTERM_FAILED, Status.COMPLETED]
# Selected and not exited: the stages in which tranches are planned and paid.
FUNDED = [Status.SELECTED, *LANDED_OR_LATER]
# Selected at some point: still funded, finished, or exited since.
SELECTED_OR_LATER = [*FUNDED, Status.EXITED]
NEEDS_REASON = {Status.REJECTED, Status.EXITED}
DECIDED = {Status.SELECTED, Status.REJECTED}


def transition_error(current: str, to: str, reason: str = "") -> str | None:
    """Why ``current`` → ``to`` is not allowed, or ``None`` when it is. Every door asks this."""
    labels = dict(Status.choices)
    if to not in labels:
        return gettext("“%(to)s” is not a selection status.") % {"to": to}
    names = {"from": labels[current], "to": labels[to]}
    if current == to:
        return gettext("The selection is already “%(from)s”.") % names
    if not TRANSITIONS[current]:
        return gettext("“%(from)s” is final: the selection does not move any more.") % names
    if to == Status.REJECTED and current not in PIPELINE:
        return gettext("Only applications not yet selected can be rejected; a selected talent exits instead.") % names
    if to == Status.EXITED and current in PIPELINE:
        return gettext("Only selected talents can exit; an application is rejected instead.") % names
    if to not in TRANSITIONS[current]:
        allowed = "、".join(f"“{labels[s]}”" for s in Status.values if s in TRANSITIONS[current])
        return gettext("From “%(from)s” a selection moves only to %(allowed)s, not to “%(to)s”.") % {
            **names,
            "allowed": allowed,
        }
    if to in NEEDS_REASON and not reason.strip():
        return gettext("Moving to “%(to)s” needs a reason.") % names
    return None


class SelectionQuerySet(ProgramOwnedQuerySet):
    program_field = "batch__program"

    def editable_by(self, user: AnyUser) -> Self:
        """The program's office edits its selections; the recommending county edits its applications until
        screening starts."""
        if not can_write(user):
            return self.none()
        return self.managed_by(user) | self.in_scope_of(user).filter(status=Status.APPLIED)

    def selected_in(self, year: int) -> Self:
        """Selections decided as selected in ``year`` (still funded, finished, or exited since): the decision
        date is the one the office records, in imported rosters as well as in the lifecycle."""
        return self.selected_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def selected_between(self, start: datetime.date, end: datetime.date) -> Self:
        return self.filter(status__in=SELECTED_OR_LATER, decided_on__range=(start, end))

    def exited_in(self, year: int) -> Self:
        """Selections that exited in ``year``: the day of the move to ``exited`` is its event's."""
        exits = SelectionEvent.objects.filter(to_status=Status.EXITED, at__year=year).values("selection_id")
        return self.filter(status=Status.EXITED, pk__in=exits)

    def summary_by(self, key: str) -> dict[Any, dict[str, Any]]:
        """Per value of ``key`` (e.g. ``batch_id``): applied, selected (incl. those who left since), landed,
        exited, and the award of those selected."""
        rows = (
            self.order_by()
            .values(key)
            .annotate(
                applied=Count("id"),
                selected=Count("id", filter=Q(status__in=SELECTED_OR_LATER)),
                landed=Count("id", filter=Q(status__in=LANDED_OR_LATER)),
                exited=Count("id", filter=Q(status=Status.EXITED)),
                awarded=Sum("award_amount", filter=Q(status__in=SELECTED_OR_LATER)),
            )
        )
        return {row.pop(key): row for row in rows}


class Selection(models.Model):
    Status = Status

    batch = models.ForeignKey(Batch, models.PROTECT, related_name="selections", verbose_name=_("batch"))
    talent = models.ForeignKey(
        Talent, models.PROTECT, null=True, blank=True, related_name="selections", verbose_name=_("talent")
    )
    team = models.ForeignKey(
        Team, models.PROTECT, null=True, blank=True, related_name="selections", verbose_name=_("team")
    )
    org_unit = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="selections", verbose_name=_("recommending unit")
    )
    employer = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="selections", verbose_name=_("employer")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.APPLIED)
    award_amount = models.DecimalField(_("award (10k yuan)"), null=True, blank=True, **POSITIVE_MONEY)
    applied_on = models.DateField(_("applied on"), default=timezone.localdate, validators=DATE)
    decided_on = models.DateField(_("decided on"), null=True, blank=True, validators=DATE)
    exit_reason = models.CharField(_("reason (not selected or exited)"), max_length=500, blank=True, validators=TEXT)
    notes = models.TextField(_("notes"), blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["-id"]
        indexes = [models.Index(fields=["batch", "status"], name="selection_batch_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(talent__isnull=False) & Q(team__isnull=True))
                | (Q(talent__isnull=True) & Q(team__isnull=False)),
                name="selection_exactly_one_applicant",
                violation_error_message=_("Choose either a talent or a team, not both."),
            ),
            models.UniqueConstraint(
                fields=["batch", "talent"],
                condition=Q(talent__isnull=False),
                name="selection_talent_once_per_batch",
                violation_error_message=_("This talent is already in this batch."),
            ),
            models.UniqueConstraint(
                fields=["batch", "team"],
                condition=Q(team__isnull=False),
                name="selection_team_once_per_batch",
                violation_error_message=_("This team is already in this batch."),
            ),
            models.CheckConstraint(
                condition=Q(award_amount__isnull=True) | Q(award_amount__gt=0), name="selection_award_positive"
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("applied_on")),
                name="selection_decided_after_applied",
                violation_error_message=_("A decision cannot be dated before the application."),
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="selection_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.batch}"

    def get_absolute_url(self) -> str:
        return reverse("programs:selection_detail", args=[self.pk])

    @property
    def applicant(self) -> Talent | Team | None:
        return self.talent if self.talent_id else self.team

    def transition_error(self, to: str, reason: str = "") -> str | None:
        return transition_error(self.status, to, reason)

    @property
    def next_statuses(self) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[self.status]]

    def has_reached(self, status: str, history: Collection[str] | None = None) -> bool:
        """Whether the selection reached ``status`` at some point (it may have moved on since).

        ``history``: the statuses its events moved it to, when the caller fetched them for many selections."""
        # Up to landing the stages follow one line; past it (the mid-term's two outcomes) only the events tell.
        stages: list[str] = [*PIPELINE, *FUNDED]
        if status in stages[: stages.index(Status.LANDED) + 1] and self.status in stages:
            return stages.index(self.status) >= stages.index(status)
        if self.status == status:
            return True
        return status in history if history is not None else self.events.filter(to_status=status).exists()

    def delete_error(self) -> str | None:
        """Only an application (still ``applied``) may be deleted; a selection under way keeps its history."""
        if self.status != Status.APPLIED:
            return gettext(
                "Only an application not yet screened can be deleted; a selection under way keeps its history."
            )
        return None

    def money_waits_for(self, condition: str, history: Collection[str] | None = None) -> str | None:
        """Why a tranche on ``condition`` may not be approved or paid now, or ``None`` when it may."""
        if self.status in (Status.EXITED, Status.REJECTED):
            return gettext("The selection is “%(status)s”: its money has stopped.") % {
                "status": self.get_status_display()
            }
        if condition == TrancheCondition.MIDTERM_PASS and not self.has_reached(Status.MIDTERM_PASSED, history):
            return gettext(
                "This tranche is due after the mid-term review: it is approved or paid only once the review passed."
            )
        if condition == TrancheCondition.ON_LANDING and not self.has_reached(Status.LANDED, history):
            return gettext("This tranche is due on landing: it is approved or paid only once the talent has landed.")
        return None

    def committed_amount(self) -> Decimal:
        """What the tranches not cancelled add up to: it may never exceed the award."""
        total = self.tranches.exclude(status=Tranche.Status.CANCELLED).aggregate(s=Sum("amount"))["s"]
        return (total or Decimal(0)).quantize(Decimal("0.01"))


class SelectionEvent(models.Model):
    selection = models.ForeignKey(Selection, models.CASCADE, related_name="events", verbose_name=_("selection"))
    from_status = models.CharField(
        pgettext_lazy("status change", "from"), max_length=16, choices=Status.choices, blank=True
    )
    to_status = models.CharField(pgettext_lazy("status change", "to"), max_length=16, choices=Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey("orgs.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by"))
    comment = models.CharField(_("comment"), max_length=500, blank=True, validators=TEXT)
    reason = models.CharField(_("reason"), max_length=500, blank=True, validators=TEXT)

    class Meta:
        verbose_name = _("selection event")
        verbose_name_plural = _("selection events")
        ordering = ["selection", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class TrancheQuerySet(ProgramOwnedQuerySet):
    program_field = "selection__batch__program"
    org_path_field = "selection__org_unit__path"

    def overdue(self) -> Self:
        """Approved or planned tranches whose planned date has passed."""
        return self.filter(
            status__in=[TrancheStatus.PLANNED, TrancheStatus.APPROVED], planned_on__lt=timezone.localdate()
        )

    def paid_in(self, year: int) -> Self:
        return self.paid_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def paid_between(self, start: datetime.date, end: datetime.date) -> Self:
        return self.filter(status=TrancheStatus.PAID, paid_on__range=(start, end))

    def planned_for(self, year: int) -> Self:
        """Tranches planned for a date in ``year`` and not cancelled."""
        return self.filter(planned_on__year=year).exclude(status=TrancheStatus.CANCELLED)

    def approved(self) -> Self:
        """Tranches approved for payment, or paid (a payment was approved first)."""
        return self.filter(status__in=[TrancheStatus.APPROVED, TrancheStatus.PAID])

    def due_within(self, days: int, today: datetime.date | None = None) -> Self:
        today = today or timezone.localdate()
        return self.filter(
            status__in=[Tranche.Status.PLANNED, Tranche.Status.APPROVED],
            planned_on__lte=today + datetime.timedelta(days=days),
        )


class TrancheCondition(models.TextChoices):
    ON_SIGNING = "on_signing", _("On signing the agreement")
    ON_LANDING = "on_landing", _("On landing")
    MIDTERM_PASS = "midterm_pass", _("After passing the mid-term review")
    MILESTONE = "milestone", _("On a milestone")


class TrancheStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("tranche status", "Planned")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Tranche(models.Model):
    Condition = TrancheCondition
    Status = TrancheStatus

    selection = models.ForeignKey(Selection, models.PROTECT, related_name="tranches", verbose_name=_("selection"))
    number = models.PositiveSmallIntegerField(_("tranche number"), validators=[MinValueValidator(1)])
    amount = models.DecimalField(_("amount (10k yuan)"), **POSITIVE_MONEY)
    condition = models.CharField(_("condition"), max_length=16, choices=TrancheCondition.choices)
    milestone_note = models.CharField(_("milestone"), max_length=300, blank=True, validators=TEXT)
    planned_on = models.DateField(_("planned for"), null=True, blank=True, validators=DATE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, validators=DATE)
    voucher_no = models.CharField(_("voucher number"), max_length=60, blank=True, validators=TEXT)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TrancheQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding tranche")
        verbose_name_plural = _("funding tranches")
        ordering = ["selection", "number"]
        indexes = [models.Index(fields=["status", "planned_on"], name="tranche_status_planned_idx")]
        constraints = [
            models.UniqueConstraint(fields=["selection", "number"], name="tranche_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
            models.CheckConstraint(
                condition=Q(condition__in=TrancheCondition.values),
                name="tranche_condition_known",
            ),
            models.CheckConstraint(condition=Q(status__in=TrancheStatus.values), name="tranche_status_known"),
            models.CheckConstraint(
                condition=(Q(status="paid") & Q(paid_on__isnull=False) & ~Q(voucher_no=""))
                | (~Q(status="paid") & Q(paid_on__isnull=True)),
                name="tranche_paid_has_date_and_voucher",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(selection)s · tranche %(number)s") % {"selection": self.selection, "number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("programs:tranche_detail", args=[self.pk])

    @property
    def org_unit_id(self) -> Any:
        return self.selection.org_unit_id

    @property
    def is_overdue(self) -> bool:
        open_ = self.status in (Tranche.Status.PLANNED, Tranche.Status.APPROVED)
        return open_ and self.planned_on is not None and self.planned_on < timezone.localdate()
