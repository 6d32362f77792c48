"""Undoing an applied import from its undo log: the rows it created deleted, the ones it updated restored (their
many-to-many links too), unless a later change by any door touched them or other records now depend on them."""

from __future__ import annotations

import gzip
from collections import defaultdict
from typing import Any

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import plain

from ..models import Import, Job
from .spec import get_spec, link_table
from .writing import BATCH

CONFLICTS_KEPT = 500


def read_undo_log(imp: Import) -> dict[str, Any]:
    with imp.undo_log.open("rb") as stream:
        log: dict[str, Any] = orjson.loads(gzip.decompress(stream.read()))
        return log


def _model(imp: Import) -> type[models.Model]:
    spec = get_spec(imp.kind)
    assert spec is not None
    return spec.model


def undo_conflicts(imp: Import) -> list[dict[str, Any]]:
    """The rows that changed after the import (by anyone, by any door), which undoing would overwrite or lose.

    When there are some, they are stored on the import with a message, and nothing else happens.
    """
    model = _model(imp)
    content_type = ContentType.objects.get_for_model(model)
    rows = read_undo_log(imp)["rows"]
    ids = [r["id"] for r in rows]
    last = AuditEntry.objects.filter(job=imp.apply_job).order_by("-id").values_list("id", flat=True).first() or 0
    fields = sorted({k for r in rows for k in r["f"]})
    later: set[str] = set()
    current: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        later |= set(
            AuditEntry.objects.filter(content_type=content_type, object_id__in=[str(i) for i in chunk], id__gt=last)
            .exclude(action=Action.REVEAL)
            .values_list("object_id", flat=True)
        )
        for found in model._default_manager.filter(pk__in=chunk).values("pk", *fields):
            current[found["pk"]] = found
    conflicts = []
    for row in rows:
        now = current.get(row["id"])
        if now is None and row["a"] == "c":
            continue  # deleted since: nothing left to undo
        if now is None or str(row["id"]) in later or any(plain(now[k]) != v for k, v in row["f"].items()):
            conflicts.append({"id": row["id"], "row": row.get("r"), "deleted": now is None})
    relinked = relinked_since(model, rows) - {c["id"] for c in conflicts}
    conflicts += [{"id": r["id"], "row": r.get("r"), "deleted": False} for r in rows if r["id"] in relinked]
    if conflicts:
        names = {
            o.pk: str(o) for o in model._default_manager.filter(pk__in=[c["id"] for c in conflicts[:CONFLICTS_KEPT]])
        }
        for conflict in conflicts:
            conflict["record"] = names.get(conflict["id"], f"#{conflict['id']}")
        imp.conflicts = conflicts[:CONFLICTS_KEPT]
        imp.message = _(
            "Not undone: %(count)d rows were changed after this import; undoing would overwrite those changes. "
            "Nothing was changed."
        ) % {"count": len(conflicts)}
        imp.save(update_fields=["conflicts", "message"])
    return conflicts


def _current_links(model: type[models.Model], name: str, ids: list[int]) -> dict[int, list[int]]:
    through, source, target = link_table(model, name)
    found: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        pairs = through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).order_by(source, target)
        for owner, linked in pairs.values_list(source, target):
            found[owner].append(linked)
    return found


def relinked_since(model: type[models.Model], rows: list[dict[str, Any]]) -> set[int]:
    """Records whose many-to-many links are no longer what the import left them (changed by any door)."""
    changed: set[int] = set()
    for name in sorted({k for r in rows for k in r.get("m", {})}):
        left = {r["id"]: sorted(r["m"][name][1]) for r in rows if name in r.get("m", {})}
        now = _current_links(model, name, list(left))
        changed |= {pk for pk, linked in left.items() if sorted(now.get(pk, [])) != linked}
    return changed


def restore_links(model: type[models.Model], rows: list[dict[str, Any]], audit: list[AuditEntry]) -> None:
    """Give the updated records back the many-to-many links they had before the import, and add that to the
    undo's audit entry of each (records the import created take their links with them when deleted)."""
    entries = {e.object_id: e for e in audit if e.action == Action.UPDATE}
    for name in sorted({k for r in rows for k in r.get("m", {})}):
        through, source, target = link_table(model, name)
        before = {r["id"]: r["m"][name] for r in rows if name in r.get("m", {})}
        ids = list(before)
        for start in range(0, len(ids), 5000):
            through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).delete()
        through.objects.bulk_create(
            [through(**{source: pk, target: other}) for pk, (old, _new) in before.items() for other in old or []],
            batch_size=BATCH,
        )
        for pk, (old, new) in before.items():
            if (entry := entries.get(str(pk))) is not None:
                entry.changes[name] = [new, old]


