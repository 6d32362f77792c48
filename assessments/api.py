"""The assessment's API: the registries (schemes, indicators, assessees, targets) written as on their pages,
and the workflow (transition, copy, entries, submit/return/accept, marks, events) through ``services``.

A rule's refusal answers 400 ``{field: [message]}``; a record outside the user's scope 404; a step the user
may see but not take 403, with the reason."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from talentportal.orgs.api import ScopedUnitField
from talentportal.registry.api import Conflict, EditableRelatedField, ScopedModelViewSet
from talentportal.registry.filters import MAX_ID
from talentportal.validators import validate_printable_text

from . import registries, rules, services
from .filters import (
    AssesseeFilterSet,
    EventFilterSet,
    IndicatorFilterSet,
    MarkFilterSet,
    SchemeFilterSet,
    SubmissionFilterSet,
    TargetFilterSet,
)
from .forms import clean_indicator, exclusion_errors, frozen_error
from .models import VALUE, Assessee, Event, Indicator, Mark, Scheme, Submission, Target
from .scoring import AssesseeResult, results_seen_by

TEXT = [validate_printable_text]


def refused(exc: services.Refused) -> exceptions.ValidationError:
    return exceptions.ValidationError({exc.field: [exc.message]})


def denied(exc: services.Refused) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(exc.message)


class ReviewCommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", validators=TEXT)


# --- schemes ----------------------------------------------------------------------------------------------------


# The JSON fields' shapes, for the schema (their values are checked by ``rules`` and ``metrics``).
@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"min": {"type": "number"}, "label": {"type": "string"}},
            "required": ["min", "label"],
        },
    }
)
class GradesField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": list(rules.KINDS)}},
        "required": ["kind"],
        "additionalProperties": True,
        "nullable": True,
    }
)
class RuleField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "properties": {"code": {"type": "string"}, "growth": {"type": "boolean"}},
        "required": ["code"],
        "additionalProperties": True,
        "nullable": True,
    }
)
class MetricField(serializers.JSONField):
    pass


class SchemeSerializer(serializers.ModelSerializer[Scheme]):
    org_unit = ScopedUnitField()
    grades = GradesField(
        required=False, help_text="[{min, label}], highest first; empty: ≥ 90 优秀, ≥ 75 良好, ≥ 60 合格, else 不合格."
    )

    class Meta:
        model = Scheme
        fields = ["id", "year", "name", "group", "org_unit", "status", "due_on", "grades", "excellent_share",
                  "description"]  # fmt: skip
        read_only_fields = ["status"]

    def to_representation(self, instance: Scheme) -> Any:
        data = super().to_representation(instance)
        data["grades"] = instance.grades or rules.DEFAULT_GRADES
        return data

    def validate_grades(self, grades: Any) -> list[dict[str, Any]]:
        try:
            return rules.clean_grades(grades)
        except rules.RuleError as exc:
            raise serializers.ValidationError(exc.errors["grades"]) from exc

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and (error := frozen_error(self.instance)):
            raise serializers.ValidationError({"non_field_errors": [error]})
        return data


class SchemeTransitionSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Scheme.Status.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", validators=TEXT)


class SchemeCopySerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=200, validators=TEXT)
    targets = serializers.BooleanField(required=False, default=False, help_text="Copy the targets too (by key).")


class AssessmentResultAssesseeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class AssessmentResultLineSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(help_text="The indicator's code.")
    # As counted or entered (a count, 万元, a ratio): a decimal in a string, with its own precision.
    actual = serializers.CharField(allow_null=True)
    target = serializers.CharField(allow_null=True)
    points = serializers.DecimalField(max_digits=8, decimal_places=2)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    explanation = serializers.CharField()
    records_url = serializers.CharField(allow_null=True)


class AssessmentResultSerializer(serializers.Serializer[Any]):
    assessee = AssessmentResultAssesseeSerializer()
    total = serializers.DecimalField(max_digits=8, decimal_places=2)
    subtotals = serializers.DictField(child=serializers.DecimalField(max_digits=8, decimal_places=2))
    rank = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField()
    vetoed = serializers.BooleanField()
    veto_reasons = serializers.ListField(child=serializers.CharField())
    lines = AssessmentResultLineSerializer(many=True)
    provisional = serializers.BooleanField()


def result_row(result: AssesseeResult, ranked: bool) -> dict[str, Any]:
    assessee = result.assessee
    return {
        "assessee": {"id": assessee.pk, "key": assessee.key, "name": assessee.name},
        "total": result.total,
        "subtotals": result.subtotals,
        "rank": result.rank if ranked else None,
        "grade": result.grade,
        "vetoed": result.vetoed,
        "veto_reasons": result.veto_reasons,
        "lines": [
            {
                "indicator": line.indicator,
                "actual": line.actual,
                "target": line.target,
                "points": line.points,
                "max_points": line.max_points,
                "explanation": line.explanation,
                "records_url": line.records_url,
            }
            for line in result.lines
        ],
        "provisional": result.provisional,
    }


class SchemeViewSet(ScopedModelViewSet):
    """Schemes. The status moves only through ``transition``; ``copy`` starts next year's from this one."""

    registry = registries.schemes
    queryset = Scheme.objects.all()
    serializer_class = SchemeSerializer
    filterset_class = SchemeFilterSet
    ordering = ["-year", "group", "id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")

    def perform_destroy(self, instance: Any) -> None:
        if error := registries.scheme_delete_error(instance):
            raise Conflict(error)
        super().perform_destroy(instance)

    def managed(self) -> Scheme:
        """The scheme, if the user runs it (its office's admins): out of scope 404, else 403."""
        scheme: Scheme = self.get_object()
        if not Scheme.objects.editable_by(self.request.user).filter(pk=scheme.pk).exists():
            raise exceptions.PermissionDenied(_("Only the assessing office's administrators manage its schemes."))
        return scheme

    def get_object(self) -> Any:
        # The actions decide their rights themselves (``managed``); reading the scheme needs its scope only.
        if self.action in ("transition", "copy", "results"):
            return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return super().get_object()

    @extend_schema(
        request=SchemeTransitionSerializer, responses=SchemeSerializer, operation_id="assessment_schemes_transition"
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        """Move the scheme: draft → open (snapshots the assessees) → review → final → published (freezes the
        results); reopening a final or published scheme needs an administrator and a reason."""
        scheme = self.managed()
        form = SchemeTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            scheme = services.transition(scheme, form.validated_data["to"], self.actor(), form.validated_data["reason"])
        except services.Refused as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(scheme).data)

    @extend_schema(
        request=SchemeCopySerializer, responses={201: SchemeSerializer}, operation_id="assessment_schemes_copy"
    )
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: Any = None) -> Response:
        """A new draft scheme with this one's indicators, rules and metric bindings (and targets, if asked)."""
        scheme = self.managed()
        form = SchemeCopySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        copy = services.copy_scheme(scheme, data["year"], data["name"], self.actor(), with_targets=data["targets"])
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=AssessmentResultSerializer(many=True), filters=False, operation_id="assessment_schemes_results"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request: Request, pk: Any = None) -> Response:
        """Every assessee's total, subtotals, rank, grade and lines. Before publication the office and the
        reviewers see every row (provisional); an assessee's users see their own row only, without a rank."""
        seen = results_seen_by(self.get_object(), request.user)
        rows = [result_row(r, ranked=seen.whole) for r in seen.results]
        return Response(AssessmentResultSerializer(rows, many=True).data)


