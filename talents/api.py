"""API of the talent registry: the same scoping, validators, masking and audit as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from talentportal.orgs.api import ScopedUnitField
from talentportal.registry.api import EditableRelatedField, PersonalDataSerializerMixin, ScopedModelViewSet

from . import registries, validators
from .filters import (
    EnterpriseFilterSet,
    EnterpriseYearFilterSet,
    ServiceRequestFilterSet,
    TalentFilterSet,
    TeamFilterSet,
)
from .models import ENTERPRISE_FIELDS, TALENT_FIELDS, Enterprise, EnterpriseYear, ServiceRequest, Talent, Team
from .registries import team_snapshot
from .services import registration_conflict


class EmployerField(serializers.SlugRelatedField[Any]):
    """The employing enterprise by its credit code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "credit_code")
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return Enterprise.objects.for_user(self.context["request"].user)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(validators.normalize_credit_code(data) if isinstance(data, str) else data)


class TalentSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer[Talent]):
    personal_fields = Talent.personal_fields
    org_unit = ScopedUnitField()
    employer = EmployerField()
    # The ISO 3166 code, as before the model listed the countries (and in any case).
    nationality = serializers.CharField(
        required=False,
        max_length=10,
        help_text=gettext_lazy("ISO 3166 two-letter code of the country or region (CN, US, DE…)."),
    )

    class Meta:
        model = Talent
        fields = ["id", *TALENT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # the unique ID check below names the registering county instead

    def validate_id_number(self, value: str) -> str:
        return validators.normalize_id_number(value)

    def validate_phone(self, value: str) -> str:
        value = validators.normalize_phone(value)
        if value:
            validators.validate_mobile(value)
        return value

    def validate_nationality(self, value: str) -> str:
        value = (value or "").strip().upper()
        validators.validate_nationality(value)
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        current = self.instance
        merged: dict[str, Any] = {
            key: data.get(key, getattr(current, key, None) if current else None)
            for key in ("id_type", "id_number", "birth_date", "gender")
        }
        merged["id_type"] = merged["id_type"] or Talent.IdType.RESIDENT_ID
        errors = validators.identity_errors(
            merged["id_type"], merged["id_number"] or "", merged["birth_date"], merged["gender"] or None
        )
        if not errors:
            user = self.context["request"].user
            conflict = registration_conflict(
                merged["id_type"], merged["id_number"], user, current.pk if current else None
            )
            if conflict:
                errors["id_number"] = conflict
        if errors:
            raise serializers.ValidationError(errors)
        data.update(
            validators.identity_from_id(
                merged["id_type"], merged["id_number"], merged["birth_date"], merged["gender"] or None
            )
        )
        return data


class TalentViewSet(ScopedModelViewSet):
    """Talents. ``id_number``, ``phone``, ``email`` and ``birth_date`` are masked; editors and admins add
    ``?reveal=true`` (audited, on reads and writes alike)."""

    registry = registries.talents
    queryset = Talent.objects.all()
    serializer_class = TalentSerializer
    filterset_class = TalentFilterSet
    ordering_fields = ["id", "name", "landed_on", "tier", "category"]
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit", "employer")


class EnterpriseSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer[Enterprise]):
    personal_fields = Enterprise.personal_fields
    org_unit = ScopedUnitField()

    class Meta:
        model = Enterprise
        fields = ["id", *ENTERPRISE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_credit_code(self, value: str) -> str:
        value = validators.normalize_credit_code(value)
        validators.validate_credit_code(value)
        return value

    def validate_contact_phone(self, value: str) -> str:
        value = validators.normalize_phone(value)
        if value:
            validators.validate_phone(value)
        return value


class EnterpriseViewSet(ScopedModelViewSet):
    registry = registries.enterprises
    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ["id", "name", "founded_on", "registered_capital"]
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")


class EnterpriseYearSerializer(serializers.ModelSerializer[EnterpriseYear]):
    enterprise = EditableRelatedField(Enterprise)

    class Meta:
        model = EnterpriseYear
        fields = [
            "id",
            "enterprise",
            "year",
            "revenue",
            "tax_paid",
            "rd_expense",
            "employees",
            "invention_patents",
            "financing_raised",
        ]


class EnterpriseYearViewSet(ScopedModelViewSet):
    registry = registries.enterprise_years
    queryset = EnterpriseYear.objects.all()
    serializer_class = EnterpriseYearSerializer
    filterset_class = EnterpriseYearFilterSet
    ordering_fields = ["year", "revenue"]
    ordering = ["-year", "-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("enterprise")


class TeamSerializer(serializers.ModelSerializer[Team]):
    org_unit = ScopedUnitField()
    employer = EmployerField()
    leader = EditableRelatedField(Talent)
    members = EditableRelatedField(Talent, many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "leader", "members", "org_unit", "employer", "industry"]


class TeamViewSet(ScopedModelViewSet):
    registry = registries.teams
    queryset = Team.objects.all()
    audit_snapshot = staticmethod(team_snapshot)  # type: ignore[assignment]
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit", "employer", "leader").prefetch_related("members")


class HandlerField(serializers.SlugRelatedField[Any]):
    """A request's handler by username: an active editor or admin in the acting user's scope."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return ServiceRequest.handler_choices(self.context["request"].user)


class ServiceRequestSerializer(serializers.ModelSerializer[ServiceRequest]):
    talent = EditableRelatedField(Talent)
    handler = HandlerField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "talent",
            "kind",
            "status",
            "handler",
            "submitted_on",
            "resolved_on",
            "description",
            "resolution",
        ]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        current = self.instance
        submitted = data.get("submitted_on", getattr(current, "submitted_on", None))
        resolved = data.get("resolved_on", getattr(current, "resolved_on", None))
        if submitted and resolved and resolved < submitted:
            raise serializers.ValidationError(
                {"resolved_on": _("The resolution date cannot be before the submission date.")}
            )
        status = data.get("status", getattr(current, "status", ServiceRequest.Status.SUBMITTED))
        data["resolved_on"] = ServiceRequest.resolution_date(status, submitted, resolved)
        # Whoever closes a request through the API handles it, unless a handler is named.
        handler = data["handler"] if "handler" in data else getattr(current, "handler", None)
        if handler is None and status in ServiceRequest.CLOSED:
            data["handler"] = handler = self.context["request"].user
        resolution = data.get("resolution", getattr(current, "resolution", ""))
        problems = ServiceRequest.closing_errors(status, resolution, handler)
        if problems:
            raise serializers.ValidationError(problems)
        return data


class ServiceRequestViewSet(ScopedModelViewSet):
    registry = registries.service_requests
    queryset = ServiceRequest.objects.all()
    serializer_class = ServiceRequestSerializer
    filterset_class = ServiceRequestFilterSet
    ordering_fields = ["submitted_on", "status"]
    ordering = ["-submitted_on", "-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("talent", "handler")
