from __future__ import annotations

from typing import Any

from rest_framework import serializers

from talentportal.orgs.api import ScopedUnitField
from talentportal.registry.api import EditableRelatedField, ScopedModelViewSet
from talents import validators
from talents.api import EmployerField

from . import registries
from .filters import PlatformFilterSet, PlatformYearFilterSet, ResidencyFilterSet
from .forms import residency_errors
from .models import Platform, PlatformYear, Residency


class PlatformSerializer(serializers.ModelSerializer[Platform]):
    org_unit = ScopedUnitField()
    host_enterprise = EmployerField()

    class Meta:
        model = Platform
        fields = [
            "id", "code", "name", "kind", "level", "host_enterprise", "host_name", "org_unit", "location", "city",
            "country", "recognized_on", "star_rating", "status", "revoked_on", "revoked_reason",
        ]  # fmt: skip
        read_only_fields = ["status", "revoked_on", "revoked_reason"]

    def validate_country(self, value: str) -> str:
        value = (value or "").strip().upper()
        if value:
            validators.validate_nationality(value)
        return value


class PlatformViewSet(ScopedModelViewSet):
    """Platforms; revoking is a page action (``/platforms/platforms/ID/revoke/``) with a date and reason."""

    registry = registries.platforms
    queryset = Platform.objects.all()
    serializer_class = PlatformSerializer
    filterset_class = PlatformFilterSet
    ordering_fields = ["id", "name", "recognized_on", "star_rating"]
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit", "host_enterprise")


class PlatformYearSerializer(serializers.ModelSerializer[PlatformYear]):
    platform = EditableRelatedField(Platform)

    class Meta:
        model = PlatformYear
        fields = [
            "id", "platform", "year", "resident_talents", "resident_enterprises", "incubated_enterprises",
            "graduated_enterprises", "new_projects", "rd_investment", "area_m2", "events_held",
        ]  # fmt: skip


class PlatformYearViewSet(ScopedModelViewSet):
    registry = registries.platform_years
    queryset = PlatformYear.objects.all()
    serializer_class = PlatformYearSerializer
    filterset_class = PlatformYearFilterSet
    ordering = ["-year", "-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("platform")


class ResidencySerializer(serializers.ModelSerializer[Residency]):
    platform = EditableRelatedField(Platform)

    class Meta:
        model = Residency
        fields = ["id", "platform", "talent", "enterprise", "since", "until"]
        # DRF turns the conditional unique constraints into validators that demand both talent and enterprise;
        # ``validate`` refuses overlapping stays, which covers a second stay from the same day.
        validators: list[Any] = []

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        merged = {
            key: data.get(key, getattr(self.instance, key, None))
            for key in ("platform", "talent", "enterprise", "since", "until")
        }
        errors = residency_errors(merged, self.instance.pk if self.instance else None)
        if errors:
            raise serializers.ValidationError(errors)
        return data


class ResidencyViewSet(ScopedModelViewSet):
    registry = registries.residencies
    queryset = Residency.objects.all()
    serializer_class = ResidencySerializer
    filterset_class = ResidencyFilterSet
    ordering = ["-since", "-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("platform", "talent", "enterprise")
