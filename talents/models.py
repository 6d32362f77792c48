"""Talents, their teams and enterprises, the enterprises' yearly figures, and the talents' service requests."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, DurationField, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentportal.countries import COUNTRIES
from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit, User
from talentportal.registry.masking import mask_birth_date, mask_email, mask_id, mask_phone
from talentportal.validators import DATE, TEXT

from . import validators

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Industry(models.TextChoices):
    ELECTRONICS = "electronics", _("Electronic information")
    DIGITAL = "digital", _("Digital economy")
    EQUIPMENT = "equipment", _("High-end equipment")
    NEW_MATERIALS = "new_materials", _("New materials")
    NEW_ENERGY = "new_energy", _("New energy")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    ENVIRONMENT = "environment", _("Energy saving and environment")
    FASHION = "fashion", _("Fashion industry")
    SERVICES = "services", _("Modern services")
    AGRICULTURE = "agriculture", _("Modern agriculture")
    OTHER = "other", _("Other")


class Enterprise(models.Model):
    class Listing(models.TextChoices):
        NONE = "none", _("Not listed")
        NEEQ = "neeq", _("NEEQ (New Third Board)")
        MAIN_BOARD = "main_board", _("Main board")
        STAR_MARKET = "star_market", _("STAR Market")
        CHINEXT = "chinext", _("ChiNext")
        BSE = "bse", _("Beijing Stock Exchange")
        OVERSEAS = "overseas", _("Listed overseas")

    name = models.CharField(_("enterprise name"), max_length=200, validators=TEXT)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validators.validate_credit_code]
    )
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="enterprises", verbose_name=_("org unit"))
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    founded_on = models.DateField(_("founded on"), null=True, blank=True, validators=DATE)
    registered_capital = models.DecimalField(_("registered capital (10k yuan)"), null=True, blank=True, **MONEY)
    is_talent_enterprise = models.BooleanField(_("talent-founded enterprise"), default=False)
    listing = models.CharField(_("listing"), max_length=20, choices=Listing.choices, default=Listing.NONE)
    address = models.CharField(_("address"), max_length=200, blank=True, validators=TEXT)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True, validators=TEXT)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validators.validate_phone]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrgScopedQuerySet.as_manager()
    # Personal data, by field, with the mask it is shown through to whoever may not see it in full: the registry
    # pages, exports, API and the change history all read it here.
    personal_fields: ClassVar[dict[str, Callable[[Any], str]]] = {"contact_phone": mask_phone}

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["-id"]
        indexes = [models.Index(fields=["org_unit", "-id"], name="enterprise_unit_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(registered_capital__gte=0), name="enterprise_capital_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talents:enterprise_detail", args=[self.pk])


# The fields a person enters for an enterprise (form and API).
ENTERPRISE_FIELDS = [
    "name", "credit_code", "org_unit", "industry", "founded_on", "registered_capital",
    "is_talent_enterprise", "listing", "address", "contact_name", "contact_phone",
]  # fmt: skip


class EnterpriseYearQuerySet(OrgScopedQuerySet):
    org_path_field = "enterprise__org_unit__path"


class EnterpriseYear(models.Model):
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="years", verbose_name=_("enterprise"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    revenue = models.DecimalField(_("revenue (10k yuan)"), default=0, **MONEY)
    tax_paid = models.DecimalField(_("tax paid (10k yuan)"), default=0, **MONEY)
    rd_expense = models.DecimalField(_("R&D expense (10k yuan)"), default=0, **MONEY)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    invention_patents = models.PositiveIntegerField(_("invention patents"), default=0)
    financing_raised = models.DecimalField(_("financing raised (10k yuan)"), default=0, **MONEY)

    objects = EnterpriseYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise yearly figures")
        verbose_name_plural = _("enterprise yearly figures")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="enterprise_year_unique"),
            models.CheckConstraint(condition=Q(year__gte=1949) & Q(year__lte=2100), name="enterprise_year_in_range"),
            models.CheckConstraint(
                condition=Q(revenue__gte=0) & Q(tax_paid__gte=0) & Q(rd_expense__gte=0) & Q(financing_raised__gte=0),
                name="enterprise_year_money_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.year}"

    @property
    def org_unit_id(self) -> int:
        return self.enterprise.org_unit_id


class TalentQuerySet(OrgScopedQuerySet):
    def leading(self) -> Self:
        return self.filter(
            tier__in=[
                Talent.Tier.TOP,
                Talent.Tier.NATIONAL_LEADING,
                Talent.Tier.PROVINCIAL_LEADING,
                Talent.Tier.MUNICIPAL_LEADING,
            ]
        )

    def landed_in(self, year: int) -> Self:
        return self.landed_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def landed_between(self, start: datetime.date, end: datetime.date) -> Self:
        """Talents landed from ``start`` to ``end`` (both included): a quarter's, where the tally keeps years."""
        return self.filter(landed_on__range=(start, end))


