"""Declaring a report kind: its title, its parameter form, who may run it, and how its figures are built.

Each app declares the kinds it offers in its own ``reports.py`` with ``register(ReportKind(...))`` (discovered at
start-up, like ``imports.py``). ``build(user, params, progress)`` returns a ``Document`` computed as ``user``, with
the same scoped querysets and metric functions the pages use; ``params`` is the cleaned data of the kind's form,
checked again when the job runs (a unit that left the user's scope since is refused then too).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talentportal.orgs.models import OrgUnit, has_role, unit_of
from talentportal.years import FIRST_YEAR, LAST_YEAR

from .document import Document

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

DOCX, XLSX = "docx", "xlsx"
CONTENT_TYPES = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Progress = Callable[[int, int, str], None]


class OutOfScope(Exception):
    """A parameter names a record outside the user's scope: answered 404, as the record's own page would be."""


def anyone(user: AnyUser) -> bool:
    """Everyone with a role: viewers run and download the reports of their scope."""
    return has_role(user, "viewer")


@dataclass(frozen=True)
class ReportKind:
    """One kind of report. ``code`` is a contract (the API's ``kind``)."""

    code: str
    title: str | Promise
    description: str | Promise
    form: type[ReportForm]
    build: Callable[[AnyUser, dict[str, Any], Progress], Document]
    output: str = XLSX
    can_run: Callable[[AnyUser], bool] = anyone
    # The Word template a DOCX kind is drawn with when the office has uploaded none (under reports/templates/).
    template: str = ""
    # Where the kind stands in the lists of kinds (the annual report first).
    order: int = 100


REPORTS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    if kind.code in REPORTS:
        raise ValueError(f"report kind {kind.code!r} is registered twice")
    if kind.output not in CONTENT_TYPES:
        raise ValueError(f"report kind {kind.code!r}: unknown output {kind.output!r}")
    REPORTS[kind.code] = kind
    return kind


def kinds_for(user: AnyUser) -> list[ReportKind]:
    return sorted((kind for kind in REPORTS.values() if kind.can_run(user)), key=lambda kind: (kind.order, kind.code))


def runnable(user: AnyUser, code: Any) -> ReportKind | None:
    """The report kind ``code`` if the user may run it; ``None`` for an unknown kind and for one they may not."""
    kind = REPORTS.get(code) if isinstance(code, str) else None
    return kind if kind is not None and kind.can_run(user) else None


def shown_value(field: forms.Field, value: Any) -> str:
    """A parameter as its form shows it: a choice by its label (第3季度, not 3), a record as itself."""
    if not isinstance(field, forms.ModelChoiceField):
        value = dict(getattr(field, "choices", None) or ()).get(value, value)
    return str(value)


def last_ended(form: type[forms.Form], day: datetime.date) -> dict[str, int]:
    """The period a report of ``form`` proposes on ``day``, and a schedule reports on: the last quarter that has
    ended when the form takes a quarter, else the last year that has ended."""
    if "quarter" in form.base_fields:
        year, quarter = (day.year, (day.month - 1) // 3) if day.month > 3 else (day.year - 1, 4)
        return {"year": year, "quarter": quarter}
    return {"year": day.year - 1} if "year" in form.base_fields else {}


class ReportForm(forms.Form):
    """A report's parameters, for ``user``. Fields named ``year`` and ``quarter`` are the period a schedule fills in
    (the period that has just ended); ``org_unit`` is a unit's code in the user's scope, their own by default.

    ``params()`` gives the cleaned parameters as JSON (units by code, records by id), as the job keeps them.
    """

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        unit = unit_of(user)
        if "org_unit" in self.fields and unit is not None:
            self.fields["org_unit"].initial = unit.code
        for name, value in last_ended(type(self), timezone.localdate()).items():
            self.fields[name].initial = value

    def clean_org_unit(self) -> OrgUnit | None:
        code = (self.cleaned_data.get("org_unit") or "").strip()
        unit = unit_of(self.user)
        if not code:
            # The user's own unit; a superuser without one gets the whole tree (the root unit).
            unit = unit or OrgUnit.objects.for_user(self.user).filter(parent=None).order_by("code").first()
            if unit is None:
                raise ValidationError(_("Choose an org unit."))
            return unit
        found: OrgUnit | None = OrgUnit.objects.filter(code=code).first()
        if found is None:
            raise ValidationError(_("No org unit has the code %(code)s.") % {"code": code[:40]})
        if not OrgUnit.objects.for_user(self.user).filter(pk=found.pk).exists():
            raise OutOfScope(code)
        return found

    def params(self) -> dict[str, Any]:
        """The cleaned parameters as JSON: records by their code or id."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, OrgUnit):
                out[name] = value.code
            elif hasattr(value, "pk"):
                out[name] = value.pk
            elif isinstance(value, datetime.date):
                out[name] = value.isoformat()
            else:
                out[name] = value
        return out


def year_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


# “Q3” / “第3季度”, in the language of whoever reads it (not the one active when the module was loaded).
def _quarter_label(quarter: int) -> str:
    return _("Q%(quarter)s") % {"quarter": quarter}


quarter_label = lazy(_quarter_label, str)


def quarter_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        choices=[(q, quarter_label(q)) for q in range(1, 5)],
        coerce=int,
    )


def org_unit_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Org unit"),
        max_length=40,
        required=required,
        help_text=gettext_lazy("The report covers this unit and every unit below it; your own unit by default."),
    )


def not_in_future(year: int, quarter: int | None = None) -> None:
    """Refuse a period that has not begun yet (a year, or a quarter of it): it has no figures. The current one is
    accepted (its figures so far)."""
    today = timezone.localdate()
    if quarter is None:
        if year > today.year:
            raise ValidationError(_("The year %(year)s has not begun yet.") % {"year": year})
        return
    if (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise ValidationError(_("Q%(quarter)s of %(year)s has not begun yet.") % {"quarter": quarter, "year": year})
