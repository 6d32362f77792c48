from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from talentportal.access import lock_row
from talentportal.orgs.api import ScopedUnitField
from talentportal.orgs.models import can_write
from talentportal.registry.api import Conflict, EditableRelatedField, ScopedModelViewSet
from talentportal.registry.filters import MAX_ID
from talentportal.validators import validate_printable_text
from talents.api import EmployerField

from . import registries, services
from .filters import BatchFilterSet, ProgramFilterSet, SelectionFilterSet, TrancheFilterSet
from .forms import selection_errors
from .models import Batch, Program, Selection, Status, Tranche


def rule_error(exc: services.RuleError) -> exceptions.ValidationError:
    return exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})


class ProgramSerializer(serializers.ModelSerializer[Program]):
    org_unit = ScopedUnitField()

    class Meta:
        model = Program
        fields = ["id", "code", "name", "short_name", "level", "category", "org_unit", "description", "is_active"]


class ProgramViewSet(ScopedModelViewSet):
    registry = registries.programs
    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilterSet
    ordering = ["-is_active", "code"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")


class BatchSerializer(serializers.ModelSerializer[Batch]):
    program = EditableRelatedField(Program)

    class Meta:
        model = Batch
        fields = ["id", "program", "ordinal", "year", "opens_on", "closes_on", "quota", "status"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        opens = data.get("opens_on", getattr(self.instance, "opens_on", None))
        closes = data.get("closes_on", getattr(self.instance, "closes_on", None))
        if opens and closes and closes < opens:
            raise serializers.ValidationError({"closes_on": [_("A batch cannot close before it opens.")]})
        return data


class BatchViewSet(ScopedModelViewSet):
    registry = registries.batches
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    ordering = ["-year", "-ordinal"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("program")


class SelectionSerializer(serializers.ModelSerializer[Selection]):
    org_unit = ScopedUnitField()
    employer = EmployerField()

    class Meta:
        model = Selection
        fields = [
            "id", "batch", "talent", "team", "org_unit", "employer", "status", "award_amount", "applied_on",
            "decided_on", "exit_reason", "notes",
        ]  # fmt: skip
        read_only_fields = ["status", "decided_on", "exit_reason"]
        # DRF turns the conditional unique constraints into validators that demand both talent and team;
        # ``validate`` checks the applicant once per batch instead.
        validators: list[Any] = []

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = ("batch", "talent", "team", "org_unit", "award_amount", "applied_on")
        merged = {k: data.get(k, getattr(self.instance, k, None)) for k in fields}
        instance = self.instance or Selection()
        errors = selection_errors(merged, instance, self.context["request"].user)
        duplicate = Selection.objects.filter(batch=merged["batch"], talent=merged["talent"], team=merged["team"])
        if duplicate.exclude(pk=instance.pk).exists():
            errors.setdefault("batch", str(_("This applicant is already in this batch.")))
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return data


class TransitionSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Status.choices)
    comment = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", validators=[validate_printable_text]
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", validators=[validate_printable_text]
    )
    award_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "The award (10k yuan) to set with the move; a selection becomes selected only with one."
        ),
    )


class BulkTransitionSerializer(TransitionSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False, max_length=5000
    )


class TransitionAnswerSerializer(SelectionSerializer):
    cancelled_tranches = serializers.IntegerField(read_only=True)

    class Meta(SelectionSerializer.Meta):
        fields = [*SelectionSerializer.Meta.fields, "cancelled_tranches"]


class RowResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    moved = serializers.BooleanField()
    message = serializers.CharField()
    cancelled_tranches = serializers.IntegerField()


class BulkTransitionAnswerSerializer(serializers.Serializer[Any]):
    moved = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = RowResultSerializer(many=True)


