"""An apply's writes for a checked batch: new records inserted, changed ones upserted on their primary key, their
many-to-many links set (one DELETE and one INSERT per batch), an audit entry per record, and the undo log of what
each row was before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import timezone

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import plain

from ..models import Import, Job
from .checking import Creates, Updates
from .display import Display
from .spec import ImportSpec, link_table
from .writing import BATCH, Reads, UndoLog, Writer


class Saver:
    def __init__(self, imp: Import, spec: ImportSpec, display: Display, job: Job | None, reads: Reads) -> None:
        self.imp, self.spec, self.display, self.job = imp, spec, display, job
        self.user: Any = imp.created_by
        self.model = spec.model
        self.many = display.many
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.stamped = any(f.attname == "updated_at" for f in self.model._meta.concrete_fields)
        self.reads = reads
        self.names_related = bool(spec.repr_related) and spec.org_field == "org_unit"
        self.writer, self.undo_log = Writer(self.model, AuditEntry, reads=reads), UndoLog(self.model)

    def ids(self, creates: Creates) -> list[int] | None:
        """The ids of the batch's new records, taken ahead (on the reads' connection, as the batch is checked), or
        None where the writer needs none."""
        return self.writer.ids(self.model, len(creates)) if creates else None

    def save(self, creates: Creates, updates: Updates, ids: list[int] | None = None) -> None:
        """The batch's writes: its queries first, then the COPYs kept so far are sent (``Writer.flush``, once the
        batch before is written) while the batch's audit entries and undo rows are built. ``ids``: the new records'
        (``ids``), when taken ahead."""
        model = self.model
        stamp = {"updated_at": timezone.now()} if self.stamped else {}
        own = [_without(values, self.many) for _n, values in creates]  # no links
        created = self.writer.insert(model, own, ids)
        if self.names_related:
            self.reads.run(self.prefetch_for_names, created)
        links = [{k: [None, values[k]] for k in self.many if k in values} for _n, values in creates]
        self.link([(obj.pk, linked) for obj, linked in zip(created, links, strict=True) if linked], replace=False)
        updated = []
        own_changed = [_without(changed, self.many) for _n, _c, _v, changed in updates]
        fields: set[str] = set()
        for (_n, current, values, _changed), own_changes in zip(updates, own_changed, strict=True):
            data = {k: v for k, v in current.items() if k != "_owner" and k not in self.many}
            data.update(_without(values, self.many), **stamp)
            updated.append(model(**data))
            fields |= set(own_changes)
        update_fields = [model._meta.get_field(f.removesuffix("_id")).name if f.endswith("_id") else f for f in fields]
        if updates and (update_fields or stamp):
            # Keyed on the primary key: every row here was matched to its stored record already, and a natural
            # key need not be one unique index (a selection names a talent or a team).
            model._default_manager.bulk_create(
                updated,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=[model._meta.pk.name],
                update_fields=sorted(set(update_fields) | set(stamp)),
            )
        relinked = [
            (current["id"], {k: c for k, c in changed.items() if k in self.many})
            for _n, current, _v, changed in updates
        ]
        self.link([(pk, linked) for pk, linked in relinked if linked], replace=True)
        self.prefetch_for_names(updated)
        self.writer.flush()
        undo: list[dict[str, Any]] = []
        changes = self.display.changes([values for _n, values in creates])
        for obj, fields_of, linked in zip(created, own, links, strict=True):
            row: dict[str, Any] = {"id": obj.pk, "a": "c", "f": fields_of}
            if linked:
                row["m"] = linked
            undo.append(row)
        show = self.display.display
        for (_n, current, _values, changed), own_changes, (_pk, linked) in zip(
            updates, own_changed, relinked, strict=True
        ):
            row = {
                "id": current["id"],
                "a": "u",
                "b": {k: b for k, (b, _a) in own_changes.items()},
                "f": {k: a for k, (_b, a) in own_changes.items()},
            }
            if linked:
                row["m"] = linked
            undo.append(row)
            shown = {k.removesuffix("_id"): [show(k, b), show(k, a)] for k, (b, a) in changed.items()}
            changes.append(orjson.dumps(shown, default=plain).decode())
        self.audit([Action.CREATE] * len(created) + [Action.UPDATE] * len(updated), [*created, *updated], changes)
        self.undo_log.extend(undo)

    def link(self, records: list[tuple[int, dict[str, list[Any]]]], replace: bool) -> None:
        """Set the many-to-many links of these records to the file's: one DELETE and one INSERT per field."""
        for name in self.many:
            through, source, target = link_table(self.model, name)
            owners = [(pk, links[name][1]) for pk, links in records if name in links]
            if replace:
                ids = [pk for pk, _linked in owners]
                for start in range(0, len(ids), 5000):
                    through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).delete()
            through.objects.bulk_create(
                [through(**{source: pk, target: other}) for pk, linked in owners for other in linked], batch_size=BATCH
            )

    def prefetch_for_names(self, objects: list[models.Model]) -> None:
        """What naming the records in the audit log reads, in one query per relation instead of one per record."""
        if self.names_related:
            prefetch_related_objects(objects, *self.spec.repr_related)

    def audit(self, actions: Sequence[str], objects: Sequence[models.Model], changes: list[str]) -> None:
        """An audit entry for each record's change (its values as people read them, by field name, in JSON text),
        given to the writer a field at a time."""
        count = len(objects)
        top_level = self.spec.org_field == "org_unit"
        ids = [obj.pk for obj in objects]
        self.writer.add(
            AuditEntry,
            {
                "user_id": [self.user.pk] * count,
                "username": [self.user.username] * count,
                "source": [Source.IMPORT] * count,
                "action": actions,
                "job_id": [self.job.pk if self.job else None] * count,
                "content_type_id": [self.content_type.pk] * count,
                "object_id": list(map(str, ids)),
                # A child record (a year's figures) is named and scoped without loading its parent for each row.
                "object_repr": [str(obj)[:200] for obj in objects] if top_level else [f"#{pk}" for pk in ids],
                "org_unit_id": (
                    [getattr(obj, "org_unit_id", None) for obj in objects]
                    if top_level
                    else [self.imp.org_unit_id] * count
                ),
                "changes": changes,
            },
            count,
            encoded={"changes"},
        )


def _without(values: dict[str, Any], many: list[str]) -> dict[str, Any]:
    """The values but the many-to-many links (the same dict when the kind has none)."""
    return {k: v for k, v in values.items() if k not in many} if many else values
