"""Workflows of the talent registry that go beyond saving a form."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from talentportal.audit.services import Actor, record_change, snapshot

from .models import ServiceRequest, Talent

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


def registration_conflict(id_type: str, id_number: str, user: AnyUser, exclude_pk: int | None = None) -> str | None:
    """Why this person cannot be registered again, or None. Outside the user's scope, the message names the
    registering county and nothing else about the record."""
    existing = (
        Talent.objects.filter(id_type=id_type, id_number=id_number)
        .exclude(id=exclude_pk or 0)
        .select_related("org_unit")
        .first()
    )
    if existing is None:
        return None
    if Talent.objects.for_user(user).filter(pk=existing.pk).exists():
        return _("This person is already registered: %(name)s (record %(id)s).") % {
            "name": existing.name,
            "id": existing.pk,
        }
    return _("This person is already registered by %(county)s.") % {
        "county": existing.org_unit.registering_county().name
    }


@transaction.atomic
def service_request_change_status(
    *,
    service_request: ServiceRequest,
    status: str,
    note: str,
    resolved_on: datetime.date | None,
    actor: Actor,
) -> ServiceRequest:
    """Move a request to ``status``; the note is appended to the resolution, the date set when it closes, and
    the acting clerk becomes the handler if there was none. A request closes only with its result (or the reason
    it is declined): ``ValidationError`` by field otherwise, and nothing changes."""
    if resolved_on and resolved_on < service_request.submitted_on:
        raise ValidationError({"resolved_on": _("The resolution date cannot be before the submission date.")})
    resolution = service_request.resolution
    if note.strip():
        stamp = timezone.localdate().isoformat()
        who = getattr(actor.user, "display_name", "") or getattr(actor.user, "username", "")
        line = f"[{stamp} {who}] {note.strip()}".strip()
        resolution = f"{resolution}\n{line}".strip()
    handler = service_request.handler if service_request.handler_id else actor.user
    problems = ServiceRequest.closing_errors(status, resolution, handler)
    if problems:
        raise ValidationError(problems)
    before = snapshot(service_request)
    service_request.status = status
    service_request.resolution = resolution
    service_request.resolved_on = ServiceRequest.resolution_date(status, service_request.submitted_on, resolved_on)
    service_request.handler = handler
    service_request.save()
    record_change(actor, service_request, before, snapshot(service_request))
    return service_request