class SelectionViewSet(ScopedModelViewSet):
    """Selections. The status moves only through ``transition`` (one) and ``selections/transition/`` (many)."""

    registry = registries.selections
    queryset = Selection.objects.all()
    serializer_class = SelectionSerializer
    filterset_class = SelectionFilterSet
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("batch", "talent", "team", "org_unit", "employer")

    def perform_destroy(self, instance: Any) -> None:
        error = instance.delete_error()
        if error:
            raise Conflict(error)
        super().perform_destroy(instance)

    @extend_schema(
        request=TransitionSerializer, responses=TransitionAnswerSerializer, operation_id="selections_transition"
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        selection = self.get_object()
        if not Selection.objects.managed_by(request.user).filter(pk=selection.pk).exists():
            raise exceptions.PermissionDenied(_("Only the office that runs the program decides on its selections."))
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            result = services.selection_transition(selection=selection, **form.validated_data, actor=self.actor())
        except services.RuleError as exc:
            raise rule_error(exc) from exc
        data = dict(self.get_serializer(selection).data)
        data["cancelled_tranches"] = result.cancelled_tranches
        return Response(data)

    @extend_schema(
        request=BulkTransitionSerializer,
        responses=BulkTransitionAnswerSerializer,
        operation_id="selections_bulk_transition",
    )
    @action(detail=False, methods=["post"], url_path="transition")
    def bulk_transition(self, request: Request) -> Response:
        """Move many selections at once; the answer tells, per id, whether it moved and why not."""
        if not can_write(request.user):
            raise exceptions.PermissionDenied
        form = BulkTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        results = services.selections_transition(**form.validated_data, actor=self.actor())
        return Response(
            {
                "moved": sum(r.moved for r in results),
                "refused": sum(not r.moved for r in results),
                "results": [
                    {"id": r.id, "moved": r.moved, "message": r.message, "cancelled_tranches": r.cancelled_tranches}
                    for r in results
                ],
            }
        )


class TrancheSerializer(serializers.ModelSerializer[Tranche]):
    class Meta:
        model = Tranche
        fields = [
            "id", "selection", "number", "amount", "condition", "milestone_note", "planned_on", "status", "paid_on",
            "voucher_no", "cancel_reason",
        ]  # fmt: skip
        read_only_fields = ["number"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["selection"].read_only = True  # a tranche stays with its selection
        return fields

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            if data.get("status", Tranche.Status.PLANNED) != Tranche.Status.PLANNED:
                raise serializers.ValidationError({"status": [_("A new tranche starts as planned.")]})
            for field in ("paid_on", "voucher_no", "cancel_reason"):
                if data.get(field):
                    raise serializers.ValidationError(
                        {field: [_("Recorded when the tranche is paid or cancelled, not when it is planned.")]}
                    )
        return data


class TrancheViewSet(ScopedModelViewSet):
    """Tranches: ``POST`` plans one (within the award); ``PATCH`` changes a planned one's terms or moves it
    (``status`` approved → paid with ``paid_on`` and ``voucher_no``, or cancelled). Paid ones never change."""

    registry = registries.tranches
    queryset = Tranche.objects.all()
    serializer_class = TrancheSerializer
    filterset_class = TrancheFilterSet
    ordering = ["planned_on", "id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("selection")

    def lock(self, pk: Any) -> None:
        """Its selection first, then the tranche: the order of every funding write (``_locked_tranche``)."""
        selection_id = services.selection_id_of(pk)
        if selection_id is not None:
            lock_row(Selection, selection_id)
        lock_row(Tranche, pk)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        if not Selection.objects.managed_by(self.request.user).filter(pk=data["selection"].pk).exists():
            raise exceptions.PermissionDenied(_("Only the office that runs the program manages its funding."))
        try:
            serializer.instance = services.tranche_add(
                selection_id=data["selection"].pk,
                amount=data["amount"],
                condition=data["condition"],
                planned_on=data.get("planned_on"),
                milestone_note=data.get("milestone_note", ""),
                actor=self.actor(),
            )
        except services.RuleError as exc:
            raise rule_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        try:
            serializer.instance = services.tranche_change(
                tranche_id=serializer.instance.pk, changes=dict(serializer.validated_data), actor=self.actor()
            )
        except services.RuleError as exc:
            raise rule_error(exc) from exc

    def perform_destroy(self, instance: Any) -> None:
        try:
            services.tranche_delete(tranche_id=instance.pk, actor=self.actor())
        except services.RuleError as exc:
            raise Conflict(exc.message) from exc
