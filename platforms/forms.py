from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.forms import ScopedFormMixin
from talentportal.validators import validate_printable_text, validate_sensible_date
from talents.forms import DATE, EmployerField, country_formfield

from .models import Platform, PlatformYear, Residency


class PlatformForm(ScopedFormMixin, forms.ModelForm[Platform]):
    host_enterprise = EmployerField(label=_("host enterprise"))

    class Meta:
        model = Platform
        fields = [
            "code", "name", "kind", "level", "host_enterprise", "host_name", "org_unit", "location", "city",
            "country", "recognized_on", "star_rating",
        ]  # fmt: skip
        widgets = {"recognized_on": DATE}
        formfield_callback = country_formfield

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        return platform_location_errors(self, data)


def platform_location_errors(form: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Platforms elsewhere name their city; overseas ones their country too."""
    location = data.get("location")
    if location in (Platform.Location.DOMESTIC, Platform.Location.OVERSEAS) and not data.get("city"):
        form.add_error("city", _("Name the city where a platform outside the county sits."))
    if location == Platform.Location.OVERSEAS and not data.get("country"):
        form.add_error("country", _("Name the country of an overseas platform."))
    return data


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("revoked on"), widget=DATE, validators=[validate_sensible_date])
    revoked_reason = forms.CharField(
        label=_("reason for revocation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_printable_text],
    )


class PlatformYearForm(ScopedFormMixin, forms.ModelForm[PlatformYear]):
    platform = forms.ModelChoiceField(Platform.objects.none(), label=_("platform"))

    class Meta:
        model = PlatformYear
        fields = [
            "platform", "year", "resident_talents", "resident_enterprises", "incubated_enterprises",
            "graduated_enterprises", "new_projects", "rd_investment", "area_m2", "events_held",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A year's figures are added to a platform the user may change.
        cast("forms.ModelChoiceField[Any]", self.fields["platform"]).queryset = Platform.objects.editable_by(self.user)


class ResidencyForm(ScopedFormMixin, forms.ModelForm[Residency]):
    class Meta:
        model = Residency
        fields = ["platform", "talent", "enterprise", "since", "until"]
        widgets = {"since": DATE, "until": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A platform the user may change takes in residents the user may read (shown by name).
        cast("forms.ModelChoiceField[Any]", self.fields["platform"]).queryset = Platform.objects.editable_by(self.user)
        for name in ("talent", "enterprise"):
            field: Any = self.fields[name]
            field.queryset = field.queryset.only("id", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in residency_errors(data, self.instance.pk).items():
            self.add_error(field, message)
        return data


def residency_errors(data: dict[str, Any], exclude_pk: int | None) -> dict[str, str]:
    """Exactly one resident; ``until`` not before ``since``; no overlap with the same resident's other stays."""
    talent, enterprise = data.get("talent"), data.get("enterprise")
    since, until = data.get("since"), data.get("until")
    if bool(talent) == bool(enterprise):
        return {"talent": str(_("Choose either a talent or an enterprise, not both."))}
    if since and until and until < since:
        return {"until": str(_("The end date cannot be before the start date."))}
    platform = data.get("platform")
    if platform and since:
        resident = {"talent": talent} if talent else {"enterprise": enterprise}
        clash = (
            Residency.objects.filter(platform=platform, **resident)
            .exclude(id=exclude_pk or 0)
            .overlapping(since, until)
            .first()
        )
        if clash:
            return {"since": stay_clash(clash.since, clash.until)}
    return {}


def stay_clash(since: datetime.date, until: datetime.date | None) -> str:
    """What a stay that overlaps the resident's other stay (from ``since`` to ``until``) is told."""
    end = until.isoformat() if until else str(_("now"))
    return str(
        _("This resident already stays in this platform from %(since)s to %(until)s.")
        % {"since": since.isoformat(), "until": end}
    )