class Talent(models.Model):
    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident ID card")
        PASSPORT = "passport", _("Passport")
        HK_MACAU_PERMIT = "hk_macau_permit", _("Hong Kong / Macao resident permit")
        TAIWAN_PERMIT = "taiwan_permit", _("Taiwan resident permit")
        FOREIGN_PERMANENT_ID = "foreign_permanent_id", _("Foreigner permanent residence ID")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Degree(models.TextChoices):
        DOCTORATE = "doctorate", _("Doctorate")
        MASTER = "master", _("Master")
        BACHELOR = "bachelor", _("Bachelor")
        COLLEGE = "college", _("College")
        OTHER = "other", _("Other")

    class Category(models.TextChoices):
        PARTY_GOV = "party_gov", _("Party and government talent")
        MANAGEMENT = "management", _("Business management talent")
        PROFESSIONAL = "professional", _("Professional and technical talent")
        SKILLED = "skilled", _("Highly skilled talent")
        RURAL = "rural", _("Rural practical talent")
        SOCIAL_WORK = "social_work", _("Social work talent")

    class Tier(models.TextChoices):
        TOP = "top", _("Top talent")
        NATIONAL_LEADING = "national_leading", _("National leading talent")
        PROVINCIAL_LEADING = "provincial_leading", _("Provincial leading talent")
        MUNICIPAL_LEADING = "municipal_leading", _("Municipal leading talent")
        YOUTH = "youth", _("Young talent")
        OTHER = "other", _("Other")

    class RecruitmentMode(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        FLEXIBLE = "flexible", _("Flexible")

    # A person's name is 姓名; an organisation's (enterprise, team, platform) is 名称.
    name = models.CharField(_("full name"), max_length=100, validators=TEXT)
    id_type = models.CharField(_("ID type"), max_length=24, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=32, validators=TEXT)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, validators=DATE)
    nationality = models.CharField(
        _("nationality"),
        max_length=2,
        default="CN",
        choices=list(COUNTRIES.items()),
        validators=[validators.validate_nationality],
        help_text=_("Choose the country or region by its name (type to search)."),
    )
    is_returnee = models.BooleanField(_("returned from study abroad"), default=False)
    highest_degree = models.CharField(_("highest degree"), max_length=12, choices=Degree.choices, blank=True)
    graduated_from = models.CharField(_("graduated from"), max_length=100, blank=True, validators=TEXT)
    position_title = models.CharField(_("position / title"), max_length=100, blank=True, validators=TEXT)
    category = models.CharField(_("talent category"), max_length=16, choices=Category.choices)
    tier = models.CharField(_("talent tier"), max_length=20, choices=Tier.choices)
    recruitment_mode = models.CharField(
        _("recruitment mode"), max_length=12, choices=RecruitmentMode.choices, default=RecruitmentMode.FULL_TIME
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="talents", verbose_name=_("org unit"))
    employer = models.ForeignKey(
        Enterprise,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="talents",
        verbose_name=_("employer (enterprise)"),
    )
    employer_name = models.CharField(
        _("employer"),
        max_length=200,
        blank=True,
        help_text=_("For universities, hospitals and other employers that are not registered enterprises."),
        validators=TEXT,
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[validators.validate_mobile])
    email = models.EmailField(_("e-mail"), blank=True)
    landed_on = models.DateField(_("landed on"), null=True, blank=True, validators=DATE)
    notes = models.TextField(_("notes"), blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TalentQuerySet.as_manager()
    personal_fields: ClassVar[dict[str, Callable[[Any], str]]] = {
        "id_number": mask_id,
        "phone": mask_phone,
        "email": mask_email,
        "birth_date": mask_birth_date,
    }

    class Meta:
        verbose_name = _("talent")
        verbose_name_plural = _("talents")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org_unit", "-id"], name="talent_unit_idx"),
            # A county's talents of a tier (its leading talents on the home page, the tier filter): counted
            # from the index alone.
            models.Index(fields=["org_unit", "tier", "-id"], name="talent_unit_tier_idx"),
            models.Index(fields=["tier", "-id"], name="talent_tier_idx"),
            models.Index(fields=["category", "-id"], name="talent_category_idx"),
            # Talents landed in a year, by unit and by what the assessment's lines filter on: the grouped counts
            # of ``talents.landed`` read the index alone (the year's rows, not the table).
            models.Index(
                fields=["landed_on", "org_unit", "tier", "category", "recruitment_mode"], name="talent_landed_idx"
            ),
            models.Index(fields=["name"], name="talent_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="talent_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talents:talent_detail", args=[self.pk])

    @property
    def employer_display(self) -> str:
        return self.employer.name if self.employer_id and self.employer else self.employer_name


class TalentTallyQuerySet(OrgScopedQuerySet):
    def landed_in(self, year: int) -> Self:
        return self.filter(year=year)


class TalentTally(models.Model):
    """How many talents landed in each unit and year, by tier, category and recruitment mode.

    Kept by triggers on the talent table (``talents/tally.py``), so every write counts however it is made —
    a form, the API, an import's bulk upsert, a statement over many rows, the admin or SQL by hand. The
    assessment and the cockpit count a year's talents from these few hundred rows instead of the registry's
    million (a year's count at a million talents: from ~50 ms to ~1 ms, the same at ten thousand). Talents
    without a landing date are not counted; a group whose count falls to zero is removed.
    """

    # No database constraint: a unit whose talents have all gone has no rows left here, and one with talents
    # cannot be deleted (talents protect their unit).
    org_unit = models.ForeignKey(OrgUnit, models.DO_NOTHING, db_constraint=False, related_name="+")
    year = models.SmallIntegerField()
    tier = models.CharField(max_length=20)
    category = models.CharField(max_length=16)
    recruitment_mode = models.CharField(max_length=12)
    n = models.IntegerField()

    objects = TalentTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "year", "tier", "category", "recruitment_mode"], name="talent_tally_key"
            )
        ]
        indexes = [models.Index(fields=["year", "org_unit"], name="talent_tally_year_idx")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.year} {self.tier} {self.category} {self.recruitment_mode}: {self.n}"


