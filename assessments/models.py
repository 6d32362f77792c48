"""The annual assessment: schemes and their indicator trees, the assessees snapshotted when a scheme opens, their
targets, submissions (entered values and evidence), reviewers' marks, claimed events, and the results frozen
when a scheme is published.

Who sees what (the one rule of each queryset's ``for_user``):
- the assessing office (the scheme's ``org_unit``) and the units above it see everything of its schemes;
- an assessee's own users (its unit's subtree; for a platform or enterprise, the unit that owns it) see the
  scheme once it is open, their own assessee, targets, submission, entries, evidence and events — never another
  assessee's;
- reviewers in the office's scope, or assigned to a scheme, see its assessees to mark them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit, Role, can_write, is_admin, role_of, unit_of
from talentportal.validators import DATE, TEXT

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

YEAR = [MinValueValidator(2000), MaxValueValidator(2100)]
POINTS: dict[str, Any] = {"max_digits": 8, "decimal_places": 2, "validators": [MinValueValidator(0)]}
# Targets and actuals: counts, 万元, shares; large enough for a city's revenue in 万元, with four decimals.
VALUE: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}
MAX_VALUE = Decimal("99999999999999")


class Group(models.TextChoices):
    COUNTY = "county", _("Counties (cities, districts)")
    DEPARTMENT = "department", _("Municipal departments")
    PLATFORM = "platform", _("Innovation platforms")
    ENTERPRISE = "enterprise", _("Talent enterprises")


class SchemeQuerySet(OrgScopedQuerySet):
    def office_of(self, user: AnyUser) -> Self:
        """Schemes the user's unit (or a unit above) assesses with: their office sees them whole."""
        return self.in_scope_of(user)

    def for_user(self, user: AnyUser) -> Self:
        """The office's schemes, and the schemes (once open) in which the user's unit is assessed or which the
        user is assigned to review."""
        unit = unit_of(user)
        if unit is None:
            return self.in_scope_of(user)
        assessed = Assessee.objects.in_scope_of(user).values("scheme_id")
        reviewing = ReviewerAssignment.objects.filter(user_id=int(user.pk or 0)).values("scheme_id")
        return self.filter(
            Q(pk__in=self.in_scope_of(user).values("pk"))
            | (~Q(status=Scheme.Status.DRAFT) & (Q(pk__in=assessed) | Q(pk__in=reviewing)))
        )

    def editable_by(self, user: AnyUser) -> Self:
        """The office's admins manage its schemes."""
        return self.in_scope_of(user) if is_admin(user) else self.none()

    def last_published_before(self, scheme: Scheme) -> Scheme | None:
        """The office's scheme of the same group published for an earlier year: the one a ranking's changes are
        measured against."""
        earlier = self.filter(
            group=scheme.group, org_unit=scheme.org_unit, status=Scheme.Status.PUBLISHED, year__lt=scheme.year
        )
        return earlier.order_by("-year", "-id").first()


