from django.contrib import admin

from talentportal.audit.admin import AuditedAdmin

from .models import Job, ValueMapping


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "kind", "title", "status", "progress_done", "progress_total", "created_by", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(ValueMapping)
class ValueMappingAdmin(AuditedAdmin):
    list_display = ["kind", "column", "value", "target", "org_unit", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "target"]
    readonly_fields = ["created_by", "created_at"]
