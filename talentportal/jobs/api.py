from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, delete_with_audit
from talentportal.orgs.models import is_admin
from talentportal.registry.schema import ErrorDetailSerializer, UndoConflictSerializer

from .importing.reading import FileRefused
from .importing.report import for_reader
from .importing.services import (
    ImportStateError,
    MappingRefused,
    import_apply,
    import_map_values,
    import_start,
    import_undo,
)
from .models import Import, Job, ValueMapping
from .reports.kinds import REPORTS, kinds_for
from .reports.services import KIND as REPORT_JOB
from .reports.services import ParamsRefused, report_jobs, report_start


class JobSerializer(serializers.ModelSerializer[Job]):
    progress = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    result_file = serializers.SerializerMethodField()
    error_file = serializers.SerializerMethodField()
    print_view = serializers.SerializerMethodField(help_text=_("A report's print view (HTML, A4), once it is built."))
    org_unit = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "progress",
            "message",
            "counts",
            "result",
            "result_file",
            "error_file",
            "print_view",
            "created_by",
            "org_unit",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def _download(self, job: Job, which: str) -> str | None:
        if not (job.result_file if which == "result" else job.error_file):
            return None
        return link(self, "jobs:download", job.pk, which)

    def get_result(self, job: Job) -> dict[str, Any]:
        """What the job produced, without a report's figures (its file and print view show them)."""
        result = job.result if isinstance(job.result, dict) else {}
        return {key: value for key, value in result.items() if key != "document"}

    def get_print_view(self, job: Job) -> str | None:
        if job.kind != REPORT_JOB or not job.result_file:
            return None
        return link(self, "reports:print", job.pk)

    def get_result_file(self, job: Job) -> str | None:
        return self._download(job, "result")

    def get_error_file(self, job: Job) -> str | None:
        return self._download(job, "error")

    def get_progress(self, job: Job) -> dict[str, int]:
        return {"done": job.progress_done, "total": job.progress_total, "percent": job.percent}


def link(serializer: serializers.BaseSerializer[Any], name: str, *args: Any) -> str:
    """The URL of a named page, absolute when the serializer knows the request."""
    url = reverse(name, args=args)
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request else url


class JobViewSet(viewsets.ReadOnlyModelViewSet[Job]):
    """Background jobs the user started (admins: all jobs of their scope)."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return Job.objects.for_user(self.request.user).select_related("org_unit", "created_by")


class ImportSerializer(serializers.ModelSerializer[Import]):
    job = JobSerializer(read_only=True)
    progress = serializers.SerializerMethodField()
    error_report = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    org_unit = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)

    class Meta:
        model = Import
        fields = [
            "id",
            "kind",
            "status",
            "file_name",
            "file_size",
            "keep_valid",
            "clear_blanks",
            "blank_values",
            "message",
            "progress",
            "counts",
            "errors",
            "notes",
            "preview",
            "columns",
            "conflicts",
            "unknown_values",
            "applied_mappings",
            "error_report",
            "job",
            "created_by",
            "org_unit",
            "created_at",
            "applied_at",
            "undone_at",
        ]

    def get_progress(self, imp: Import) -> dict[str, int]:
        job = imp.job
        if job is None or not imp.is_busy:
            return {"done": 1, "total": 1, "percent": 100} if not imp.is_busy else {"done": 0, "total": 0, "percent": 0}
        return {"done": job.progress_done, "total": job.progress_total, "percent": job.percent}

    def get_error_report(self, imp: Import) -> str | None:
        return link(self, "jobs:import_errors", imp.pk) if imp.error_report else None

    def to_representation(self, imp: Import) -> dict[str, Any]:
        """Errors and notes in the reader's language, whichever language the check ran in."""
        data = super().to_representation(imp)
        if "errors" in data:
            data.update(for_reader(imp))
        return data


class ImportUploadSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    file = serializers.FileField()
    apply = serializers.BooleanField(default=False)
    keep_valid = serializers.BooleanField(default=False)
    clear_blanks = serializers.BooleanField(default=False)  # a blank cell clears the stored value