class Scheme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("scheme status", "Draft")
        OPEN = "open", pgettext_lazy("scheme status", "Open for entry")
        REVIEW = "review", pgettext_lazy("scheme status", "Under review")
        FINAL = "final", pgettext_lazy("scheme status", "Final")
        PUBLISHED = "published", pgettext_lazy("scheme status", "Published")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    name = models.CharField(_("name"), max_length=200, validators=TEXT)
    group = models.CharField(_("assessee group"), max_length=12, choices=Group.choices)
    org_unit = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="assessment_schemes", verbose_name=_("assessing office")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    due_on = models.DateField(_("due on"), null=True, blank=True, validators=DATE)
    grades = models.JSONField(_("grade bands"), default=list, blank=True)
    excellent_share = models.DecimalField(
        _("share graded top at most"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1"))],
        help_text=_("E.g. 0.30: at most 30% of the assessees get the top grade; a tie at the cut falls whole."),
    )
    description = models.TextField(_("description"), blank=True, validators=TEXT)
    copied_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("copied from")
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "group", "id"]
        indexes = [models.Index(fields=["group", "year"], name="scheme_group_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:scheme_detail", args=[self.pk])

    def result_url(self, assessee_id: int) -> str:
        """The page of one assessee's result in this scheme."""
        return reverse("assessments:result_detail", args=[self.pk, assessee_id])

    @property
    def is_frozen(self) -> bool:
        """Final and published schemes refuse edits until an admin reopens them, with a reason."""
        return self.status in (Scheme.Status.FINAL, Scheme.Status.PUBLISHED)


class SchemePartQuerySet(OrgScopedQuerySet):
    """Rows of a scheme (indicators, reviewer assignments): seen with the scheme, changed by its admins."""

    org_path_field = "scheme__org_unit__path"

    def for_user(self, user: AnyUser) -> Self:
        return self.filter(scheme__in=Scheme.objects.for_user(user))

    def editable_by(self, user: AnyUser) -> Self:
        return self.filter(scheme__in=Scheme.objects.editable_by(user))


class AssesseeQuerySet(OrgScopedQuerySet):
    """An assessee belongs to its unit (a county, a department, or the unit owning a platform or enterprise)."""

    def for_user(self, user: AnyUser) -> Self:
        """The office sees all its schemes' assessees; reviewers those of the schemes they review; an
        assessee's users their own (once the scheme is open)."""
        office = Q(scheme__in=Scheme.objects.office_of(user))
        own = Q(pk__in=self.in_scope_of(user).values("pk")) & ~Q(scheme__status=Scheme.Status.DRAFT)
        if role_of(user) == Role.REVIEWER:
            reviewing = ReviewerAssignment.objects.filter(user_id=int(user.pk or 0)).values("scheme_id")
            return self.filter(office | own | Q(scheme__in=reviewing))
        return self.filter(office | own)

    def editable_by(self, user: AnyUser) -> Self:
        """Extensions and exclusions are set by the office's admins."""
        return self.filter(scheme__in=Scheme.objects.editable_by(user))

    def own_of(self, user: AnyUser) -> Self:
        """The assessees the user answers for: editors and admins of the assessee's unit."""
        if not can_write(user):
            return self.none()
        return self.in_scope_of(user).exclude(scheme__status=Scheme.Status.DRAFT)


class Assessee(models.Model):
    class Kind(models.TextChoices):
        ORG_UNIT = "org_unit", _("Org unit")
        PLATFORM = "platform", _("Platform")
        ENTERPRISE = "enterprise", _("Enterprise")

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="assessees", verbose_name=_("scheme"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The unit whose users answer for the assessee: the county or department itself, or the unit owning the
    # platform or enterprise at the time the scheme opened.
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="assessees", verbose_name=_("org unit"))
    platform = models.ForeignKey(
        "platforms.Platform", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("platform")
    )
    enterprise = models.ForeignKey(
        "talents.Enterprise", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("enterprise")
    )
    key = models.CharField(_("key"), max_length=40, help_text=_("Org-unit code, platform code or credit code."))
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    due_on = models.DateField(_("extended to"), null=True, blank=True, validators=DATE)
    excluded = models.BooleanField(_("excluded"), default=False)
    exclusion_reason = models.CharField(_("reason for exclusion"), max_length=200, blank=True, validators=TEXT)

    objects = AssesseeQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessee")
        verbose_name_plural = _("assessees")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="assessee_unique_key"),
            models.CheckConstraint(
                condition=~Q(excluded=True, exclusion_reason=""), name="assessee_exclusion_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def deadline(self) -> datetime.date | None:
        """The assessee's own extension, else the scheme's due date."""
        return self.due_on or self.scheme.due_on


class Indicator(models.Model):
    class Source(models.TextChoices):
        METRIC = "metric", _("Registry metric")
        ENTERED = "entered", _("Entered by the assessee")
        REVIEWED = "reviewed", _("Reviewers' marks")
        EVENTS = "events", _("Claimed events")

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="indicators", verbose_name=_("scheme"))
    code = models.CharField(
        _("code"), max_length=20, validators=TEXT, help_text=_("Unique in the scheme, e.g. 1.2.3 or A01.")
    )
    name = models.CharField(_("name"), max_length=200, validators=TEXT)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent indicator")
    )
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1), MaxValueValidator(3)])
    max_points = models.DecimalField(_("max points"), **POINTS)
    unit = models.CharField(_("unit"), max_length=20, blank=True, validators=TEXT)
    description = models.TextField(_("description"), blank=True, validators=TEXT)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    # On leaves only: how the line is scored (``rules.clean_rule``) and where its actual comes from.
    rule = models.JSONField(_("rule"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    metric = models.JSONField(_("metric"), null=True, blank=True)

    objects = SchemePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return self.rule is not None


class ReviewerAssignment(models.Model):
    """A reviewer named by the scheme's admin, for the whole scheme or one indicator."""

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="reviewers", verbose_name=_("scheme"))
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, null=True, blank=True, related_name="reviewers", verbose_name=_("indicator")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("reviewer"))

    objects = SchemePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator", "user"], name="reviewer_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.indicator or self.scheme}"