class TeamQuerySet(OrgScopedQuerySet):
    def landed_between(self, start: datetime.date, end: datetime.date) -> Self:
        """A team has no date of its own (its record's creation date is when someone typed it in): it lands when
        its leader lands."""
        return self.filter(leader__landed_on__range=(start, end))


# The fields a person enters for a talent: the form, the API (and later the roster import) share them.
TALENT_FIELDS = [
    "name",
    "id_type",
    "id_number",
    "gender",
    "birth_date",
    "nationality",
    "is_returnee",
    "highest_degree",
    "graduated_from",
    "position_title",
    "category",
    "tier",
    "recruitment_mode",
    "industry",
    "org_unit",
    "employer",
    "employer_name",
    "phone",
    "email",
    "landed_on",
    "notes",
]


class Team(models.Model):
    name = models.CharField(_("team name"), max_length=200, validators=TEXT)
    leader = models.ForeignKey(Talent, models.PROTECT, related_name="led_teams", verbose_name=_("team leader"))
    members = models.ManyToManyField(Talent, blank=True, related_name="teams", verbose_name=_("members"))
    org_unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="teams", verbose_name=_("org unit"))
    employer = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="teams", verbose_name=_("employer (enterprise)")
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["-id"]
        constraints = [
            # What names a team on a roster: its name and its leader (a leader may lead more than one team).
            models.UniqueConstraint(
                fields=["leader", "name"],
                name="team_leader_name_unique",
                violation_error_message=_("This leader already leads a team of this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talents:team_detail", args=[self.pk])


# How long a closed request waited, from acceptance to its closing day.
WAITED = ExpressionWrapper(F("resolved_on") - F("submitted_on"), output_field=DurationField())


class ServiceRequestQuerySet(OrgScopedQuerySet):
    org_path_field = "talent__org_unit__path"
    counted_by = "talent_unit"  # the registry's counts group by the request's own copy of its talent's unit

    def open(self) -> Self:
        return self.filter(status__in=[ServiceRequest.Status.SUBMITTED, ServiceRequest.Status.IN_PROGRESS])

    def overdue(self, today: datetime.date | None = None) -> Self:
        return self.filter(self.overdue_condition(today))

    @staticmethod
    def overdue_condition(today: datetime.date | None = None) -> Q:
        """Still open this many days after it was accepted (``SERVICE_REQUEST_DUE_DAYS``)."""
        cutoff = (today or timezone.localdate()) - datetime.timedelta(days=settings.SERVICE_REQUEST_DUE_DAYS)
        open_states = [ServiceRequest.Status.SUBMITTED, ServiceRequest.Status.IN_PROGRESS]
        return Q(status__in=open_states, submitted_on__lt=cutoff)

    def resolved_in(self, year: int) -> Self:
        """Requests resolved (not declined) in ``year``."""
        return self.resolved_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def resolved_between(self, start: datetime.date, end: datetime.date) -> Self:
        return self.filter(status=ServiceRequest.Status.RESOLVED, resolved_on__range=(start, end))

    def submitted_between(self, start: datetime.date, end: datetime.date) -> Self:
        """Requests accepted from ``start`` to ``end`` (both included)."""
        return self.filter(submitted_on__range=(start, end))

    @staticmethod
    def closed_within(days: int) -> LessThanOrEqual:
        """That the request was closed at most ``days`` days after it was accepted (an expression for
        ``filter=`` of an aggregate as well as for ``filter()``)."""
        return LessThanOrEqual(WAITED, datetime.timedelta(days=days))

    def open_at_end_of(self, year: int) -> Self:
        """Requests still open on 31 December of ``year``: accepted by then and not closed by then (open now, or
        closed after that day)."""
        end = datetime.date(year, 12, 31)
        open_states = [ServiceRequest.Status.SUBMITTED, ServiceRequest.Status.IN_PROGRESS]
        return self.filter(Q(submitted_on__lte=end) & (Q(status__in=open_states) | Q(resolved_on__gt=end)))

    def overdue_in(self, year: int, days: int) -> Self:
        """Requests overdue in ``year``, as ``is_overdue`` sees a request on the last day of that year, plus the
        ones closed in that year late: still open on 31 December (open now, or closed after that day) more than
        ``days`` days after they were accepted, or closed during the year more than ``days`` days after."""
        return self.overdue_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31), days)

    def overdue_between(self, start: datetime.date, end: datetime.date, days: int) -> Self:
        """``overdue_in`` for the period from ``start`` to ``end`` (a quarter): overdue on its last day, or
        closed late during it."""
        open_states = [ServiceRequest.Status.SUBMITTED, ServiceRequest.Status.IN_PROGRESS]
        open_at_end = Q(submitted_on__lt=end - datetime.timedelta(days=days)) & (
            Q(status__in=open_states) | Q(resolved_on__gt=end)
        )
        closed_late = Q(resolved_on__range=(start, end)) & Q(GreaterThan(WAITED, datetime.timedelta(days=days)))
        return self.filter(open_at_end | closed_late)

    def overdue_first(self) -> Self:
        """Overdue requests first, then the oldest."""
        first = Case(When(self.overdue_condition(), then=Value(0)), default=Value(1), output_field=IntegerField())
        return self.annotate(overdue_first=first).order_by("overdue_first", "submitted_on", "id")


