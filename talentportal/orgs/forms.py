from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from talentportal.access import scope_choices

from .models import ROLE_RANK, Membership, OrgUnit, Role, User, role_of, unit_of

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class ScopedFormMixin:
    """Limits every link of a form (each ``ModelChoiceField`` and ``ModelMultipleChoiceField``) to the records
    the acting user may read, so nothing lands outside the scope; a form narrows a field further (e.g. to what
    the user may edit) in its own ``__init__``. The org-unit fields named in ``scoped_fields`` offer active
    units only, a new record's starting in the user's own unit."""

    scoped_fields: tuple[str, ...] = ("org_unit",)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
        for field in fields.values():
            if isinstance(field, forms.ModelChoiceField):  # a ModelMultipleChoiceField is one too
                field.queryset = scope_choices(field.queryset, user)
        own = unit_of(user)
        is_new = not getattr(getattr(self, "instance", None), "pk", None)
        for name in self.scoped_fields:
            if name in fields:
                fields[name].queryset = fields[name].queryset.filter(is_active=True)
                # A new record starts in the user's own unit: the common case for a county clerk.
                if own is not None and is_new:
                    self.initial.setdefault(name, own.pk)  # type: ignore[attr-defined]


class OrgUnitForm(ScopedFormMixin, forms.ModelForm[OrgUnit]):
    scoped_fields = ("parent",)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A county admin places units below their own; only the city's superuser creates a root.
        parent = cast("forms.ModelChoiceField[Any]", self.fields["parent"])
        parent.required = unit_of(self.user) is not None
        if self.instance.pk:
            parent.queryset = OrgUnit.objects.for_user(self.user).exclude(path__startswith=self.instance.path)


class UserForm(ScopedFormMixin, forms.ModelForm[User]):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("org unit"))
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; the user should change it after the first sign-in."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "phone", "org_unit", "role", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = ROLE_RANK[Role(role_of(self.user) or Role.VIEWER)]
        # Nobody grants a role above their own.
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.value, r.label) for r in Role if ROLE_RANK[r] <= own]
        membership = getattr(self.instance, "membership", None) if self.instance.pk else None
        if membership is not None:
            self.initial.update(org_unit=membership.org_unit_id, role=membership.role)
        if self.instance.pk:
            del self.fields["password"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            probe = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                validate_password(data["password"], probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data

    @transaction.atomic
    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        user.save()
        # Keep the fresh membership on the user: the audit snapshot after the save must see the new role.
        user.membership, _created = Membership.objects.update_or_create(
            user=user, defaults={"org_unit": self.cleaned_data["org_unit"], "role": self.cleaned_data["role"]}
        )
        return user


class AdminSetPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("new password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, target: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data["new_password"]
        validate_password(password, self.target)
        return password
