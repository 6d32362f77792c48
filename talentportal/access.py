"""How a view fetches one record for a user: one gate for reads and writes, in the manner of healthchecks'
``_get_rw_check_for_user`` and Zulip's ``access_*_by_id``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import PermissionDenied
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
    one that goes between the read and the write. On SQLite, which lets one writer in at a time, it only reads."""
    list(model._base_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))


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
