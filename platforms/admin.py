from django.contrib import admin

from talentportal.audit.admin import AuditedAdmin

from .models import Platform, PlatformYear, Residency


@admin.register(Platform)
class PlatformAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "level", "org_unit", "status"]
    list_filter = ["kind", "level", "location", "status"]
    search_fields = ["code", "name"]
    raw_id_fields = ["host_enterprise"]


@admin.register(PlatformYear)
class PlatformYearAdmin(AuditedAdmin):
    list_display = ["platform", "year", "resident_talents", "resident_enterprises"]
    raw_id_fields = ["platform"]


@admin.register(Residency)
class ResidencyAdmin(AuditedAdmin):
    list_display = ["platform", "talent", "enterprise", "since", "until"]
    raw_id_fields = ["platform", "talent", "enterprise"]
