from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers, viewsets

from .models import Job


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    result_file = serializers.SerializerMethodField()
    error_file = serializers.SerializerMethodField()
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
            "created_by",
            "org_unit",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def _download(self, job: Job, which: str) -> str | None:
        if not (job.result_file if which == "result" else job.error_file):
            return None
        url = reverse("jobs:download", args=[job.pk, which])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_result_file(self, job: Job) -> str | None:
        return self._download(job, "result")

    def get_error_file(self, job: Job) -> str | None:
        return self._download(job, "error")

    def get_progress(self, job: Job) -> dict[str, int]:
        return {"done": job.progress_done, "total": job.progress_total, "percent": job.percent}


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background jobs the user started (admins: all jobs of their scope)."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        Job.objects.fail_stale()
        return Job.objects.for_user(self.request.user).select_related("org_unit", "created_by")
