"""Plan indicators (规划指标): a five-year plan's indicator table, its targets per county and its yearly actuals.

A plan belongs to the office that drew it up (``org_unit``). Who sees what:
- the plan, its indicators: the office and the units above it, and every unit below it (a county reads the
  city's plan to follow its own share of it); the office's admins and editors change them;
- targets and actuals are kept per unit (the plan's own unit, or a county's share): a user sees those of their
  own unit and the units below it, never another county's, and editors write them in their scope.

An actual is entered (with its source and a note), imported (kind ``plan_actuals``), or computed live from a
registry metric the indicator is bound to (``metric``); a rate is kept as its numerator and denominator where
they are known, so that counties roll up by summing those, never by averaging percentages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit, can_write, unit_of
from talentportal.validators import TEXT

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

YEARS = [MinValueValidator(1949), MaxValueValidator(2100)]
# Values: counts of people (万人 with decimals), 万元, shares; four decimals, up to 10^14.
VALUE: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}
MAX_VALUE = Decimal("99999999999999")


class PlanQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> Self:
        """The plans of the user's unit, of the units below it, and of the units above it (the plan they share)."""
        unit = unit_of(user)
        if unit is None:
            return self.in_scope_of(user)
        return self.filter(Q(pk__in=self.in_scope_of(user).values("pk")) | Q(org_unit__path__in=unit.ancestor_paths()))

    def editable_by(self, user: AnyUser) -> Self:
        """Editors and admins of the office (or a unit above it) change the plan and its indicators."""
        return self.in_scope_of(user) if can_write(user) else self.none()


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=200, validators=TEXT)
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="plans", verbose_name=_("org unit"))
    start_year = models.PositiveSmallIntegerField(_("first year"), validators=YEARS)
    end_year = models.PositiveSmallIntegerField(_("last year"), validators=YEARS)
    description = models.TextField(_("description"), blank=True, validators=TEXT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-start_year", "org_unit__path", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="plan_years_in_order"),
            models.UniqueConstraint(fields=["org_unit", "name"], name="plan_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class PlanPartQuerySet(OrgScopedQuerySet):
    """A plan's indicators: seen with the plan, changed by whoever may change the plan."""

    org_path_field = "plan__org_unit__path"

    def for_user(self, user: AnyUser) -> Self:
        return self.filter(plan__in=Plan.objects.for_user(user))

    def editable_by(self, user: AnyUser) -> Self:
        return self.filter(plan__in=Plan.objects.editable_by(user))


class PlanIndicator(models.Model):
    class Category(models.TextChoices):
        TOTAL = "total", _("Total (stock at year end)")
        FLOW = "flow", _("Flow (added in the year)")
        CUMULATIVE = "cumulative", _("Cumulative (since the plan began)")
        RATE = "rate", _("Rate (%)")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="indicators", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=20, validators=TEXT, help_text=_("Unique in the plan, e.g. 1.2."))
    group = models.CharField(_("level-1 indicator"), max_length=100, validators=TEXT)
    name = models.CharField(_("indicator"), max_length=200, validators=TEXT)
    unit = models.CharField(_("unit"), max_length=20, blank=True, validators=TEXT)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, default=Category.TOTAL)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), validators=YEARS)
    baseline_value = models.DecimalField(_("baseline value"), null=True, blank=True, **VALUE)
    target_year = models.PositiveSmallIntegerField(_("target year"), validators=YEARS)
    target_value = models.DecimalField(_("target value"), **VALUE)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    # A registry metric (``talentportal.metrics``) the yearly actuals are computed from, with its parameters;
    # blank: the actuals are entered or imported.
    metric = models.CharField(_("registry metric"), max_length=60, blank=True)
    metric_params = models.JSONField(_("metric parameters"), default=dict, blank=True)
    jump_share = models.DecimalField(
        _("flag a change larger than"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("A share of last year's value: 0.50 flags a value 50% above or below it as a likely typo."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=TEXT)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan indicator")
        verbose_name_plural = _("plan indicators")
        ordering = ["plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_indicator_unique_code"),
            models.CheckConstraint(
                condition=Q(target_year__gt=models.F("baseline_year")), name="plan_indicator_target_after_baseline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("plans:indicator_page", args=[self.pk])

    @property
    def is_rate(self) -> bool:
        return self.category == self.Category.RATE


class UnitFigureQuerySet(OrgScopedQuerySet):
    """Targets and actuals belong to their own unit: a county's share is seen in the county's scope only."""

    def for_user(self, user: AnyUser) -> Self:
        return self.in_scope_of(user).filter(indicator__in=PlanIndicator.objects.for_user(user))


class PlanTarget(models.Model):
    """A unit's own baseline and target for an indicator (a county's share of the city's target)."""

    indicator = models.ForeignKey(PlanIndicator, models.CASCADE, related_name="targets", verbose_name=_("indicator"))
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="plan_targets", verbose_name=_("org unit"))
    baseline_value = models.DecimalField(_("baseline value"), null=True, blank=True, **VALUE)
    target_value = models.DecimalField(_("target value"), **VALUE)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=TEXT)

    objects = UnitFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["indicator", "org_unit__path"]
        constraints = [models.UniqueConstraint(fields=["indicator", "org_unit"], name="plan_target_unique_unit")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.org_unit}"


class PlanActual(models.Model):
    """The value an indicator reached in a year, for the plan's unit or one unit below it."""

    indicator = models.ForeignKey(PlanIndicator, models.CASCADE, related_name="actuals", verbose_name=_("indicator"))
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="plan_actuals", verbose_name=_("org unit"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEARS)
    value = models.DecimalField(_("value"), **VALUE)
    # For rates: what the share is of, so that units roll up by summing these.
    numerator = models.DecimalField(_("numerator"), null=True, blank=True, **VALUE)
    denominator = models.DecimalField(_("denominator"), null=True, blank=True, **VALUE)
    source = models.CharField(_("source"), max_length=200, blank=True, validators=TEXT)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=TEXT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UnitFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan actual")
        verbose_name_plural = _("plan actuals")
        ordering = ["indicator", "year", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year"], name="plan_actual_unique_year"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0), name="plan_actual_denominator_positive"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="plan_actual_year_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.year}"
