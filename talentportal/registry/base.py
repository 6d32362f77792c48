"""One declaration per registry model gives it list, detail, form, delete, export and history pages.

A ``Registry`` names the model, its FilterSet, its form, the columns of its table and export, and who may do
what. Scoping (``for_user`` / ``editable_by``), audit, export and the concurrency check live here once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import QueryDict
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from talentportal.audit.services import Snapshot, snapshot
from talentportal.orgs.models import can_write, role_of

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


def yes_no(value: bool) -> str:
    """A boolean as people read it, in the current language: 是 / 否, Yes / No."""
    return gettext("Yes") if value else gettext("No")


@dataclass
class Column:
    """A column of the list table and of the export.

    ``name`` is a field name or a ``__`` path; ``order_by`` enables sorting (defaults to ``name`` for model
    fields); ``value`` computes the cell from the row when a path is not enough.
    """

    name: str
    label: str | Promise | None = None
    sortable: bool = True
    order_by: str | None = None
    link: bool = False
    value: Callable[[Any], Any] | None = None
    # Personal data: shown through this function (e.g. ``mask_id``) unless the user may see it in full; a model
    # field's from the model's ``personal_fields``.
    mask: Callable[[Any], str] | None = None
    # Where the value leads on the detail page (another record), if anywhere.
    url: Callable[[Any], str | None] | None = None

    def header(self, model: type[models.Model]) -> str:
        if self.label is not None:
            return capfirst(str(self.label))
        target: Any = model
        field_obj = None
        for part in self.name.split("__"):
            field_obj = target._meta.get_field(part)
            target = field_obj.related_model or target
        return capfirst(str(getattr(field_obj, "verbose_name", self.name)))

    def shown(self, obj: Any, reveal: bool = False) -> Any:
        """The cell as a user sees it: personal data masked unless ``reveal``."""
        value = self.cell(obj)
        if self.mask is not None and not reveal and value:
            return self.mask(value)
        return value

    def cell(self, obj: Any) -> Any:
        if self.value is not None:
            return self.value(obj)
        parts = self.name.split("__")
        for part in parts[:-1]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        last = parts[-1]
        display = getattr(obj, f"get_{last}_display", None)
        return display() if callable(display) else getattr(obj, last, None)


@dataclass
class Tab:
    slug: str
    label: str | Promise
    template: str
    context: Callable[[Any, Any], dict[str, Any]] | None = None  # (request, obj) -> extra context


@dataclass
class Registry:
    model: type[models.Model]
    url_prefix: str  # e.g. "units" -> /orgs/units/
    name: str  # url names are f"{name}_list", f"{name}_detail", ...
    filterset_class: Any
    form_class: Any
    columns: list[Column]
    detail_fields: list[str] = field(default_factory=list)
    # Extra buttons on the detail page for users who may edit: (label, url name taking the pk, icon).
    actions: list[tuple[str | Promise, str, str]] = field(default_factory=list)
    # Columns of the list table (by name); the export always has all ``columns``.
    list_columns: list[str] = field(default_factory=list)
    # The detail page's tabs after "profile"; other apps add theirs with ``add_tab`` (see ``tabs``).
    own_tabs: list[Tab] = field(default_factory=list)
    default_tab: str = "profile"  # the tab a detail page opens on
    default_ordering: tuple[str, ...] = ("pk",)
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    namespace: str = ""
    section: str = ""  # side navigation section
    # Who may open the pages at all, and who may create. Edit and delete follow ``editable_by``.
    can_view: Callable[[Any], bool] = lambda user: role_of(user) is not None
    can_create: Callable[[Any], bool] = can_write
    snapshot: Callable[[Any], Snapshot] = snapshot
    # Why a row may not be deleted whatever the user's rights (e.g. it has a history to keep), or None.
    delete_error: Callable[[Any], str | None] | None = None
    queryset: Callable[[Any], models.QuerySet[Any]] | None = None
    editable: Callable[[Any], models.QuerySet[Any]] | None = None
    # The doors through which the records are created and changed (``PAGES``, ``API``): the rights above hold
    # at each of them, and nowhere else. Both doors read this through ``door``.
    written_through: tuple[str, ...] = ("pages", "api")

    def __post_init__(self) -> None:
        personal = getattr(self.model, "personal_fields", {})
        for column in self.columns:
            column.mask = column.mask or personal.get(column.name)

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def verbose_name_plural(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    def for_user(self, user: AnyUser) -> models.QuerySet[Any]:
        qs = self.queryset(user) if self.queryset else self.model.objects.for_user(user)  # type: ignore[attr-defined]
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def editable_by(self, user: AnyUser) -> models.QuerySet[Any]:
        return self.editable(user) if self.editable else self.model.objects.editable_by(user)  # type: ignore[attr-defined]

    def door(self, name: str) -> Door:
        """The rights as one door (``PAGES`` or ``API``) grants them."""
        return Door(self, name)

    @property
    def tabs(self) -> list[Tab]:
        """Its own tabs, then those other apps add to its model's pages."""
        return [*self.own_tabs, *ADDED_TABS.get(self.model._meta.label_lower, [])]

    @property
    def table_columns(self) -> list[Column]:
        if not self.list_columns:
            return self.columns
        return [c for c in self.columns if c.name in self.list_columns]

    @property
    def personal_columns(self) -> list[Column]:
        return [c for c in self.columns if c.mask is not None]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def url_name(self, action: str) -> str:
        name = f"{self.name}_{action}"
        return f"{self.namespace}:{name}" if self.namespace else name

    def url(self, action: str, obj: Any = None, *extra: Any) -> str:
        return reverse(self.url_name(action), args=[obj.pk, *extra] if obj is not None else [])

    def fingerprint(self, obj: Any) -> str:
        """A short hash of the stored values: the form carries it, and a save over a newer version is refused."""
        data = {k: v for k, v in self.snapshot(obj).items() if k not in {"updated_at", "last_login"}}
        # Links count by identity, not by name: renaming a unit must not invalidate every open form in it.
        for model_field in obj._meta.concrete_fields:
            if model_field.is_relation:
                data[model_field.name] = getattr(obj, model_field.attname)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]

    def urls(self) -> list[Any]:
        from . import views

        kwargs = {"registry": self}
        p = self.url_prefix
        return [
            path(f"{p}/", views.RegistryListView.as_view(**kwargs), name=f"{self.name}_list"),
            path(f"{p}/export/", views.RegistryExportView.as_view(**kwargs), name=f"{self.name}_export"),
            path(f"{p}/new/", views.RegistryCreateView.as_view(**kwargs), name=f"{self.name}_create"),
            path(f"{p}/<int:pk>/", views.RegistryDetailView.as_view(**kwargs), name=f"{self.name}_detail"),
            path(f"{p}/<int:pk>/edit/", views.RegistryUpdateView.as_view(**kwargs), name=f"{self.name}_edit"),
            path(f"{p}/<int:pk>/delete/", views.RegistryDeleteView.as_view(**kwargs), name=f"{self.name}_delete"),
            path(
                f"{p}/<int:pk>/reveal/<str:field>/",
                views.RegistryRevealView.as_view(**kwargs),
                name=f"{self.name}_reveal",
            ),
        ]


