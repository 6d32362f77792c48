from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from talentportal.audit.admin import AuditedAdmin

from .models import Membership, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


class MembershipInline(admin.StackedInline[Membership, User]):
    model = Membership
    can_delete = False


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin[User]):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "email", "is_active", "is_superuser"]
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("display_name", "phone")}))  # type: ignore[misc]
