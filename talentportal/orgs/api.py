from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from talentportal.registry.api import ScopedModelViewSet

from . import registries
from .filters import OrgUnitFilterSet, UserFilterSet
from .models import ROLE_RANK, Membership, OrgUnit, Role, User, role_of, unit_of
from .registries import user_snapshot


class ScopedUnitField(serializers.SlugRelatedField[Any]):
    """An org unit given by its code, limited to the requesting user's scope."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return OrgUnit.objects.for_user(self.context["request"].user)


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    # DRF's metaclass moves declared fields off the class, so this does not shadow ``Serializer.parent``.
    parent = ScopedUnitField(required=False, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "path", "is_active"]
        read_only_fields = ["path"]

    def validate_parent(self, parent: OrgUnit | None) -> OrgUnit | None:
        user = self.context["request"].user
        if parent is None and unit_of(user) is not None:
            raise serializers.ValidationError("A unit must be placed below one in your scope.")
        if parent is not None and self.instance is not None and parent.path.startswith(self.instance.path):
            raise serializers.ValidationError("A unit cannot be placed below itself or its own sub-units.")
        return parent


class OrgUnitViewSet(ScopedModelViewSet):
    registry = registries.org_units
    queryset = OrgUnit.objects.all()
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "path"]
    ordering = ["path"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("parent")


class UserSerializer(serializers.ModelSerializer[User]):
    org_unit = ScopedUnitField(source="membership.org_unit")
    role = serializers.ChoiceField(source="membership.role", choices=Role.choices)
    password = serializers.CharField(write_only=True, required=False, min_length=10)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "phone",
            "org_unit",
            "role",
            "is_active",
            "last_login",
            "password",
        ]
        read_only_fields = ["last_login"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("password"):
            probe = User(
                username=data.get("username", getattr(self.instance, "username", "")), email=data.get("email", "")
            )
            try:
                validate_password(data["password"], probe)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return data

    def validate_role(self, role: str) -> str:
        own = role_of(self.context["request"].user) or Role.VIEWER
        if ROLE_RANK[Role(role)] > ROLE_RANK[Role(own)]:
            raise serializers.ValidationError("You cannot grant a role above your own.")
        return role

    def _save_membership(self, user: User, membership: dict[str, Any]) -> None:
        if membership:
            user.membership, _created = Membership.objects.update_or_create(user=user, defaults=membership)

    def create(self, validated: dict[str, Any]) -> User:
        membership = validated.pop("membership", {})
        password = validated.pop("password", None)
        user = User(**validated)
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
        self._save_membership(user, membership)
        return user

    def update(self, instance: User, validated: dict[str, Any]) -> User:
        membership = validated.pop("membership", {})
        password = validated.pop("password", None)
        for key, value in validated.items():
            setattr(instance, key, value)
        if password:
            instance.set_password(password)
        instance.save()
        if membership:
            current = (
                {"org_unit": instance.membership.org_unit, "role": instance.membership.role}
                if hasattr(instance, "membership")
                else {}
            )
            self._save_membership(instance, {**current, **membership})
        return instance


class UserViewSet(ScopedModelViewSet):
    registry = registries.users
    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "display_name", "email"]
    ordering_fields = ["username", "display_name"]
    ordering = ["username"]
    audit_snapshot = staticmethod(user_snapshot)  # type: ignore[assignment]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("membership__org_unit")
