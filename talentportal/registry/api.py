"""The API twin of the registry pages: scoping, write rights and audit for every viewset, written once."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from talentportal.access import lock_row, retried, scope_choices, still_editable
from talentportal.audit.models import Source
from talentportal.audit.services import Actor, delete_with_audit, record_change, record_reveal, snapshot

from .base import API, Door, Registry
from .filters import MAX_ID
from .masking import may_reveal

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Other records still depend on this one.")
    default_code = "conflict"


class EditableRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """A related record by id, among those the requesting user may change (a year's figures go to an
    enterprise the user edits). Every other link is limited to what the user may read (``scope_relations``)."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.model.objects.editable_by(self.context["request"].user)


def scope_relations(serializer: Any, user: AnyUser) -> Any:
    """Limit every writable link of ``serializer`` (a ``PrimaryKeyRelatedField``, ``SlugRelatedField``… alone or
    ``many``) to the records ``user`` may read, through the target model's ``for_user``. A field that picks its
    own queryset (``get_queryset``) is left to it."""
    one: Any = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    for field in one.fields.values():
        relation: Any = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
        queryset = getattr(relation, "queryset", None) if isinstance(relation, serializers.RelatedField) else None
        if queryset is not None:
            relation.queryset = scope_choices(queryset, user)
    return serializer


class ScopedPermission(permissions.BasePermission):
    """Members read what is in scope; writers write what ``editable_by`` allows. Out of scope is a 404."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        rights: Door = view.rights  # type: ignore[attr-defined]
        if not rights.can_view(user):
            return False
        if view.action == "create":  # type: ignore[attr-defined]
            return rights.can_create(user)
        # Other writes are decided per object, after the scoped lookup: out of scope stays a 404.
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(view.rights.editable_by(request.user).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


class PersonalDataSerializerMixin:
    """Masks ``personal_fields`` (name → mask function) unless the view put ``reveal`` in the context."""

    personal_fields: dict[str, Callable[[Any], str]] = {}

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        if not self.context.get("reveal"):  # type: ignore[attr-defined]
            for name, mask in self.personal_fields.items():
                if data.get(name):
                    data[name] = mask(data[name])
        return data


class ScopedModelViewSet(viewsets.ModelViewSet[Any]):
    """Set ``registry`` (whose declared rights the API grants, as the pages do), ``queryset`` (the model's
    manager), ``serializer_class`` and ``filterset_class``."""

    registry: Registry
    permission_classes = [ScopedPermission]
    audit_snapshot = staticmethod(snapshot)

    @property
    def rights(self) -> Door:
        return self.registry.door(API)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # An id no record can have (``abc``, or past a bigint) names nothing: 404 before any query sees it.
        pk = str(kwargs.get(self.lookup_url_kwarg or self.lookup_field, "1"))
        if not (pk.isascii() and pk.isdigit() and len(pk) <= 19 and 0 < int(pk) <= MAX_ID):
            raise exceptions.NotFound()

    def get_queryset(self) -> Any:
        return cast(Any, self).queryset.model.objects.for_user(self.request.user)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        return scope_relations(super().get_serializer(*args, **kwargs), self.request.user)

    def reveals(self) -> bool:
        """Editors and admins see personal data in full only when they ask (``?reveal=true``), on reads and
        writes alike; everyone else always sees it masked."""
        if not may_reveal(self.request.user):
            return False
        return self.request.query_params.get("reveal", "").lower() in {"1", "true", "yes"}

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "reveal": self.reveals()}

    def record_reveals(self, objects: list[Any]) -> None:
        """One audit entry for a request that answers personal data in full (see ``record_reveal``)."""
        fields = list(getattr(self.get_serializer_class(), "personal_fields", {}))
        if fields and objects and self.reveals():
            record_reveal(self.actor(), cast(Any, self).queryset.model, fields, objects)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self.record_reveals(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.record_reveals([obj])
        return Response(self.get_serializer(obj).data)

    def actor(self) -> Actor:
        return Actor.from_request(self.request, Source.API)

    # Each write is one transaction, run again when another write's transaction ended it (``retried``); a change
    # or deletion reads, checks and writes its row under the row's lock: a row deleted meanwhile (or with what
    # it cascades from) is a 404, never a 500 on a record half gone or a 204 for a deletion someone else made.
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return retried(partial(super().create, request, *args, **kwargs))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return retried(partial(self.locked, super().update, request, *args, **kwargs))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return retried(partial(self.locked, super().destroy, request, *args, **kwargs))

    def locked(self, write: Callable[..., Response], *args: Any, **kwargs: Any) -> Response:
        self.lock(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        return write(*args, **kwargs)

    def lock(self, pk: Any) -> None:
        """Lock the row a change or deletion is about to read; a model whose writes lock a parent first (a
        tranche's selection) locks in that order here too, else two writers could deadlock."""
        lock_row(cast(Any, self).queryset.model, pk)

    def perform_create(self, serializer: Any) -> None:  # inside ``create``'s transaction
        obj = serializer.save()
        still_editable(self.rights, self.request.user, obj)  # else 403, and the transaction rolls back
        record_change(self.actor(), obj, None, self.audit_snapshot(obj))
        self.record_reveals([obj])  # the answer shows the new record's personal data with ``?reveal=true``

    def perform_update(self, serializer: Any) -> None:  # inside ``update``'s transaction
        before = self.audit_snapshot(serializer.instance)
        obj = serializer.save()
        still_editable(self.rights, self.request.user, obj)
        record_change(self.actor(), obj, before, self.audit_snapshot(obj))
        self.record_reveals([obj])  # even when nothing changed (``PATCH {}``), the answer shows it

    def perform_destroy(self, instance: Any) -> None:  # inside ``destroy``'s transaction
        before = self.audit_snapshot(instance)
        try:
            delete_with_audit(self.actor(), instance, before)
        except (ProtectedError, RestrictedError) as exc:
            names = sorted({str(o._meta.verbose_name_plural) for o in list(exc.args[1])[:50]})
            raise Conflict(_("Still used by: %(kinds)s.") % {"kinds": "、".join(names)}) from exc