# --- assessees ---------------------------------------------------------------------------------------------------


class AssesseeSerializer(serializers.ModelSerializer[Assessee]):
    class Meta:
        model = Assessee
        fields = ["id", "scheme", "key", "name", "due_on", "excluded", "exclusion_reason"]
        read_only_fields = ["scheme", "key", "name"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        if instance is not None and (error := frozen_error(instance.scheme)):
            raise serializers.ValidationError({"non_field_errors": [error]})
        excluded = data.get("excluded", getattr(instance, "excluded", False))
        reason = data.get("exclusion_reason", getattr(instance, "exclusion_reason", ""))
        if errors := exclusion_errors(excluded, reason):
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return data


class AssesseeViewSet(ScopedModelViewSet):
    """Assessees, snapshotted when their scheme opens; the office extends deadlines and excludes, with a reason."""

    registry = registries.assessees
    queryset = Assessee.objects.all()
    serializer_class = AssesseeSerializer
    filterset_class = AssesseeFilterSet
    ordering = ["scheme", "order", "id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("scheme")

    def perform_destroy(self, instance: Any) -> None:
        raise Conflict(registries.assessee_delete_error(instance))


# --- indicators --------------------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    scheme = EditableRelatedField(Scheme)
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=20, required=False, allow_null=True, allow_blank=True, help_text="The parent's code."
    )
    rule = RuleField(required=False, allow_null=True, help_text='{"kind": …, parameters…}')
    metric = MetricField(required=False, allow_null=True, help_text='{"code": …, "growth": bool, parameters…}')

    class Meta:
        model = Indicator
        fields = [
            "id", "scheme", "code", "name", "parent", "level", "max_points", "rule", "metric", "source", "unit",
            "description", "evidence_required", "order",
        ]  # fmt: skip
        read_only_fields = ["level"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["scheme"].read_only = True  # an indicator stays in its scheme
        return fields

    def to_representation(self, instance: Indicator) -> Any:
        data = super().to_representation(instance)
        data["parent"] = instance.parent.code if instance.parent_id and instance.parent else None
        return data

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        instance: Indicator | None = self.instance
        scheme = data.get("scheme") or (instance.scheme if instance else None)
        if "parent" in data:
            code = data.pop("parent") or ""
            parent = Indicator.objects.filter(scheme=scheme, code=code).first() if code else None
            if code and parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("No indicator “%(code)s” in this scheme.") % {"code": code}]}
                )
        else:
            parent = instance.parent if instance else None
        code = data.get("code")
        taken = Indicator.objects.filter(scheme=scheme, code=code).exclude(pk=instance.pk if instance else None)
        if scheme is not None and code and taken.exists():
            raise serializers.ValidationError(
                {"code": [_("Another indicator of this scheme has the code “%(code)s”.") % {"code": code}]}
            )

        def current(name: str, default: Any = None) -> Any:
            return data[name] if name in data else getattr(instance, name, default)

        values, errors = clean_indicator(
            scheme,
            parent,
            current("max_points"),
            current("source", "") or "",
            current("rule"),
            current("metric"),
            instance,
        )
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return {**data, **values, "parent": parent}


