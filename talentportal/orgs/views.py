from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from talentportal.access import get_for_user
from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, record

from .forms import AdminSetPasswordForm
from .models import User, is_admin
from .registries import users


@login_required
def user_set_password(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin sets a new password for an account they manage (the user forgot theirs)."""
    if not is_admin(request.user):
        raise PermissionDenied
    target = get_for_user(User.objects, request.user, pk, write=True)
    form = AdminSetPasswordForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            target.set_password(form.cleaned_data["new_password"])
            target.save(update_fields=["password"])
            record(Actor.from_request(request, Source.FORM), Action.PASSWORD, target)
        messages.success(request, _("The password of “%(user)s” was reset.") % {"user": target})
        return HttpResponseRedirect(users.url("detail", target))
    return render(
        request, "orgs/user_password.html", {"form": form, "object": target, "registry": users, "section": "admin"}
    )
