"""Writing the change log. Callers snapshot a record before and after a change and hand both here."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from talentportal.orgs.models import Membership, User, unit_of
from talentportal.security import client_ip

from .models import Action, AuditEntry, Source

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

# Never copied into the log, whatever model they sit on.
SECRET_FIELDS = {"password"}
Snapshot = dict[str, Any]


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates and times as ISO text, decimals and UUIDs as text, collections item by item."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model) -> Snapshot:
    """The record's own field values as JSON-ready data (foreign keys by their string form)."""
    data: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.name in getattr(obj, "kept_by_database", ()):
            continue  # a copy the database keeps (a request's unit): nobody changes it
        if field.name in SECRET_FIELDS:
            data[field.name] = "••••••" if getattr(obj, field.attname) else ""
            continue
        if field.is_relation:
            related = getattr(obj, field.name, None)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = plain(getattr(obj, field.attname))
    return data


def diff(before: Snapshot | None, after: Snapshot | None) -> dict[str, list[Any]]:
    before, after = before or {}, after or {}
    skip = {"updated_at", "last_login"}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key not in skip and before.get(key) != after.get(key)
    }


@dataclass(frozen=True)
class Actor:
    """Who acts, and through which door. Built from a request, or by hand for jobs and commands."""

    user: User | None = None
    source: str = Source.SYSTEM
    request_id: str = ""
    ip_address: str | None = None
    job_id: int | None = None

    @property
    def scope_user(self) -> AnyUser:
        """The user whose scope the action has: nobody's (an anonymous user sees nothing) for the system."""
        return self.user or AnonymousUser()

    @classmethod
    def from_request(cls, request: HttpRequest, source: str) -> Actor:
        user = request.user if isinstance(request.user, User) else None
        return cls(
            user=user,
            source=source,
            request_id=getattr(request, "request_id", ""),
            ip_address=client_ip(request) or None,
        )


def _org_unit_id(obj: models.Model) -> int | None:
    from talentportal.orgs.models import OrgUnit

    if isinstance(obj, OrgUnit):
        return obj.pk
    membership: Membership | None = getattr(obj, "membership", None) if hasattr(obj, "membership") else None
    if membership is not None:
        return membership.org_unit_id
    return getattr(obj, "org_unit_id", None)


def entry(
    actor: Actor, action: str, obj: models.Model | None = None, changes: dict[str, Any] | None = None, **extra: Any
) -> AuditEntry:
    """An unsaved entry; ``record`` saves one, ``record_bulk`` many in one insert."""
    fields: dict[str, Any] = {
        "user": actor.user,
        "username": getattr(actor.user, "username", "") or extra.pop("username", ""),
        "source": actor.source,
        "action": action,
        "request_id": actor.request_id,
        "ip_address": actor.ip_address,
        "job_id": actor.job_id,
        "changes": changes or {},
    }
    if obj is not None:
        fields.update(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            org_unit_id=_org_unit_id(obj),
        )
    fields.update(extra)
    return AuditEntry(**fields)


def record(
    actor: Actor, action: str, obj: models.Model | None = None, changes: dict[str, Any] | None = None, **extra: Any
) -> AuditEntry:
    item = entry(actor, action, obj, changes, **extra)
    item.save()
    return item


def record_change(actor: Actor, obj: models.Model, before: Snapshot | None, after: Snapshot | None) -> None:
    """Log a create (no before), delete (no after) or update (only when something changed)."""
    action = Action.CREATE if before is None else Action.DELETE if after is None else Action.UPDATE
    changes = diff(before, after)
    if action == Action.UPDATE and not changes:
        return
    record(actor, action, obj, changes)


def delete_with_audit(actor: Actor, obj: models.Model, before: Snapshot | None = None) -> None:
    """Delete a record and log it together with every row the deletion cascades to (one entry each)."""
    from django.db import router
    from django.db.models.deletion import Collector

    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    cascaded = [
        item
        for model, items in collector.data.items()
        if not model._meta.auto_created
        for item in items
        if not (type(item) is type(obj) and item.pk == obj.pk)
    ]
    # Rows the database can delete without loading them (no further cascades) come as querysets.
    cascaded += [item for qs in collector.fast_deletes if not qs.model._meta.auto_created for item in qs]
    record_change(actor, obj, before if before is not None else snapshot(obj), None)
    record_bulk(entry(actor, Action.DELETE, item, diff(snapshot(item), None)) for item in loaded(cascaded))
    obj.delete()


def loaded(rows: Iterable[models.Model], chunk: int = 500) -> Iterator[models.Model]:
    """``rows`` read whole, with the records they link to, in a few queries per model: the deletion collector
    loads only the fields it needs, and a snapshot would then read every other field and link row by row."""
    by_model: dict[type[models.Model], list[Any]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row.pk)
    for model, pks in by_model.items():
        links = [f.name for f in model._meta.concrete_fields if f.is_relation]
        for start in range(0, len(pks), chunk):
            yield from model._base_manager.filter(pk__in=pks[start : start + chunk]).select_related(*links)


def record_bulk(entries: Iterable[AuditEntry], batch_size: int = 2000) -> int:
    """Save many entries with batched inserts (imports write thousands of rows at once)."""
    items = list(entries)
    AuditEntry.objects.bulk_create(items, batch_size=batch_size)
    return len(items)


def record_reveal(
    actor: Actor,
    model: type[models.Model],
    fields: list[str],
    objects: list[Any] | None = None,
    rows: int | None = None,
    object_repr: str = "",
) -> AuditEntry:
    """The one audit entry of a request (or job) that showed personal data in full: on the record when it showed
    one, else on the kind of record with the number of rows (and their ids when it knows them)."""
    if objects is not None and len(objects) == 1:
        return record(actor, Action.REVEAL, objects[0], {"revealed": fields})
    changes: dict[str, Any] = {"revealed": fields, "rows": len(objects) if objects is not None else rows}
    if objects is not None:
        changes["ids"] = [obj.pk for obj in objects]
    unit = unit_of(actor.scope_user)
    return record(
        actor,
        Action.REVEAL,
        changes=changes,
        content_type=ContentType.objects.get_for_model(model),
        org_unit_id=unit.pk if unit else None,
        object_repr=object_repr or str(model._meta.verbose_name_plural),
    )
