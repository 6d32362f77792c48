from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentportal.access import get_for_user
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import can_write

from .forms import StatusChangeForm
from .models import Enterprise, ServiceRequest
from .registries import service_requests
from .services import service_request_change_status


@login_required
def employer_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for the employer field: enterprises in scope whose name or credit code matches."""
    term = request.GET.get("employer", request.GET.get("q", "")).strip()
    found = Enterprise.objects.for_user(request.user).none()
    if len(term) >= 2:
        found = Enterprise.objects.for_user(request.user).filter(
            Q(name__icontains=term) | Q(credit_code__startswith=term.upper())
        )[:20]
    return render(request, "talents/_employer_options.html", {"enterprises": found})


@login_required
def service_queue(request: HttpRequest) -> HttpResponse:
    """The editors' queue: open requests first, overdue ones at the top, then by age."""
    if not can_write(request.user):
        raise PermissionDenied
    qs = ServiceRequest.objects.for_user(request.user).select_related("talent__org_unit", "handler")
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    if status == "open":
        qs = qs.open()
    elif status in ServiceRequest.Status.values:
        qs = qs.filter(status=status)
    if kind in ServiceRequest.Kind.values:
        qs = qs.filter(kind=kind)
    qs = qs.overdue_first()
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "kind": kind,
        "statuses": ServiceRequest.Status.choices,
        "kinds": ServiceRequest.Kind.choices,
        "form": StatusChangeForm(),
        "section": "talents",
    }
    return render(request, "talents/service_queue.html", context)


@login_required
@require_POST
def service_request_status(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_for_user(ServiceRequest.objects, request.user, pk, write=True)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The status was not changed: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        try:
            service_request_change_status(
                service_request=service_request,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                resolved_on=form.cleaned_data["resolved_on"],
                actor=Actor.from_request(request, Source.FORM),
            )
        except ValidationError as exc:
            messages.error(
                request,
                _("“%(request)s” was not changed: %(errors)s")
                % {"request": service_request, "errors": " ".join(exc.messages)},
            )
        else:
            messages.success(
                request,
                _("“%(request)s” is now %(status)s.")
                % {"request": service_request, "status": service_request.get_status_display()},
            )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = service_requests.url("detail", service_request)
    return HttpResponseRedirect(target)
