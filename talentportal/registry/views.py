"""The generic registry pages. Each view reads its model's ``Registry``; nothing here knows a model."""

from __future__ import annotations

from functools import partial
from io import BytesIO
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import router, transaction
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from talentportal.access import get_for_user, lock_row, retried, still_editable
from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import Actor, delete_with_audit, record, record_change
from talentportal.jobs.models import Job
from talentportal.jobs.services import job_start

from .base import PAGES, Column, Door, Registry, filtered_queryset, sort_order
from .export import export_filename, may_export_personal_data, record_export_reveal, write_registry
from .forms import mask_personal_fields
from .http import HtmxHttpRequest
from .tasks import export_registry

PAGE_SIZES = (25, 50, 100)


class CappedPaginator(Paginator[Any]):
    """Counts at most ``cap`` rows: past that the page says “10,000+” instead of counting a million rows on
    every keystroke. Filters narrow a list long before anyone pages that far."""

    cap = 10_000
    capped = False

    @cached_property
    def count(self) -> int:
        counted = cast(QuerySet[Any], self.object_list)[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


class RegistryView(LoginRequiredMixin, View):
    registry: Registry = None  # type: ignore[assignment]
    raise_exception = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not self.rights.can_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def rights(self) -> Door:
        """What the registry lets a user do through its pages (the API asks the same declaration)."""
        return self.registry.door(PAGES)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        return {"registry": self.registry, "section": self.registry.section, **extra}

    def get_object(self, write: bool = False) -> Any:
        """The row, if the user may see it (404 otherwise so that its existence does not leak); with ``write``,
        403 unless the user may change it."""
        return get_for_user(self.rights, self.request.user, self.kwargs["pk"], write=write)

    def can_edit(self, obj: Any) -> bool:
        return self.rights.editable_by(self.request.user).filter(pk=obj.pk).exists()


class RegistryListView(RegistryView):
    def get(self, request: HtmxHttpRequest) -> HttpResponse:
        registry = self.registry
        qs = registry.for_user(request.user)
        filterset = registry.filterset_class(request.GET or None, queryset=qs, request=request, user=request.user)
        # An invalid filter (e.g. a unit outside the scope) matches nothing, as in the export; the form says why.
        rows = qs if not filterset.is_bound else filterset.qs if filterset.is_valid() else qs.none()
        sort, order = sort_order(registry, request.GET.get("sort", ""))
        rows = rows.order_by(*order)
        try:
            per_page = int(request.GET.get("per_page", 25))
        except ValueError:
            per_page = 25
        per_page = per_page if per_page in PAGE_SIZES else 25
        page = CappedPaginator(rows, per_page).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context = self.base_context(
            filterset=filterset,
            page=page,
            rows=[(obj, [(c, c.shown(obj)) for c in registry.table_columns]) for obj in page.object_list],
            headers=[(c, c.header(registry.model), sort_link(params, c, sort)) for c in registry.table_columns],
            query=params.urlencode(),
            is_filtered=any(k for k in params if k not in {"sort", "per_page"} and params.get(k)),
            link_filters=link_filters(filterset, params),
            can_create=self.rights.can_create(request.user),
            per_page=per_page,
            page_sizes=PAGE_SIZES,
        )
        template = "registry/list.html#results" if request.htmx and not request.htmx.boosted else "registry/list.html"
        return render(request, template, context)


def link_filters(filterset: Any, params: QueryDict) -> list[dict[str, Any]]:
    """Filters that came with a link (hidden in the form): what they are, the record they name when the user
    may see it, and the query without each."""
    shown = []
    for field in filterset.form.hidden_fields():
        value = params.get(field.name)
        if value:
            rest = params.copy()
            rest.pop(field.name)
            record = None if field.errors else linked_record(filterset, field.name, value)
            shown.append(
                {
                    "label": field.label,
                    "value": str(record) if record is not None else f"#{value}",
                    "errors": field.errors,
                    "without": rest.urlencode(),
                }
            )
    return shown


def linked_record(filterset: Any, name: str, value: str) -> Any:
    """The record an id filter (``batch_id``, ``selection__batch_id``…) points at, looked up in the user's scope."""
    model = filterset._meta.model
    try:
        for part in filterset.filters[name].field_name.removesuffix("_id").split("__"):
            model = model._meta.get_field(part).related_model
    except Exception:  # not a path of relations: show the id
        return None
    if model is None or not hasattr(model.objects, "for_user"):
        return None
    return model.objects.for_user(filterset.user).filter(pk=value).first()


def sort_link(params: QueryDict, column: Column, current: str) -> dict[str, Any] | None:
    if not column.sortable:
        return None
    q = params.copy()
    direction = ""
    if current == column.name:
        q["sort"], direction = f"-{column.name}", "asc"
    elif current == f"-{column.name}":
        q["sort"], direction = column.name, "desc"
    else:
        q["sort"] = column.name
    return {"query": q.urlencode(), "direction": direction}


class RegistryExportView(RegistryView):
    def get(self, request: HtmxHttpRequest) -> HttpResponse:
        registry = self.registry
        qs = filtered_queryset(registry, request.user, request.GET)
        total = qs.count()
        if total > settings.EXPORT_INLINE_MAX_ROWS:
            job = job_start(
                task=export_registry,
                kind="export",
                title=_("Export of %(name)s") % {"name": registry.verbose_name_plural},
                params={
                    "model": registry.model._meta.label_lower,
                    "user_id": request.user.pk,
                    "query": request.GET.urlencode(),
                    "language": get_language(),
                },
                acting_user=request.user,
            )
            if job.status == Job.Status.FAILED:  # the broker did not take it; the job says why
                messages.error(request, job.message)
            else:
                messages.info(request, _("%(count)s rows: the export runs in the background.") % {"count": total})
            return HttpResponseRedirect(job.get_absolute_url())
        buffer = BytesIO()
        reveal = may_export_personal_data(registry, request.user)
        count = write_registry(registry, qs, buffer, reveal=reveal)
        if reveal:
            record_export_reveal(registry, Actor.from_request(request, Source.FORM), count)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{export_filename(registry)}"'
        return response


class RegistryRevealView(RegistryView):
    """An editor or admin of the owning scope shows one masked value in full; the reveal is audited."""

    http_method_names = ["post"]

    def post(self, request: HtmxHttpRequest, pk: int, field: str) -> HttpResponse:
        obj = self.get_object(write=True)
        column = self.registry.column(field)
        if column is None or column.mask is None:
            raise Http404
        if request.GET.get("into") == "form":
            # The edit form's input with the full value, in place of the masked one.
            form = self.registry.form_class(instance=obj, user=request.user)
            if field not in form.fields:
                raise Http404
            record(Actor.from_request(request, Source.FORM), Action.REVEAL, obj, {"revealed": [field], "form": True})
            return render(request, "registry/_revealed_field.html", {"field": form[field]})
        record(Actor.from_request(request, Source.FORM), Action.REVEAL, obj, {"revealed": [field]})
        return render(request, "registry/_revealed.html", {"value": column.cell(obj)})


class RegistryDetailView(RegistryView):
    def get(self, request: HtmxHttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object()
        tabs = [*self.registry.tabs]
        slugs = ["profile"] + [t.slug for t in tabs] + ["history"]
        current = request.GET.get("tab", self.registry.default_tab)
        current = current if current in slugs else self.registry.default_tab
        context = self.base_context(
            object=obj,
            tabs=tabs,
            tab=current,
            can_edit=self.can_edit(obj),
            fields=detail_fields(self.registry, obj),
        )
        for tab in tabs:
            if tab.slug == current:
                context["tab_template"] = tab.template
                if tab.context:
                    context.update(tab.context(request, obj))
        if current == "history":
            context["history"] = history_of(obj)
        template = "registry/detail.html#tab" if request.htmx else "registry/detail.html"
        return render(request, template, context)


def detail_fields(registry: Registry, obj: Any) -> list[tuple[str, Any, Column | None, str | None]]:
    """(label, value as shown, the column when it is personal data that may be revealed, link)."""
    names = registry.detail_fields or [c.name for c in registry.columns]
    rows = []
    for name in names:
        column = registry.column(name) or Column(name)
        value = column.shown(obj)
        link = column.url(obj) if column.url else None
        rows.append((column.header(registry.model), value, column if column.mask and value else None, link))
    return rows


def history_of(obj: Any, limit: int = 200) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_object(obj).select_related("user", "content_type")[:limit])


class RegistryFormView(RegistryView):
    """Create and edit share this: scoped form choices, the version check, and the audit entry."""

    def form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def render_form(self, form: BaseForm, obj: Any = None, status: int = 200, **extra: Any) -> HttpResponse:
        context = self.base_context(form=form, object=obj, **extra)
        template = "registry/form.html#form" if cast(HtmxHttpRequest, self.request).htmx else "registry/form.html"
        return render(self.request, template, context, status=status)

    def save(self, form: Any, before: dict[str, Any] | None) -> Any:
        """Save and audit, inside the caller's transaction; a row the save took out of what the user may change
        is refused (403) and the transaction rolled back."""
        obj = form.save()
        still_editable(self.rights, self.request.user, obj)
        record_change(Actor.from_request(self.request, Source.FORM), obj, before, self.registry.snapshot(obj))
        return obj


class RegistryCreateView(RegistryFormView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not self.rights.can_create(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HtmxHttpRequest) -> HttpResponse:
        return self.render_form(self.registry.form_class(initial=request.GET.dict(), **self.form_kwargs()))

    def post(self, request: HtmxHttpRequest) -> HttpResponse:
        form = self.registry.form_class(request.POST, request.FILES, **self.form_kwargs())
        if request.htmx and request.POST.get("_validate"):
            return self.render_form(form)
        if not form.is_valid():
            return self.render_form(form, status=422 if request.htmx else 200)
        with transaction.atomic():
            obj = self.save(form, None)
        messages.success(
            request, _("%(name)s “%(obj)s” was created.") % {"name": self.registry.verbose_name, "obj": obj}
        )
        return HttpResponseRedirect(self.registry.url("detail", obj))


class RegistryUpdateView(RegistryFormView):
    def version_token(self, obj: Any) -> str:
        return signing.dumps({"h": self.registry.fingerprint(obj), "t": timezone.now().isoformat()}, salt="edit")

    def get(self, request: HtmxHttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(write=True)
        return self.render_form(self.edit_form(obj), obj, version=self.version_token(obj))

    def edit_form(self, obj: Any, *data: Any) -> Any:
        """The record's form, its personal data masked (see ``mask_personal_fields``)."""
        form = self.registry.form_class(*data, instance=obj, **self.form_kwargs())
        mask_personal_fields(form, self.registry, obj)
        return form

    def post(self, request: HtmxHttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(write=True)
        try:
            opened = signing.loads(request.POST.get("_version", ""), salt="edit")
        except signing.BadSignature:
            opened = None
        form = self.edit_form(obj, request.POST, request.FILES)
        if request.htmx and request.POST.get("_validate"):
            return self.render_form(form, obj, version=request.POST.get("_version", ""))
        with transaction.atomic():
            current = get_object_or_404(self.registry.for_user(request.user).select_for_update(of=("self",)), pk=obj.pk)
            if opened is None or opened["h"] != self.registry.fingerprint(current):
                # Someone saved since this form was opened: keep what the user typed, show what changed.
                since = AuditEntry.objects.for_object(current).select_related("user")
                if opened is not None:
                    since = since.filter(at__gte=opened["t"])
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "This record was changed by someone else after you opened it. Your input is kept below; review the changes and save again."
                    ),
                )
                return self.render_form(
                    form, current, status=409, version=self.version_token(current), conflict=list(since[:10])
                )
            if not form.is_valid():
                return self.render_form(form, obj, version=request.POST.get("_version", ""))
            before = self.registry.snapshot(current)
            obj = self.save(form, before)
        messages.success(request, _("Your changes to “%(obj)s” were saved.") % {"obj": obj})
        return HttpResponseRedirect(self.registry.url("detail", obj))


class RegistryDeleteView(RegistryView):
    def dependencies(self, obj: Any) -> tuple[list[str], int]:
        """Reasons the row may not go (records that still need it), and how many rows would go with it."""
        collector = NestedObjects(using=router.db_for_write(obj.__class__))
        collector.collect([obj])
        blockers: dict[str, list[str]] = {}
        user = self.request.user
        for item in [*collector.protected, *getattr(collector, "restricted_objects_set", [])]:
            # Name only what the user may see; records of other units are counted, not named.
            visible = (
                hasattr(type(item).objects, "for_user")
                and type(item).objects.for_user(user).filter(pk=item.pk).exists()
            )
            blockers.setdefault(str(item._meta.verbose_name_plural), []).append(
                str(item) if visible else _("a record of another unit")
            )
        reasons = [
            _("%(count)s %(kind)s: %(names)s")
            % {"count": len(items), "kind": kind, "names": "、".join(items[:5]) + ("…" if len(items) > 5 else "")}
            for kind, items in blockers.items()
        ]
        cascaded = sum(len(objs) for model, objs in collector.model_objs.items()) - 1
        own = self.registry.delete_error(obj) if self.registry.delete_error else None
        return ([own] if own else []) + reasons, max(cascaded, 0)

    def get(self, request: HtmxHttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(write=True)
        reasons, cascaded = self.dependencies(obj)
        return render(
            request, "registry/delete.html", self.base_context(object=obj, reasons=reasons, cascaded=cascaded)
        )

    def post(self, request: HtmxHttpRequest, pk: int) -> HttpResponse:
        response, label = retried(partial(self.remove, request, pk))
        if label is not None:  # said once the deletion is committed, never by a try that was undone
            messages.success(request, _("“%(obj)s” was deleted.") % {"obj": label})
        return response

    def remove(self, request: HtmxHttpRequest, pk: int) -> tuple[HttpResponse, str | None]:
        """The deletion, in a transaction with the row locked (see ``retried`` and ``lock_row``); the answer, and
        the name of the record deleted."""
        lock_row(self.registry.model, pk)
        obj = self.get_object(write=True)
        reasons, cascaded = self.dependencies(obj)
        if reasons:
            context = self.base_context(object=obj, reasons=reasons, cascaded=cascaded)
            return render(request, "registry/delete.html", context, status=409), None
        before = self.registry.snapshot(obj)
        label = str(obj)
        delete_with_audit(Actor.from_request(request, Source.FORM), obj, before)
        return HttpResponseRedirect(self.registry.url("list")), label