class AssesseePartQuerySet(OrgScopedQuerySet):
    """Rows of one assessee (targets, submissions, events): seen with it; ``assessee_field`` leads there."""

    assessee_field = "assessee"
    org_path_field = "assessee__org_unit__path"

    def for_user(self, user: AnyUser) -> Self:
        return self.filter(**{f"{self.assessee_field}__in": Assessee.objects.for_user(user)})

    def editable_by(self, user: AnyUser) -> Self:
        return self.filter(**{f"{self.assessee_field}__in": Assessee.objects.editable_by(user)})


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="targets", verbose_name=_("indicator"))
    assessee = models.ForeignKey(Assessee, models.CASCADE, related_name="targets", verbose_name=_("assessee"))
    value = models.DecimalField(_("target"), **VALUE, validators=[MinValueValidator(0), MaxValueValidator(MAX_VALUE)])

    objects = AssesseePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "assessee"], name="target_unique_pair"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.assessee_id} · {self.indicator_id}: {self.value}"


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("submission status", "Being filled in")
        SUBMITTED = "submitted", pgettext_lazy("submission status", "Submitted")
        RETURNED = "returned", pgettext_lazy("submission status", "Returned")
        ACCEPTED = "accepted", pgettext_lazy("submission status", "Accepted")

    assessee = models.OneToOneField(Assessee, models.CASCADE, related_name="submission", verbose_name=_("assessee"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True, validators=TEXT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AssesseePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["assessee__scheme", "assessee__order", "id"]

    def __str__(self) -> str:
        return str(self.assessee)


class SubmissionPartQuerySet(AssesseePartQuerySet):
    assessee_field = "submission__assessee"
    org_path_field = "submission__assessee__org_unit__path"


class Entry(models.Model):
    """A value the assessee enters for an indicator the registry cannot know."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="entries", verbose_name=_("submission"))
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="entries", verbose_name=_("indicator"))
    value = models.DecimalField(_("value"), **VALUE, null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=TEXT)

    objects = SubmissionPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("entered value")
        verbose_name_plural = _("entered values")
        constraints = [models.UniqueConstraint(fields=["submission", "indicator"], name="entry_unique_pair")]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


class Mark(models.Model):
    """One reviewer's points for one manual indicator of one submission."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="marks", verbose_name=_("submission"))
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="marks", verbose_name=_("indicator"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assessment_marks", verbose_name=_("reviewer")
    )
    points = models.DecimalField(_("points"), **POINTS)
    comment = models.CharField(_("comment"), max_length=500, blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubmissionPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["submission", "indicator", "reviewer"], name="mark_one_per_reviewer"),
            models.CheckConstraint(condition=Q(points__gte=0), name="mark_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.points}"


class Event(models.Model):
    """A bonus, penalty or veto event an assessee claims (or the office records), verified by a reviewer."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="events", verbose_name=_("scheme"))
    assessee = models.ForeignKey(Assessee, models.CASCADE, related_name="events", verbose_name=_("assessee"))
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="events", verbose_name=_("indicator"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    key = models.CharField(
        _("key"),
        max_length=100,
        blank=True,
        validators=TEXT,
        help_text=_("The same achievement claimed twice (one key) counts once, at its highest level."),
    )
    occurred_on = models.DateField(_("occurred on"), validators=DATE)
    description = models.CharField(_("description"), max_length=500, validators=TEXT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("claimed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssesseePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return self.description


def evidence_path(evidence: Evidence, filename: str) -> str:
    return f"assessments/{evidence.submission.assessee.scheme_id}/{evidence.submission_id}/{filename}"


class Evidence(models.Model):
    """A file backing an entered value or a claimed event; seen only by the assessee and the office."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="evidence", verbose_name=_("submission"))
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("indicator")
    )
    event = models.ForeignKey(
        Event, models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("event")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200, validators=TEXT)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = SubmissionPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Result(models.Model):
    """An assessee's result as published: total, subtotals, rank, grade and every line with its inputs and the
    rule parameters used, so that later registry edits never change a published year."""

    assessee = models.OneToOneField(Assessee, models.CASCADE, related_name="result", verbose_name=_("assessee"))
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    subtotals = models.JSONField(_("subtotals"), default=dict)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    grade = models.CharField(_("grade"), max_length=20)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    veto_reasons = models.JSONField(_("veto reasons"), default=list)
    lines = models.JSONField(_("lines"), default=list)
    published_at = models.DateTimeField(_("published at"))

    objects = AssesseePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return f"{self.assessee_id}: {self.total}"
