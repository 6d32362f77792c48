from django.contrib import admin

from talentportal.audit.admin import AuditedAdmin

from .models import (
    Assessee,
    Entry,
    Event,
    Evidence,
    Indicator,
    Mark,
    Result,
    ReviewerAssignment,
    Scheme,
    Submission,
    Target,
)


@admin.register(Scheme)
class SchemeAdmin(AuditedAdmin):
    list_display = ["year", "name", "group", "org_unit", "status", "due_on"]
    list_filter = ["group", "status", "year"]
    search_fields = ["name"]
    raw_id_fields = ["org_unit", "copied_from"]


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ["scheme", "code", "name", "level", "max_points", "source"]
    list_filter = ["level", "source"]
    search_fields = ["code", "name"]
    raw_id_fields = ["scheme", "parent"]


@admin.register(Assessee)
class AssesseeAdmin(AuditedAdmin):
    list_display = ["scheme", "key", "name", "due_on", "excluded"]
    search_fields = ["key", "name"]
    raw_id_fields = ["scheme", "org_unit", "platform", "enterprise"]


@admin.register(ReviewerAssignment)
class ReviewerAssignmentAdmin(AuditedAdmin):
    list_display = ["scheme", "indicator", "user"]
    raw_id_fields = ["scheme", "indicator", "user"]


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["indicator", "assessee", "value"]
    raw_id_fields = ["indicator", "assessee"]


@admin.register(Submission)
class SubmissionAdmin(AuditedAdmin):
    list_display = ["assessee", "status", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["assessee"]


@admin.register(Entry)
class EntryAdmin(AuditedAdmin):
    list_display = ["submission", "indicator", "value"]
    raw_id_fields = ["submission", "indicator"]


@admin.register(Mark)
class MarkAdmin(AuditedAdmin):
    list_display = ["submission", "indicator", "reviewer", "points"]
    raw_id_fields = ["submission", "indicator", "reviewer"]


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    list_display = ["scheme", "assessee", "indicator", "level", "occurred_on", "status"]
    list_filter = ["status", "level"]
    raw_id_fields = ["scheme", "assessee", "indicator", "claimed_by", "decided_by"]


@admin.register(Evidence)
class EvidenceAdmin(AuditedAdmin):
    list_display = ["submission", "indicator", "event", "name", "uploaded_at"]
    raw_id_fields = ["submission", "indicator", "event", "uploaded_by"]


@admin.register(Result)
class ResultAdmin(AuditedAdmin):
    list_display = ["assessee", "total", "rank", "grade", "vetoed"]
    raw_id_fields = ["assessee"]
