from django.contrib import admin

from talentportal.audit.admin import AuditedAdmin

from .models import Batch, Program, Selection, Tranche


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "category", "org_unit", "is_active"]
    list_filter = ["level", "category", "is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(Batch)
class BatchAdmin(AuditedAdmin):
    list_display = ["program", "ordinal", "year", "status", "quota"]
    list_filter = ["status", "year"]


class ReadOnlyAdmin(AuditedAdmin):
    """Shown, never changed here: these rows change only through the lifecycle and the funding rules (the
    portal's pages and API), which lock, check and log what admin forms would not."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Selection)
class SelectionAdmin(ReadOnlyAdmin):
    list_display = ["batch", "talent", "team", "org_unit", "status", "award_amount"]
    list_select_related = ["batch__program", "talent", "team", "org_unit"]
    list_filter = ["status"]


@admin.register(Tranche)
class TrancheAdmin(ReadOnlyAdmin):
    list_display = ["selection", "number", "amount", "condition", "status", "planned_on", "paid_on"]
    list_select_related = ["selection__batch__program", "selection__talent", "selection__team"]
    list_filter = ["status", "condition"]