PAGES, API = "pages", "api"


@dataclass(frozen=True)
class Door:
    """A registry's rights at one door: the pages and the API ask the same declaration, so they cannot
    disagree. At a door the records are not written through, they are read-only."""

    registry: Registry
    name: str

    @property
    def writes(self) -> bool:
        return self.name in self.registry.written_through

    def can_view(self, user: AnyUser) -> bool:
        return bool(self.registry.can_view(user))

    def can_create(self, user: AnyUser) -> bool:
        return self.writes and bool(self.registry.can_create(user))

    def for_user(self, user: AnyUser) -> models.QuerySet[Any]:
        return self.registry.for_user(user)

    def editable_by(self, user: AnyUser) -> models.QuerySet[Any]:
        editable = self.registry.editable_by(user)
        return editable if self.writes else editable.none()


REGISTRIES: dict[str, Registry] = {}


def register(registry: Registry) -> Registry:
    """Make a registry known by its model label, so that export jobs can rebuild its queryset."""
    REGISTRIES[registry.model._meta.label_lower] = registry
    return registry


def filtered_queryset(registry: Registry, user: AnyUser, params: QueryDict) -> models.QuerySet[Any]:
    """The scoped, filtered and sorted rows a list page (and its export) shows."""
    qs = registry.for_user(user)
    filterset = registry.filterset_class(params, queryset=qs, request=None, user=user)
    qs = filterset.qs if filterset.is_valid() else qs.none()
    return qs.order_by(*sort_order(registry, params.get("sort", ""))[1])


def sort_order(registry: Registry, sort: str) -> tuple[str, tuple[str, ...]]:
    """The validated sort key and the ORDER BY it means (unknown keys fall back to the default)."""
    key = sort.lstrip("-")
    for column in registry.columns:
        if column.sortable and column.name == key:
            expr = column.order_by or column.name
            desc = sort.startswith("-")
            return sort, (f"-{expr}" if desc else expr, "-pk" if desc else "pk")
    return "", registry.default_ordering


# Tabs an app shows on another app's detail pages, by model label: the other app's registry knows nothing of them.
ADDED_TABS: dict[str, list[Tab]] = {}


def add_tab(label: str, tab: Tab) -> Tab:
    """Show ``tab`` on the detail pages of the model ``label`` (e.g. ``"talents.talent"``), after its own tabs.

    Called from an app's ``registries.py``, which every process loads once (``RegistryConfig.ready``).
    """
    ADDED_TABS.setdefault(label, []).append(tab)
    return tab