def _dependents(model: type[models.Model], ids: list[int]) -> tuple[int, Any] | None:
    """How many records outside the rows would be deleted with them, changed, or would forbid their deletion
    (yearly figures of an imported enterprise, say), and one of them; None when deleting the rows touches nothing
    else. The rows' own many-to-many links go with them."""
    own = {f.remote_field.through for f in model._meta.many_to_many}
    count, example = 0, None
    for start in range(0, len(ids), 5000):
        collector = Collector(using=router.db_for_write(model), origin=None)
        try:
            collector.collect(model._default_manager.filter(pk__in=ids[start : start + 5000]))
        except (ProtectedError, RestrictedError) as error:
            found = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
            count, example = count + len(found), example or next(iter(found))
            continue
        groups: list[Any] = [objs for other, objs in collector.data.items() if other is not model and other not in own]
        groups += [qs for qs in collector.fast_deletes if qs.model is not model and qs.model not in own]
        groups += [objs for updates in collector.field_updates.values() for objs in updates]
        for group in groups:
            first = list(group[:1]) if isinstance(group, models.QuerySet) else list(group)[:1]
            if first:
                size = group.count() if isinstance(group, models.QuerySet) else len(group)
                count, example = count + size, example or first[0]
    return (count, example) if count else None


def undo(imp: Import, job: Job | None = None) -> list[dict[str, Any]]:
    """Delete the rows the import created and restore the ones it updated, unless later changes touched them.

    Answers the conflicts (nothing changed then), or an empty list when the import was undone.
    """
    conflicts = undo_conflicts(imp)
    if conflicts:
        imp.status = Import.Status.APPLIED
        imp.save(update_fields=["status"])
        return conflicts
    model = _model(imp)
    content_type = ContentType.objects.get_for_model(model)
    rows = read_undo_log(imp)["rows"]
    current = set()
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 5000):
        current |= set(model._default_manager.filter(pk__in=ids[start : start + 5000]).values_list("pk", flat=True))
    actor_job = job.pk if job else None

    def entry(action: str, pk: int, changes: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            user=imp.created_by,
            username=imp.created_by.username if imp.created_by else "",
            source=Source.IMPORT,
            action=action,
            job_id=actor_job,
            content_type=content_type,
            object_id=str(pk),
            object_repr=f"#{pk}",
            org_unit_id=imp.org_unit_id,
            changes=changes,
        )

    with transaction.atomic():
        created = [r["id"] for r in rows if r["a"] == "c" and r["id"] in current]
        dependents = _dependents(model, created)
        if dependents:
            imp.status = Import.Status.APPLIED
            imp.message = ngettext(
                "Not undone: %(count)d other record now refers to rows this import created (for example %(example)s)."
                " Nothing was changed.",
                "Not undone: %(count)d other records now refer to rows this import created (for example %(example)s)."
                " Nothing was changed.",
                dependents[0],
            ) % {"count": dependents[0], "example": dependents[1]}
            imp.save(update_fields=["status", "message"])
            return [{"id": None, "record": imp.message}]
        audit = [entry(Action.DELETE, pk, {"undo": [imp.pk, None]}) for pk in created]
        for start in range(0, len(created), 5000):
            model._default_manager.filter(pk__in=created[start : start + 5000]).delete()
        restore = [r for r in rows if r["a"] == "u"]
        for row in restore:
            values = {
                k: model._meta.get_field(k.removesuffix("_id") if k.endswith("_id") else k).to_python(v)  # type: ignore[union-attr]
                for k, v in row["b"].items()
            }
            model._default_manager.filter(pk=row["id"]).update(**values)
            changes = {k.removesuffix("_id"): [row["f"].get(k), b] for k, b in row["b"].items()}
            audit.append(entry(Action.UPDATE, row["id"], changes))
        restore_links(model, restore, audit)
        AuditEntry.objects.bulk_create(audit, batch_size=BATCH)
    imp.status = Import.Status.UNDONE
    imp.undone_at = timezone.now()
    imp.conflicts = []
    imp.message = _("Undone: %(created)d rows deleted, %(updated)d rows restored.") % {
        "created": len(created),
        "updated": len(restore),
    }
    imp.save()
    return []