class IndicatorViewSet(ScopedModelViewSet):
    registry = registries.indicators
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    ordering = ["scheme", "order", "code"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("scheme", "parent")

    def perform_destroy(self, instance: Any) -> None:
        if error := registries.part_delete_error(instance):
            raise Conflict(error)
        super().perform_destroy(instance)


# --- targets -----------------------------------------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer[Target]):
    value = serializers.DecimalField(**VALUE, min_value=0)

    class Meta:
        model = Target
        fields = ["id", "indicator", "assessee", "value"]
        validators: list[Any] = []  # creating an existing pair updates it (``services.set_target``)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["indicator"].read_only = fields["assessee"].read_only = True
        return fields


class TargetViewSet(ScopedModelViewSet):
    """Targets per indicator and assessee: ``POST`` of a pair that has one already changes it (200)."""

    registry = registries.targets
    queryset = Target.objects.all()
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet
    ordering = ["indicator__scheme", "assessee__order", "indicator__order", "id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("indicator__scheme")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not Assessee.objects.editable_by(request.user).filter(pk=data["assessee"].pk).exists():
            raise exceptions.PermissionDenied(_("Only the assessing office's administrators set targets."))
        existed = Target.objects.filter(indicator=data["indicator"], assessee=data["assessee"]).exists()
        target = self.set_target(data["indicator"], data["assessee"], data["value"])
        answer = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(target).data, status=answer)

    def perform_update(self, serializer: Any) -> None:
        target = serializer.instance
        value = serializer.validated_data.get("value", target.value)
        serializer.instance = self.set_target(target.indicator, target.assessee, value)

    def set_target(self, indicator: Indicator, assessee: Assessee, value: Any) -> Target:
        try:
            return services.set_target(indicator, assessee, value, self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc

    def perform_destroy(self, instance: Any) -> None:
        if error := registries.part_delete_error(instance):
            raise Conflict(error)
        super().perform_destroy(instance)


# --- submissions -------------------------------------------------------------------------------------------------


class SubmissionEntrySerializer(serializers.Serializer[Any]):
    indicator = serializers.IntegerField(
        source="indicator_id", min_value=1, max_value=MAX_ID, help_text="The indicator's id."
    )
    value = serializers.DecimalField(**VALUE, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", validators=TEXT)


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    entries = SubmissionEntrySerializer(many=True, required=False, max_length=1000)  # type: ignore[call-arg]

    class Meta:
        model = Submission
        fields = ["id", "assessee", "status", "submitted_at", "comment", "entries"]
        read_only_fields = ["assessee", "status", "submitted_at", "comment"]


class SubmissionViewSet(ScopedModelViewSet):
    """Submissions, one per assessee. Its users write ``entries`` (PATCH/PUT) and ``submit``; reviewers
    ``return`` it with a comment or ``accept`` it."""

    registry = registries.submissions
    queryset = Submission.objects.all()
    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilterSet
    ordering = ["assessee__scheme", "assessee__order", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("assessee__scheme").prefetch_related("entries")

    def get_object(self) -> Any:
        if self.action in ("return_", "accept"):
            return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return super().get_object()

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = self.get_object()
        serializer = self.get_serializer(submission, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data.get("entries", [])
        ids = {item["indicator_id"] for item in items}
        found = Indicator.objects.filter(scheme_id=submission.assessee.scheme_id, pk__in=ids).in_bulk()
        if ids - set(found):
            raise exceptions.ValidationError(
                {
                    "entries": [
                        _("No indicator %(ids)s in this scheme.")
                        % {"ids": ", ".join(map(str, sorted(ids - set(found))))}
                    ]
                }
            )
        entries = [{**item, "indicator": found[item["indicator_id"]]} for item in items]
        try:
            services.save_entries(submission, entries, self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=submission.pk)).data)

    def reviewed(self) -> Submission:
        """The submission, if the user reviews its scheme and not their own unit (else 403)."""
        submission: Submission = self.get_object()
        user = self.request.user
        if not services.reviews(user, submission.assessee.scheme):
            raise exceptions.PermissionDenied(_("Only the scheme's reviewers and administrators review submissions."))
        try:
            services.refuse_own_unit(user, submission.assessee)
        except services.Refused as exc:
            raise denied(exc) from exc
        return submission

    def answer(self, step: Any, *args: Any) -> Response:
        try:
            submission = step(*args, self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=submission.pk)).data)

    @extend_schema(request=None, responses=SubmissionSerializer, operation_id="assessment_submissions_submit")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Hand the submission in (before the deadline or the assessee's extension)."""
        return self.answer(services.submit, self.get_object())

    @extend_schema(
        request=ReviewCommentSerializer, responses=SubmissionSerializer, operation_id="assessment_submissions_return"
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        """Send the submission back to the assessee with what to correct."""
        submission = self.reviewed()
        form = ReviewCommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.answer(services.return_submission, submission, form.validated_data["comment"])

    @extend_schema(request=None, responses=SubmissionSerializer, operation_id="assessment_submissions_accept")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        return self.answer(services.accept, self.reviewed())


# --- marks -------------------------------------------------------------------------------------------------------


class MarkSerializer(serializers.ModelSerializer[Mark]):
    points = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    reviewer = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = Mark
        fields = ["id", "submission", "indicator", "reviewer", "points", "comment"]
        validators: list[Any] = []  # marking again replaces the reviewer's mark (``services.save_mark``)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["submission"].read_only = fields["indicator"].read_only = True
        return fields


class MarkViewSet(ScopedModelViewSet):
    """Reviewers' marks of manual indicators, one per reviewer, indicator and submission; marking again
    replaces it. Never of the reviewer's own unit."""

    registry = registries.marks
    queryset = Mark.objects.all()
    serializer_class = MarkSerializer
    filterset_class = MarkFilterSet
    ordering = ["submission", "indicator", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("reviewer")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submission, indicator = data["submission"], data["indicator"]
        existed = Mark.objects.filter(submission=submission, indicator=indicator, reviewer_id=request.user.pk).exists()
        mark = self.save(submission, indicator, data["points"], data.get("comment", ""))
        answer = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(mark).data, status=answer)

    def perform_update(self, serializer: Any) -> None:
        mark, data = serializer.instance, serializer.validated_data
        serializer.instance = self.save(
            mark.submission, mark.indicator, data.get("points", mark.points), data.get("comment", mark.comment)
        )

    def save(self, submission: Submission, indicator: Indicator, points: Any, comment: str) -> Mark:
        user = self.request.user
        scheme = submission.assessee.scheme
        if indicator.scheme_id == scheme.pk and not services.reviews(user, scheme, indicator):
            raise exceptions.PermissionDenied(_("Only the scheme's reviewers mark its indicators."))
        try:
            services.refuse_own_unit(user, submission.assessee)
        except services.Refused as exc:
            raise denied(exc) from exc
        try:
            return services.save_mark(submission, indicator, points, comment, self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc


# --- events ------------------------------------------------------------------------------------------------------


class EventSerializer(serializers.ModelSerializer[Event]):
    evidence = serializers.ListField(
        child=serializers.FileField(max_length=200), required=False, write_only=True, max_length=20,
        help_text="Evidence files (multipart); required where the indicator requires evidence.",
    )  # fmt: skip

    class Meta:
        model = Event
        fields = ["id", "scheme", "assessee", "indicator", "level", "key", "occurred_on", "description", "status",
                  "decision_comment", "evidence"]  # fmt: skip
        read_only_fields = ["scheme", "status", "decision_comment"]


class EventViewSet(ScopedModelViewSet):
    """Bonus, penalty and veto events: claimed (``POST``, multipart with ``evidence`` files) by the assessee's
    users or recorded by the office, then verified or rejected by a reviewer."""

    registry = registries.events
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    ordering = ["-occurred_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_object(self) -> Any:
        if self.action in ("verify", "reject"):
            return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return super().get_object()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        files = data.pop("evidence", [])
        assessee: Assessee = data["assessee"]
        user = request.user
        office = Scheme.objects.editable_by(user).filter(pk=assessee.scheme_id).exists()
        if not office and not services.answers_for(user, assessee):
            raise exceptions.PermissionDenied(_("Only the assessee's own editors and administrators claim its events."))
        try:
            with transaction.atomic():
                event = services.claim_event(data, files, self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)

    def decide(self, verified: bool) -> Response:
        event: Event = self.get_object()
        user = self.request.user
        if not services.reviews(user, event.scheme, event.indicator):
            raise exceptions.PermissionDenied(_("Only the scheme's reviewers verify events."))
        try:
            services.refuse_own_unit(user, event.assessee)
        except services.Refused as exc:
            raise denied(exc) from exc
        form = ReviewCommentSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        try:
            event = services.decide_event(event, verified, form.validated_data["comment"], self.actor())
        except services.Refused as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(event).data)

    @extend_schema(request=ReviewCommentSerializer, responses=EventSerializer, operation_id="assessment_events_verify")
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: Any = None) -> Response:
        return self.decide(True)

    @extend_schema(request=ReviewCommentSerializer, responses=EventSerializer, operation_id="assessment_events_reject")
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self.decide(False)
