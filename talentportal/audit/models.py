"""The change log: who changed what, when, and through which door."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.models import OrgScopedQuerySet


class Source(models.TextChoices):
    FORM = "form", _("Web form")
    API = "api", _("API")
    ADMIN = "admin", _("Django admin")
    IMPORT = "import", _("Import")
    JOB = "job", _("Background job")
    SYSTEM = "system", _("System")
    AUTH = "auth", _("Sign-in")


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    REVEAL = "reveal", _("Personal data revealed")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    PASSWORD = "password", _("Password changed")


class LogJSONField(models.JSONField):
    """JSON kept by PostgreSQL as ``json``, its text checked and stored as written, rather than ``jsonb``: the log
    is written on every change (an import writes an entry a row) and read an entry at a time, never searched
    inside, and taking ``json`` in costs PostgreSQL a fraction of parsing ``jsonb``. Other databases keep JSON as
    text either way. On PostgreSQL nothing compares the column: no ``exact``, ``contains``, ``has_key`` or key
    lookups on it, no ``DISTINCT``, ``GROUP BY`` or ``UNION`` over it (``json`` has no equality operator)."""

    def db_type(self, connection: Any) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        # The text itself, where Django would send ``jsonb`` (parsed, and its keys reordered, on the way in).
        return json.dumps(value if prepared else self.get_prep_value(value), cls=self.encoder, ensure_ascii=False)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if connection.vendor == "postgresql":  # psycopg2 reads ``json`` into Python values itself
            return value
        return super().from_db_value(value, expression, connection)


class AuditEntryQuerySet(OrgScopedQuerySet):
    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    # Kept as text so the entry still names the person after the account is gone.
    username = models.CharField(_("username"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    # The unit that owned the record when it changed: scopes who may read the entry.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("org unit")
    )
    changes = LogJSONField(_("changes"), default=dict, blank=True)
    job = models.ForeignKey("jobs.Job", models.SET_NULL, null=True, blank=True, related_name="+")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def revealed_labels(self) -> list[str]:
        """For reveals: the labels of the personal fields shown in full."""
        model = self.content_type.model_class() if self.content_type else None
        labels = []
        for name in self.changes.get("revealed", []) if self.action == Action.REVEAL else []:
            try:
                labels.append(str(getattr(model._meta.get_field(name), "verbose_name", name)) if model else name)
            except Exception:
                labels.append(name)
        return labels

    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for display, with labels from the model when it still exists."""
        if self.action == Action.REVEAL:
            return []
        model = self.content_type.model_class() if self.content_type else None
        # Personal data stays masked in the history too; it is shown in full only through an audited reveal.
        masks = getattr(model, "personal_fields", {})
        rows = []
        for name, pair in self.changes.items():
            # Field changes are [before, after]; anything else logged under a name is shown as it is.
            before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            if name in masks:
                mask = masks[name]
                before, after = (mask(before) if before else before), (mask(after) if after else after)
            label: object = name
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                    label = getattr(field, "verbose_name", name)
                except Exception:  # a field removed since; show its name
                    label = name
            rows.append((str(label), readable(field, before), readable(field, after)))
        return rows


def readable(field: Any, value: Any) -> Any:
    """A logged value as people read it: a choice by its label, a moment in local time, a list as its items.

    Values come from JSON, so any shape may be stored: lists (many-to-many members, multiple choices), objects
    (JSON fields), and plain values of fields that have since changed type.
    """
    if value in (None, "") or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return "、".join(str(readable(field, item)) for item in value) if value else None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if field is None:
        return value
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if value in choices:
        return choices[value]
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return value
