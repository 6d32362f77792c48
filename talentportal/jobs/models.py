"""Background jobs: what was asked, by whom, how far it got, and what it produced."""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from talentportal.orgs.models import OrgScopedQuerySet, is_admin, unit_of

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class JobQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> JobQuerySet:
        """Admins see the jobs of their scope; everyone else only the jobs they started."""
        scoped = super().for_user(user)
        return scoped if is_admin(user) else scoped.filter(created_by=user)

    def unfinished(self) -> JobQuerySet:
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])

    def fail_stale(self) -> int:
        """Mark failed the running jobs whose worker stopped sending heartbeats (it died or was killed)."""
        now = timezone.now()
        limit = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
        died = self.filter(status=Job.Status.RUNNING, heartbeat_at__lt=limit).update(
            status=Job.Status.FAILED,
            finished_at=now,
            message=str(_("The worker stopped responding; the job was abandoned. Start it again.")),
        )
        never_started = self.filter(
            status=Job.Status.QUEUED, created_at__lt=now - timedelta(seconds=settings.JOB_QUEUED_STALE_SECONDS)
        ).update(
            status=Job.Status.FAILED,
            finished_at=now,
            message=str(_("No background worker took this job. Ask the administrator to check the workers.")),
        )
        Import.objects.filter(job__status=Job.Status.FAILED, status__in=Import.BUSY).recover()
        return died + never_started


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    title = models.CharField(_("title"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    error_file = models.FileField(_("error report"), upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="jobs", verbose_name=_("started by")
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.PROTECT, null=True, blank=True, related_name="jobs", verbose_name=_("scope")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_total=0) | Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    def report(self, done: int, total: int | None = None, message: str | None = None, force: bool = False) -> None:
        """Store progress; cheap to call per batch (writes at most twice a second unless forced)."""
        now = timezone.now()
        self.progress_done = done
        if total is not None:
            self.progress_total = total
        if message is not None:
            self.message = message
        last = getattr(self, "_last_report", None)
        if force or last is None or (now - last).total_seconds() >= 0.5 or done == self.progress_total:
            self._last_report = now
            self.heartbeat_at = now
            Job.objects.filter(pk=self.pk).update(
                progress_done=self.progress_done,
                progress_total=self.progress_total,
                message=self.message,
                heartbeat_at=now,
            )

    def finish(self, status: str, message: str = "") -> None:
        self.status = status
        self.finished_at = timezone.now()
        if message:
            self.message = message
        if status == self.Status.SUCCEEDED and self.progress_total:
            self.progress_done = self.progress_total
        self.save()

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class WorkerHeartbeatQuerySet(models.QuerySet["WorkerHeartbeat"]):
    def recent(self) -> WorkerHeartbeatQuerySet:
        """Workers that reported in within ``WORKER_SEEN_SECONDS``."""
        return self.filter(seen_at__gte=timezone.now() - timedelta(seconds=settings.WORKER_SEEN_SECONDS))

    def seen(self, name: str) -> None:
        self.update_or_create(name=name[:200], defaults={"seen_at": timezone.now()})


class WorkerHeartbeat(models.Model):
    """A Celery worker's last sign of life: written when it starts and by the scheduler's minutely task, which only
    a worker runs. ``/health/`` reads it to tell whether any worker is consuming the queue."""

    name = models.CharField(_("worker"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name


class ImportQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> ImportQuerySet:
        """Imports are admins' work: an admin sees the imports of their scope, nobody else any."""
        return super().for_user(user) if is_admin(user) else self.none()

    def recover(self, message: str = "") -> int:
        """Imports whose step died with its job go back to where they were: a failed apply wrote nothing (its
        transaction never committed), so the checked import may be applied again."""
        message = message or str(_("The last step stopped before it finished; nothing of it was kept."))
        back = {
            Import.Status.CHECKING: Import.Status.FAILED,
            Import.Status.APPLYING: Import.Status.CHECKED,
            Import.Status.UNDOING: Import.Status.APPLIED,
        }
        changed = 0
        for status, previous in back.items():
            changed += self.filter(status=status).update(status=previous, message=message)
        return changed


class Import(models.Model):
    """One uploaded roster: its dry run, its application and, maybe, its undoing."""

    class Status(models.TextChoices):
        CHECKING = "checking", pgettext_lazy("import", "Checking")
        CHECKED = "checked", pgettext_lazy("import", "Checked")
        REFUSED = "refused", pgettext_lazy("import", "Refused")
        APPLYING = "applying", pgettext_lazy("import", "Applying")
        APPLIED = "applied", pgettext_lazy("import", "Applied")
        UNDOING = "undoing", pgettext_lazy("import", "Undoing")
        UNDONE = "undone", pgettext_lazy("import", "Undone")
        FAILED = "failed", pgettext_lazy("import", "Failed")

    BUSY = (Status.CHECKING, Status.APPLYING, Status.UNDOING)

    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    keep_valid = models.BooleanField(_("keep valid rows"), default=False)
    # A blank cell leaves a stored value as it is, unless the uploader chose to clear values the file leaves blank.
    clear_blanks = models.BooleanField(_("clear values where the file is blank"), default=False)
    blank_values = models.PositiveIntegerField(_("stored values blank in the file"), default=0)
    message = models.TextField(_("message"), blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)  # rows skipped (a totals row), and why
    preview = models.JSONField(_("preview"), default=list, blank=True)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    error_report = models.FileField(_("error report"), upload_to="imports/%Y/%m/", blank=True)
    undo_log = models.FileField(_("undo log"), upload_to="imports/%Y/%m/", blank=True)
    conflicts = models.JSONField(_("undo conflicts"), default=list, blank=True)
    # Values of choice and reference columns the check did not know, grouped with the rows naming them and the
    # closest options; and the saved value mappings the check applied (``ValueMapping``).
    unknown_values = models.JSONField(_("unknown values"), default=list, blank=True)
    applied_mappings = models.JSONField(_("value mappings applied"), default=list, blank=True)
    job = models.ForeignKey(Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job"))
    apply_job = models.ForeignKey(
        Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("apply job")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="imports", verbose_name=_("imported by")
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.PROTECT, null=True, blank=True, related_name="imports", verbose_name=_("scope")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:import_detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in self.BUSY

    @property
    def can_apply(self) -> bool:
        """A finished dry run can be applied: without errors, or keeping the valid rows when asked to."""
        if self.status != self.Status.CHECKED:
            return False
        errors = self.counts.get("errors", 0)
        return errors == 0 or (self.keep_valid and self.counts.get("rows", 0) > errors)

    @property
    def can_undo(self) -> bool:
        return self.status == self.Status.APPLIED and bool(self.undo_log)


class ValueMappingQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> ValueMappingQuerySet:
        """Mappings are admins' work, like imports: an admin sees the mappings of their scope, nobody else any."""
        return super().for_user(user) if is_admin(user) else self.none()

    def applying_to(self, user: AnyUser, kind: str) -> ValueMappingQuerySet:
        """The mappings an import of ``kind`` by ``user`` applies: those saved for the user's own unit and for the
        units above it, the nearest last (a county's mapping overrides the city's for the same value). Never a
        mapping of a unit beside or below the user's: another county's choices are its own."""
        unit = unit_of(user)
        if unit is None:
            return self.none()
        return self.filter(Q(org_unit=unit) | Q(org_unit__in=unit.ancestors()), kind=kind).order_by("org_unit__path")


class ValueMapping(models.Model):
    """A value an org unit's rosters write that no column knows, mapped once by an admin to one of the column's
    options (a choice's code, a referenced record's code), and applied to that unit's later imports of the kind."""

    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.CASCADE, related_name="value_mappings", verbose_name=_("org unit")
    )
    kind = models.CharField(_("import kind"), max_length=40)
    column = models.CharField(_("column"), max_length=60)
    value = models.CharField(_("value in the file"), max_length=200)
    target = models.CharField(_("mapped to"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("mapped by")
    )
    created_at = models.DateTimeField(_("mapped at"), auto_now_add=True)

    objects = ValueMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("value mapping")
        verbose_name_plural = _("value mappings")
        ordering = ["kind", "column", "value", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "kind", "column", "value"], name="value_mapping_unique"),
            models.CheckConstraint(condition=~Q(value="") & ~Q(target=""), name="value_mapping_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.target}"


class ReportTemplateQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> ReportTemplateQuerySet:
        """Templates are admins' work: an admin sees the templates of their scope."""
        return super().for_user(user) if is_admin(user) else self.none()

    def editable_by(self, user: AnyUser) -> ReportTemplateQuerySet:
        return self.for_user(user)

    def applying_to(self, user: AnyUser, kind: str) -> ReportTemplate | None:
        """The template a report of ``kind`` by ``user`` is drawn with: the latest uploaded for the user's own unit,
        else for the nearest unit above it; ``None`` means the portal's default."""
        unit = unit_of(user)
        if unit is None:
            return None
        return (
            self.filter(Q(org_unit=unit) | Q(org_unit__in=unit.ancestors()), kind=kind)
            .order_by("-org_unit__path", "-uploaded_at", "-id")
            .first()
        )


class ReportTemplate(models.Model):
    """A Word template an office uploaded for a report kind: every later report of that kind run in the office's
    unit (or below it) is drawn with it."""

    kind = models.CharField(_("report kind"), max_length=40)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.CASCADE, related_name="report_templates", verbose_name=_("org unit")
    )
    file = models.FileField(_("template"), upload_to="report-templates/%Y/")
    file_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ReportTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["kind", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class ReportScheduleQuerySet(OrgScopedQuerySet):
    def for_user(self, user: AnyUser) -> ReportScheduleQuerySet:
        """Schedules are admins' work: an admin sees the schedules of their scope."""
        return super().for_user(user) if is_admin(user) else self.none()

    def editable_by(self, user: AnyUser) -> ReportScheduleQuerySet:
        return self.for_user(user)

    def due(self, now: datetime.datetime | None = None) -> ReportScheduleQuerySet:
        return self.filter(active=True, next_run_at__lte=now or timezone.now())


class ReportSchedule(models.Model):
    """A report run by itself, as the admin who scheduled it, some days after each period ends (the quarterly form
    on the 5th day after each quarter). Its ``year`` and ``quarter`` are the period that has just ended."""

    class Every(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    kind = models.CharField(_("report kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    every = models.CharField(_("after each"), max_length=10, choices=Every.choices, default=Every.QUARTER)
    day = models.PositiveSmallIntegerField(
        _("on day"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The day after the period ends on which the report runs (1–28)."),
    )
    active = models.BooleanField(_("active"), default=True)
    # Why the scheduler paused it (its last run was refused), shown on the schedules page.
    message = models.TextField(_("message"), blank=True)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.CASCADE, related_name="report_schedules", verbose_name=_("org unit")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="report_schedules", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_run_at = models.DateTimeField(_("next run"), db_index=True)
    last_job = models.ForeignKey(
        Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("last report")
    )

    objects = ReportScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["next_run_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(day__gte=1) & Q(day__lte=28), name="report_schedule_day_in_month")
        ]

    def __str__(self) -> str:
        return f"{self.kind} / {self.get_every_display()}"
