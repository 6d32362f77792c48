"""How a view fetches one record for a user: one gate for reads and writes, in the manner of healthchecks'
``_get_rw_check_for_user`` and Zulip's ``access_*_by_id``; and how a write holds its row against the writes of
others (``lock_row``, ``retried``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class Scoped(Protocol):
    """A model's QuerySet (or manager), or a ``Registry``: anything that tells what a user may read and write."""

    def for_user(self, user: AnyUser) -> QuerySet[Any]: ...

    def editable_by(self, user: AnyUser) -> QuerySet[Any]: ...


def get_for_user(scoped: Scoped, user: AnyUser, pk: Any, write: bool = False) -> Any:
    """The record ``pk`` if ``user`` may read it, else ``Http404`` (its existence does not leak). With
    ``write``, a record the user reads but may not change is ``PermissionDenied`` (403)."""
    obj = get_object_or_404(scoped.for_user(user), pk=pk)
    if write and not scoped.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def lock_row(model: Any, pk: Any) -> None:
    """Inside a transaction: wait for whoever is changing or deleting row ``pk`` (or a record it cascades from) and
    hold the row until the transaction ends. What is read next is the row as it now is, or nothing (a 404): never
    one that goes between the read and the write. Only the row is locked: the model's ordering would join (and
    lock) the records it is sorted by, and two writes locking each other's would deadlock. On SQLite, which lets
    one writer in at a time, it only reads."""
    rows = model._base_manager.select_for_update(of=("self",)).filter(pk=pk).order_by()
    list(rows.values_list("pk", flat=True))


T = TypeVar("T")
# PostgreSQL's codes for a transaction it ended so that another could go on (deadlock_detected, serialization_failure)
# and for a link to a record another transaction deleted meanwhile (foreign_key_violation).
RETRIED = {"40P01", "40001", "23503"}


def retried(write: Callable[[], T], tries: int = 3) -> T:
    """``write()`` in a transaction of its own, run again when the database ended it because of another
    transaction: the two deleted rows in opposite orders (a plan with its indicators, and one of the indicators),
    or it linked to a record the other deleted. By the next try the other has committed, so the write reads the
    records as they now are and answers what they warrant (404, 400, or done), never a 500."""
    for _ in range(tries - 1):
        try:
            with transaction.atomic():
                return write()
        except (OperationalError, IntegrityError) as error:
            if getattr(error.__cause__, "pgcode", None) not in RETRIED:
                raise
    with transaction.atomic():
        return write()


def still_editable(scoped: Scoped, user: AnyUser, obj: Any) -> None:
    """After a write, inside its transaction: refuse (403, rolling the write back) a row the user has just
    moved out of what they may change, as NetBox's ``ObjectEditView`` re-reads the saved object."""
    if not scoped.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied


def scope_choices(queryset: Any, user: AnyUser) -> Any:
    """The records of ``queryset`` the user may read, when its model is scoped (has ``for_user``); other
    querysets as they are. A placeholder ``Model.objects.none()`` (a field whose choices depend on the user)
    stands for all the model's records. Forms and serializers scope every link through this."""
    if queryset is None:
        return None
    queryset = queryset.all()  # a manager, or a queryset to copy
    if not hasattr(queryset, "for_user"):
        return queryset
    if queryset.query.is_empty():
        queryset = queryset.model._default_manager.all()
    return queryset.for_user(user)
