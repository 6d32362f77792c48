from django.contrib import admin

from talentportal.audit.admin import AuditedAdmin

from .models import Enterprise, EnterpriseYear, ServiceRequest, Talent, Team


@admin.register(Talent)
class TalentAdmin(AuditedAdmin):
    list_display = ["name", "id_type", "category", "tier", "org_unit", "landed_on"]
    list_filter = ["category", "tier", "industry"]
    search_fields = ["name", "id_number", "employer_name"]
    raw_id_fields = ["employer", "org_unit"]


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ["name", "credit_code", "industry", "listing", "org_unit"]
    list_filter = ["industry", "listing"]
    search_fields = ["name", "credit_code"]


@admin.register(EnterpriseYear)
class EnterpriseYearAdmin(AuditedAdmin):
    list_display = ["enterprise", "year", "revenue", "tax_paid", "employees"]
    raw_id_fields = ["enterprise"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "leader", "org_unit"]
    raw_id_fields = ["leader", "members", "employer"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(AuditedAdmin):
    list_display = ["talent", "kind", "status", "submitted_on", "resolved_on"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["talent"]