class ServiceRequest(models.Model):
    class Kind(models.TextChoices):
        HUKOU = "hukou", _("Household registration")
        HOUSING = "housing", _("Housing")
        SCHOOLING = "schooling", _("Children's schooling")
        SPOUSE_JOB = "spouse_job", _("Spouse employment")
        MEDICAL = "medical", _("Medical care")
        FINANCING = "financing", _("Financing")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Declined")

    talent = models.ForeignKey(Talent, models.CASCADE, related_name="service_requests", verbose_name=_("talent"))
    # The talent's unit, kept by the database (``talents/tally.py``: from the talent on insert, and whenever the
    # talent moves), so that counts by unit read the requests alone. Scoping still goes through the talent.
    talent_unit = models.ForeignKey(
        OrgUnit, models.DO_NOTHING, db_constraint=False, null=True, editable=False, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("handler")
    )
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate, validators=DATE)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, validators=DATE)
    description = models.TextField(_("description"), validators=TEXT)
    resolution = models.TextField(_("resolution"), blank=True, validators=TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()
    kept_by_database: ClassVar[tuple[str, ...]] = ("talent_unit",)

    CLOSED = (Status.RESOLVED, Status.REJECTED)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["submitted_on", "id"]
        indexes = [
            models.Index(fields=["status", "submitted_on"], name="service_request_queue_idx"),
            # The list's order (newest first), read backwards: a page is the first rows of the index, not a
            # sort of every request joined to its talent.
            models.Index(fields=["submitted_on", "id"], name="service_request_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("submitted_on")),
                name="service_request_resolved_after_submitted",
            ),
            # Closed requests carry their resolution date; open ones none.
            models.CheckConstraint(
                condition=(Q(status__in=["resolved", "rejected"]) & Q(resolved_on__isnull=False))
                | (Q(status__in=["submitted", "in_progress"]) & Q(resolved_on__isnull=True)),
                name="service_request_resolved_on_matches_status",
            ),
            # A closed request says what was done, or why it was declined.
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "in_progress"]) | ~Q(resolution=""),
                name="service_request_closed_has_resolution",
                violation_error_message=_("A resolved or declined request needs its result or reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talent} · {self.get_kind_display()}"

    @property
    def org_unit_id(self) -> Any:
        return self.talent.org_unit_id

    @classmethod
    def closing_errors(cls, status: str, resolution: str | None, handler: Any) -> dict[str, str]:
        """What a request moved to ``status`` still lacks, as ``{field: message}``: a resolved request needs its
        result and its handler, a declined one the reason (written as its resolution). The form, the queue and
        the API all ask this before saving."""
        errors: dict[str, str] = {}
        written = bool((resolution or "").strip())
        if status == cls.Status.RESOLVED:
            if not written:
                errors["resolution"] = str(_("Enter the result before closing the request as resolved."))
            if handler is None:
                errors["handler"] = str(_("Choose the handler who resolved the request."))
        elif status == cls.Status.REJECTED and not written:
            errors["resolution"] = str(_("Enter the reason for declining the request."))
        return errors

    @staticmethod
    def handler_choices(user: AnyUser) -> models.QuerySet[User]:
        """Who may be named as a request's handler: active editors and admins in the user's scope."""
        handlers: models.QuerySet[User] = User.objects.for_user(user).filter(
            membership__role__in=["editor", "admin"], is_active=True
        )
        return handlers

    @classmethod
    def resolution_date(
        cls, status: str, submitted_on: datetime.date | None, resolved_on: datetime.date | None
    ) -> datetime.date | None:
        """The resolution date a request in ``status`` should carry: kept or today when closed, none when open."""
        if status not in cls.CLOSED:
            return None
        date = resolved_on or timezone.localdate()
        return max(date, submitted_on) if submitted_on else date

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED

    @property
    def is_overdue(self) -> bool:
        # Counted back from today: a far date stored before dates were bounded must not overflow.
        waited = timezone.localdate() - self.submitted_on
        return self.is_open and waited.days > settings.SERVICE_REQUEST_DUE_DAYS
