"""Innovation platforms (incubators, expert workstations, enclaves, overseas stations), their yearly figures and
who resides in them."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentportal.countries import COUNTRIES
from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit
from talentportal.validators import DATE, TEXT
from talents.models import MONEY, Enterprise, Talent


class PlatformQuerySet(OrgScopedQuerySet):
    def recognized_in(self, year: int) -> PlatformQuerySet:
        return self.recognized_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def recognized_between(self, start: datetime.date, end: datetime.date) -> PlatformQuerySet:
        return self.filter(recognized_on__range=(start, end))

    def at_least(self, level: str) -> PlatformQuerySet:
        """Platforms of ``level`` or above (national > provincial > municipal > county)."""
        ranks = list(Platform.Level.values)
        return self.filter(level__in=ranks[: ranks.index(level) + 1])

    def active_at(self, day: datetime.date) -> PlatformQuerySet:
        """Platforms active on ``day``: recognised by then (or with no recognition date on record) and not
        revoked by then."""
        recognized = Q(recognized_on__isnull=True) | Q(recognized_on__lte=day)
        return self.filter(recognized, Q(status=Platform.Status.ACTIVE) | Q(revoked_on__gt=day))


class Platform(models.Model):
    class Kind(models.TextChoices):
        INCUBATOR = "incubator", _("Technology business incubator")
        MAKER_SPACE = "maker_space", _("Maker space")
        ACADEMICIAN_STATION = "academician_station", _("Academician expert workstation")
        POSTDOC_STATION = "postdoc_station", _("Postdoctoral research station")
        POSTDOC_BASE = "postdoc_base", _("Postdoctoral innovation practice base")
        SKILL_MASTER_STUDIO = "skill_master_studio", _("Skill master studio")
        ENTERPRISE_INSTITUTE = "enterprise_institute", _("Enterprise research institute")
        KEY_LAB = "key_lab", _("Key laboratory")
        TECH_CENTER = "tech_center", _("Enterprise technology center")
        INNOVATION_COMPLEX = "innovation_complex", _("Industrial innovation service complex")
        TALENT_BASE = "talent_base", _("High-level talent innovation base")
        TALENT_PARK = "talent_park", _("Talent industrial park")
        ENCLAVE = "enclave", _("Talent enclave / offshore incubator")
        OVERSEAS_STATION = "overseas_station", _("Overseas talent recruitment station")
        LIAISON_STATION = "liaison_station", _("Talent liaison station")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")
        COUNTY = "county", _("County")

    class Location(models.TextChoices):
        LOCAL = "local", _("Local")
        DOMESTIC = "domestic", _("Elsewhere in China")
        OVERSEAS = "overseas", _("Overseas")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    code = models.CharField(_("platform code"), max_length=40, unique=True, validators=TEXT)
    name = models.CharField(_("platform name"), max_length=200, validators=TEXT)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    host_enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="platforms", verbose_name=_("host enterprise")
    )
    host_name = models.CharField(
        _("host organisation"),
        max_length=200,
        blank=True,
        help_text=_("When the host is not a registered enterprise."),
        validators=TEXT,
    )
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="platforms", verbose_name=_("org unit"))
    location = models.CharField(_("location"), max_length=10, choices=Location.choices, default=Location.LOCAL)
    city = models.CharField(_("city"), max_length=60, blank=True, validators=TEXT)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        choices=list(COUNTRIES.items()),
        help_text=_("Choose the country or region by its name (type to search)."),
    )
    recognized_on = models.DateField(_("recognised on"), null=True, blank=True, validators=DATE)
    star_rating = models.PositiveSmallIntegerField(
        _("star rating"), default=0, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True, validators=DATE)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "level"], name="platform_kind_level_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(star_rating__gte=0) & Q(star_rating__lte=5), name="platform_star_rating_range"
            ),
            models.CheckConstraint(
                condition=(Q(status="revoked") & Q(revoked_on__isnull=False))
                | (Q(status="active") & Q(revoked_on__isnull=True)),
                name="platform_revoked_on_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("platforms:platform_detail", args=[self.pk])


class PlatformYearQuerySet(OrgScopedQuerySet):
    org_path_field = "platform__org_unit__path"


class PlatformYear(models.Model):
    platform = models.ForeignKey(Platform, models.CASCADE, related_name="years", verbose_name=_("platform"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    resident_talents = models.PositiveIntegerField(_("resident talents"), default=0)
    resident_enterprises = models.PositiveIntegerField(_("resident enterprises"), default=0)
    incubated_enterprises = models.PositiveIntegerField(_("incubated enterprises"), default=0)
    graduated_enterprises = models.PositiveIntegerField(_("graduated enterprises"), default=0)
    new_projects = models.PositiveIntegerField(_("new projects"), default=0)
    rd_investment = models.DecimalField(_("R&D investment (10k yuan)"), default=0, **MONEY)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), default=0)
    events_held = models.PositiveIntegerField(_("events held"), default=0)

    objects = PlatformYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform yearly figures")
        verbose_name_plural = _("platform yearly figures")
        ordering = ["platform", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "year"], name="platform_year_unique"),
            models.CheckConstraint(condition=Q(rd_investment__gte=0), name="platform_year_money_non_negative"),
            models.CheckConstraint(condition=Q(year__gte=1949) & Q(year__lte=2100), name="platform_year_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.year}"

    @property
    def org_unit_id(self) -> Any:
        return self.platform.org_unit_id


class ResidencyQuerySet(OrgScopedQuerySet):
    org_path_field = "platform__org_unit__path"

    def overlapping(self, since: datetime.date, until: datetime.date | None) -> ResidencyQuerySet:
        """Residencies whose period shares a day with [since, until] (open ends run forever)."""
        qs = self.filter(Q(until__isnull=True) | Q(until__gte=since))
        return qs if until is None else qs.filter(since__lte=until)


class Residency(models.Model):
    platform = models.ForeignKey(Platform, models.CASCADE, related_name="residencies", verbose_name=_("platform"))
    talent = models.ForeignKey(
        Talent, models.PROTECT, null=True, blank=True, related_name="residencies", verbose_name=_("talent")
    )
    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="residencies", verbose_name=_("enterprise")
    )
    since = models.DateField(_("since"), validators=DATE)
    until = models.DateField(_("until"), null=True, blank=True, validators=DATE)

    objects = ResidencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        ordering = ["-since", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(talent__isnull=False) & Q(enterprise__isnull=True))
                | (Q(talent__isnull=True) & Q(enterprise__isnull=False)),
                name="residency_exactly_one_resident",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")), name="residency_until_after_since"
            ),
            # A stay is named by its platform, its resident and the day it began (stays never overlap).
            models.UniqueConstraint(
                fields=["platform", "talent", "since"],
                condition=Q(talent__isnull=False),
                name="residency_talent_stay_unique",
            ),
            models.UniqueConstraint(
                fields=["platform", "enterprise", "since"],
                condition=Q(enterprise__isnull=False),
                name="residency_enterprise_stay_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.platform}"

    @property
    def resident(self) -> Talent | Enterprise | None:
        return self.talent if self.talent_id else self.enterprise

    @property
    def org_unit_id(self) -> Any:
        return self.platform.org_unit_id

    @property
    def is_current(self) -> bool:
        return self.until is None or self.until >= datetime.date.today()
