from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentportal.orgs.forms import ScopedFormMixin
from talentportal.registry.filters import MAX_ID
from talentportal.registry.masking import mask_id
from talentportal.validators import validate_printable_text, validate_sensible_date
from talents.forms import DATE, EmployerField
from talents.models import Talent

from .models import FUNDED, Batch, Program, Selection, Status, Tranche

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class ProgramForm(ScopedFormMixin, forms.ModelForm[Program]):
    class Meta:
        model = Program
        fields = ["code", "name", "short_name", "level", "category", "org_unit", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class BatchForm(ScopedFormMixin, forms.ModelForm[Batch]):
    class Meta:
        model = Batch
        fields = ["program", "ordinal", "year", "opens_on", "closes_on", "quota", "status"]
        widgets = {"opens_on": DATE, "closes_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A batch is opened in a program the user's office runs.
        cast("forms.ModelChoiceField[Any]", self.fields["program"]).queryset = Program.objects.editable_by(self.user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("A batch cannot close before it opens."))
        return data


class TalentChoiceField(forms.ModelChoiceField[Any]):
    """Namesakes are told apart by their unit and the last digits of their ID number."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.org_unit.name} · {mask_id(obj.id_number)}）"


class SelectionForm(ScopedFormMixin, forms.ModelForm[Selection]):
    """An application (or, for the program's office, any selection's particulars). The status moves only
    through the lifecycle actions, never through this form."""

    employer = EmployerField()
    talent = TalentChoiceField(Talent.objects.none(), required=False, label=_("talent"))

    class Meta:
        model = Selection
        fields = ["batch", "talent", "team", "org_unit", "employer", "award_amount", "applied_on", "notes"]
        widgets = {"applied_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managed = Program.objects.editable_by(self.user)
        # Batches that take applications, those of the user's own programs, and the one it is in already.
        batches = Q(status=Batch.Status.OPEN) | Q(program__in=managed) | Q(pk=self.instance.batch_id)
        batch, talent, team = (cast(Any, self.fields[name]) for name in ("batch", "talent", "team"))
        batch.queryset = batch.queryset.filter(batches).select_related("program")
        # What the choices' labels show, and no more.
        talent.queryset = talent.queryset.select_related("org_unit").only("id", "name", "id_number", "org_unit__name")
        team.queryset = team.queryset.only("id", "name")
        if not managed.exists():
            del self.fields["award_amount"]  # the award is the program office's to set

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in selection_errors(data, self.instance, self.user).items():
            self.add_error(field, message)
        return data


def selection_errors(data: dict[str, Any], instance: Selection, user: AnyUser) -> dict[str, str]:
    """The rules of an application the form and the API share (see ``application_errors``)."""
    batch = data.get("batch")
    manages = batch is not None and Program.objects.editable_by(user).filter(pk=batch.program_id).exists()
    return application_errors(data, instance, manages=manages, committed=instance.committed_amount)


def application_errors(
    data: dict[str, Any], instance: Selection, *, manages: bool, committed: Callable[[], Decimal]
) -> dict[str, str]:
    """The rules of an application: one applicant, recommended by its own unit or one above it; a batch that
    takes applications (unless the program's office adds a late one), fixed once the selection is under way;
    no application dated in the future; an award set by the program's office only, covering the tranches
    already planned, and never taken away from a selection that is selected or further on. ``manages``: whether the user runs the batch's program; ``committed``: what the stored
    selection's tranches add up to. The roster import passes both, fetched for many rows at once."""
    errors: dict[str, str] = {}
    applicant = data.get("talent") or data.get("team")
    if bool(data.get("talent")) == bool(data.get("team")):
        errors["talent"] = str(_("Choose either a talent or a team, not both."))
    elif applicant is not None and data.get("org_unit") and not applicant.org_unit.is_within(data["org_unit"]):
        errors["org_unit"] = str(_("An applicant is recommended by its own unit or a unit above it."))
    batch = data.get("batch")
    moved = batch is not None and (instance.pk is None or batch.pk != instance.batch_id)
    if moved and instance.pk and instance.status != Status.APPLIED:
        errors["batch"] = str(_("A selection under way stays in its batch."))
    elif moved and batch is not None and batch.status != Batch.Status.OPEN and not manages:
        errors["batch"] = str(_("This batch does not take applications now; only the program's office adds late ones."))
    applied_on = data.get("applied_on")
    if applied_on and applied_on > timezone.localdate():
        errors["applied_on"] = str(_("An application cannot be dated in the future."))
    award = data.get("award_amount", instance.award_amount)
    status = data.get("status", instance.status)
    if award != instance.award_amount and not manages:
        errors["award_amount"] = str(_("Only the office that runs the program sets the award."))
    elif manages and award is None and status in FUNDED and (instance.pk is None or instance.award_amount is not None):
        errors["award_amount"] = str(
            _("A selection that is “%(status)s” has an award: %(field)s cannot be left empty.")
            % {"status": Status(status).label, "field": Selection._meta.get_field("award_amount").verbose_name}
        )
    elif instance.pk and award is not None:
        planned = committed()
        if award < planned:
            errors["award_amount"] = str(
                _("The award cannot be less than the tranches already planned (%(total)s).") % {"total": planned}
            )
    return errors


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("move to"), choices=Status.choices)
    comment = forms.CharField(label=_("comment"), max_length=500, required=False, validators=[validate_printable_text])
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        required=False,
        help_text=_("Required when rejecting or exiting."),
        validators=[validate_printable_text],
    )
    award_amount = forms.DecimalField(
        label=_("award (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The award comes with a move into the funded stages only; a rejection leaves it as it is.
        if data.get("to") not in FUNDED:
            data["award_amount"] = None
        return data


class BulkTransitionForm(TransitionForm):
    ids = forms.TypedMultipleChoiceField(
        coerce=int, label=_("selections"), error_messages={"required": _("Tick the selections to move.")}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id the user ticked; the service decides which of them they may move.
        ids = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        valid = [i for i in ids if str(i).isdigit() and 1 <= int(i) <= MAX_ID]
        cast(forms.TypedMultipleChoiceField, self.fields["ids"]).choices = [(i, i) for i in valid]


class TrancheForm(forms.ModelForm[Tranche]):
    class Meta:
        model = Tranche
        fields = ["amount", "condition", "milestone_note", "planned_on"]
        widgets = {"planned_on": DATE}


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("paid on"), widget=DATE, validators=[validate_sensible_date])
    voucher_no = forms.CharField(label=_("voucher number"), max_length=60, validators=[validate_printable_text])