class KeepValidSerializer(serializers.Serializer[Any]):
    keep_valid = serializers.BooleanField(default=False)


class ValueChoiceSerializer(serializers.Serializer[Any]):
    column = serializers.CharField(max_length=60)
    value = serializers.CharField(max_length=200)
    target = serializers.CharField(max_length=200)


class MapValuesSerializer(serializers.Serializer[Any]):
    """What each unknown value of the check (its ``unknown_values``) stands for: a target among the column's options."""

    mappings = serializers.ListField(child=ValueChoiceSerializer(), allow_empty=False, max_length=1000)


class ValueMappingSerializer(serializers.ModelSerializer[ValueMapping]):
    org_unit = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = ValueMapping
        fields = ["id", "kind", "column", "value", "target", "org_unit", "created_by", "created_at"]
        read_only_fields = fields


class ValueMappingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ValueMapping]
):
    """Value mappings of the administrator's scope (saved with ``POST /api/v1/imports/ID/mappings/``); deleting one
    makes its value unknown again to later imports."""

    queryset = ValueMapping.objects.none()
    serializer_class = ValueMappingSerializer
    filterset_fields = ["kind", "column"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ValueMapping.objects.none()
        return ValueMapping.objects.for_user(self.request.user).select_related("org_unit", "created_by")

    def perform_destroy(self, instance: ValueMapping) -> None:
        delete_with_audit(Actor.from_request(self.request, Source.API), instance)


class ImportViewSet(viewsets.ReadOnlyModelViewSet[Import]):
    """Roster imports (administrators of the scope). Upload with ``POST`` (multipart ``kind``, ``file``,
    ``apply``, ``keep_valid``, ``clear_blanks``): the file is checked in the background; ``apply/`` writes a checked import,
    ``undo/`` takes an applied one back."""

    queryset = Import.objects.none()
    serializer_class = ImportSerializer
    filterset_fields = ["kind", "status"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Import.objects.none()
        return Import.objects.for_user(self.request.user).select_related("job", "created_by", "org_unit")

    def _started(self, imp: Import, job: Job | None) -> Response:
        """202 with the import; 503 with the reason when the broker did not take its job (the job failed, the
        import is back where it was)."""
        if job is not None and job.status == Job.Status.FAILED:
            imp.refresh_from_db()
            data = self.get_serializer(imp).data
            return Response({**data, "detail": job.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(self.get_serializer(imp).data, status=status.HTTP_202_ACCEPTED)

    def _refused(self, refusal: FileRefused) -> Response:
        return Response({"detail": refusal.message}, status=status.HTTP_400_BAD_REQUEST)

    def _conflict(self, refusal: ImportStateError) -> Response:
        """409: the import is not where the step can start (the rows changed since, when they are the reason)."""
        conflicts = {"conflicts": refusal.conflicts} if refusal.conflicts else {}
        return Response({"detail": refusal.message, **conflicts}, status=status.HTTP_409_CONFLICT)

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_admin(request.user):
            raise PermissionDenied(_("Imports are for administrators."))
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            imp = import_start(
                kind=data["kind"],
                upload=data["file"],
                name=data["file"].name,
                size=data["file"].size,
                apply=data["apply"],
                keep_valid=data["keep_valid"],
                clear_blanks=data["clear_blanks"],
                acting_user=request.user,
            )
        except FileRefused as refusal:
            return self._refused(refusal)
        return self._started(imp, imp.job)

    @extend_schema(request=KeepValidSerializer, responses={202: ImportSerializer, 409: ErrorDetailSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: Any = None) -> Response:
        imp = self.get_object()
        options = KeepValidSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            job = import_apply(imp=imp, keep_valid=options.validated_data["keep_valid"], acting_user=request.user)
        except ImportStateError as refusal:
            return self._conflict(refusal)
        return self._started(imp, job)

    @extend_schema(
        request=MapValuesSerializer,
        responses={202: ImportSerializer, 400: ErrorDetailSerializer, 409: ErrorDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def mappings(self, request: Request, pk: Any = None) -> Response:
        """Map the check's unknown values for the administrator's unit, and check the import again with them."""
        imp = self.get_object()
        chosen = MapValuesSerializer(data=request.data)
        chosen.is_valid(raise_exception=True)
        targets = {(m["column"], m["value"]): m["target"] for m in chosen.validated_data["mappings"]}
        try:
            job = import_map_values(imp=imp, targets=targets, actor=Actor.from_request(request, Source.API))
        except MappingRefused as refusal:
            return Response({"detail": refusal.message}, status=status.HTTP_400_BAD_REQUEST)
        except ImportStateError as refusal:
            return self._conflict(refusal)
        return self._started(imp, job)

    @extend_schema(request=None, responses={202: ImportSerializer, 409: UndoConflictSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: Any = None) -> Response:
        imp = self.get_object()
        try:
            job = import_undo(imp=imp, acting_user=request.user)
        except ImportStateError as refusal:
            return self._conflict(refusal)
        return self._started(imp, job)


class ReportRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=[], help_text=_("The report kind: annual, annual_workbook, quarterly, assessment_results.")
    )
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            'The kind\'s parameters, e.g. {"year": 2025, "org_unit": "330400"}: a unit by its code (your own unit '
            "when left out), a scheme by its id. GET kinds/ lists each kind's parameters."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = sorted(REPORTS)  # type: ignore[attr-defined]


class ReportParamSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    help_text = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    choices = serializers.ListField(child=serializers.JSONField(), allow_null=True)


class ReportKindSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    output = serializers.CharField()
    params = ReportParamSerializer(many=True)


def choice_values(field: Any) -> list[Any] | None:
    """The values a choice field takes (a record's by its id), or None for a field without choices."""
    if not hasattr(field, "choices"):
        return None
    values = [getattr(value, "value", value) for value, _label in field.choices]
    return [v if isinstance(v, (int, str)) else str(v) for v in values if v not in ("", None)]


class ReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Job]):
    """Reports: ``POST`` {kind, params} queues one (202 with its job; follow it at ``/api/v1/jobs/ID/``); the list is
    the reports the user generated (admins: those of their scope)."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return report_jobs(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={202: JobSerializer, 503: JobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        asked = ReportRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        # A misspelt parameter is refused, not dropped: ``orgunit`` would otherwise report on the user's own unit.
        takes = REPORTS[asked.validated_data["kind"]].form.base_fields
        unknown = [name for name in asked.validated_data["params"] if name not in takes]
        if unknown:
            message = _("This report takes no such parameter; it takes: %(names)s.") % {"names": ", ".join(takes)}
            return Response({"params": {name[:40]: [message] for name in unknown}}, status=status.HTTP_400_BAD_REQUEST)
        try:
            job = report_start(
                kind=asked.validated_data["kind"], params=asked.validated_data["params"], acting_user=request.user
            )
        except ParamsRefused as refused:
            errors: dict[str, Any] = {}
            for name, messages in refused.message_dict.items():
                if name in ("kind", "params"):
                    errors[name] = messages
                else:
                    errors.setdefault("params", {})[name] = messages
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        data = self.get_serializer(job).data
        if job.status == Job.Status.FAILED:  # the broker did not take it
            return Response({**data, "detail": job.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ReportKindSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def kinds(self, request: Request) -> Response:
        """The report kinds the user may run, with their parameters."""
        out = []
        for kind in kinds_for(request.user):
            form = kind.form(user=request.user)
            params = [
                {
                    "name": name,
                    "label": str(field.label or name),
                    "required": field.required,
                    "help_text": str(field.help_text),
                    "choices": choice_values(field),
                }
                for name, field in form.fields.items()
            ]
            out.append(
                {
                    "kind": kind.code,
                    "title": str(kind.title),
                    "description": str(kind.description),
                    "output": kind.output,
                    "params": params,
                }
            )
        return Response(ReportKindSerializer(out, many=True).data)
