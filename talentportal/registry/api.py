"""The API twin of the registry pages: scoping, write rights and audit for every viewset, written once."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, record_change, snapshot
from talentportal.orgs.models import can_write, role_of


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Other records still depend on this one.")
    default_code = "conflict"


class ScopedPermission(permissions.BasePermission):
    """Members read what is in scope; writers write what ``editable_by`` allows. Out of scope is a 404."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not view.can_view(user):  # type: ignore[attr-defined]
            return False
        if view.action == "create":  # type: ignore[attr-defined]
            return bool(view.can_create(user))  # type: ignore[attr-defined]
        # Other writes are decided per object, after the scoped lookup: out of scope stays a 404.
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(view.editable_queryset().filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Set ``queryset`` (the model's manager), ``serializer_class`` and ``filterset_class``."""

    permission_classes = [ScopedPermission]
    audit_snapshot = staticmethod(snapshot)

    def can_view(self, user: Any) -> bool:
        return role_of(user) is not None

    def can_create(self, user: Any) -> bool:
        return can_write(user)

    def get_queryset(self) -> Any:
        return cast(Any, self).queryset.model.objects.for_user(self.request.user)

    def editable_queryset(self) -> Any:
        return cast(Any, self).queryset.model.objects.editable_by(self.request.user)

    def actor(self) -> Actor:
        return Actor.from_request(self.request, Source.API)

    @transaction.atomic
    def perform_create(self, serializer: Any) -> None:
        obj = serializer.save()
        record_change(self.actor(), obj, None, self.audit_snapshot(obj))

    @transaction.atomic
    def perform_update(self, serializer: Any) -> None:
        before = self.audit_snapshot(serializer.instance)
        obj = serializer.save()
        record_change(self.actor(), obj, before, self.audit_snapshot(obj))

    @transaction.atomic
    def perform_destroy(self, instance: Any) -> None:
        before = self.audit_snapshot(instance)
        try:
            with transaction.atomic():
                record_change(self.actor(), instance, before, None)
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            names = sorted({str(o._meta.verbose_name_plural) for o in list(exc.args[1])[:50]})
            raise Conflict(_("Still used by: %(kinds)s.") % {"kinds": "、".join(names)}) from exc
