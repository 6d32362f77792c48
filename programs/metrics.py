"""What the assessment reads from the talent programs: selections, exits and the money paid, each counted for
the unit that recommended the selection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentportal.metrics import (
    AREAS,
    ITEMS,
    MONEY,
    PEOPLE,
    Metric,
    Subject,
    Values,
    by_org_unit,
    choice_param,
    choices_filter,
    counted,
    list_url,
    register,
)

from .models import Level, Program, Selection, Tranche

PROGRAM_PARAMS = (
    choice_param("level", _("program level"), Level.choices),
    choice_param("category", _("program category"), Program.Category.choices),
)


def program_filter(params: dict[str, Any]) -> dict[str, Any]:
    return choices_filter(params, level="batch__program__level", category="batch__program__category")


def selected_url(subject: Subject, year: int, params: dict[str, Any]) -> str:
    return list_url(
        reverse("programs:selection_list"),
        org_unit=subject.code,
        reached="selected",
        decided_year=year,
        level=params.get("level"),
        category=params.get("category"),
    )


register(
    Metric(
        code="programs.selected",
        label=_("Selected into talent programs"),
        unit=PEOPLE,
        groups=AREAS,
        params=PROGRAM_PARAMS,
        records_url=selected_url,
        **counted(Selection.objects.selected_in, program_filter),
    )
)


def funds_paid(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    return by_org_unit(subjects, Tranche.objects.paid_in(year), total=Sum("amount"))


register(
    Metric(
        code="programs.funds_paid",
        label=_("Program funds paid"),
        unit=MONEY,
        groups=AREAS,
        compute=funds_paid,
        records_url=lambda subject, year, params: list_url(
            reverse("programs:tranche_list"), org_unit=subject.code, status="paid", paid_year=year
        ),
    )
)


def funds_planned(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """The tranches planned for the year, whatever became of them since except a cancellation."""
    return by_org_unit(subjects, Tranche.objects.planned_for(year), total=Sum("amount"))


register(
    Metric(
        code="programs.funds_planned",
        label=_("Program funds planned for the year"),
        unit=MONEY,
        groups=AREAS,
        compute=funds_planned,
        records_url=lambda subject, year, params: list_url(
            reverse("programs:tranche_list"), org_unit=subject.code, planned_year=year, cancelled="false"
        ),
    )
)


def funds_approved(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    """The tranches planned for the year that were approved (paid ones were approved first)."""
    return by_org_unit(subjects, Tranche.objects.planned_for(year).approved(), total=Sum("amount"))


register(
    Metric(
        code="programs.funds_approved",
        label=_("Program funds approved of the year's plan"),
        unit=MONEY,
        groups=AREAS,
        compute=funds_approved,
        records_url=lambda subject, year, params: list_url(
            reverse("programs:tranche_list"), org_unit=subject.code, planned_year=year, approved="true"
        ),
    )
)


def exits(subjects: Sequence[Subject], year: int, params: dict[str, Any]) -> Values:
    return by_org_unit(subjects, Selection.objects.exited_in(year).filter(**program_filter(params)))


register(
    Metric(
        code="programs.exits",
        label=_("Exits from talent programs"),
        unit=ITEMS,
        groups=AREAS,
        params=PROGRAM_PARAMS,
        compute=exits,
        records_url=lambda subject, year, params: list_url(
            reverse("programs:selection_list"),
            org_unit=subject.code,
            exited_year=year,
            level=params.get("level"),
            category=params.get("category"),
        ),
    )
)
