"""The assessment results workbook (考核结果汇总表) of one final or published scheme.

It shows what the scheme's results pages show the user who runs it (``scoring.results_seen_by``): the office and
its reviewers the whole ranking and every assessee's lines; a county the whole ranking once published (before, its
own rows) and the lines of its own assessees only. The ranking's changes are against the same scheme of last year,
as on the dashboard; the events are the events list's (``Event.objects.for_user``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talentportal.jobs.reports.document import NUMBER, TEXT, Document, Section, Table
from talentportal.jobs.reports.kinds import XLSX, OutOfScope, Progress, ReportForm, ReportKind, register

from . import dashboard
from .models import Event, Scheme
from .scoring import AssesseeResult, Line, results_of, results_seen_by

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


class SchemeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """The schemes the user reads; the id of a scheme they do not read is answered as its page would be (404)."""

    def to_python(self, value: Any) -> Any:
        text = "" if value in self.empty_values else str(value).strip()
        if text and (isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > 18):
            # Only an id in ASCII digits names a scheme: not 1.5, not True, not a superscript ² (int() refuses it).
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return super().to_python(text or value)
        except ValidationError:
            if text and Scheme.objects.filter(pk=int(text)).exists():
                raise OutOfScope(text) from None
            raise


class AssessmentResultsForm(ReportForm):
    scheme = SchemeField(queryset=Scheme.objects.none(), label=gettext_lazy("assessment scheme"))

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        field: SchemeField = self.fields["scheme"]  # type: ignore[assignment]
        field.queryset = Scheme.objects.for_user(user).order_by("-year", "-id")

    def clean_scheme(self) -> Scheme:
        scheme: Scheme = self.cleaned_data["scheme"]
        if not scheme.is_frozen:
            raise ValidationError(
                _("The scheme “%(scheme)s” is not final yet: its results may still change.") % {"scheme": scheme}
            )
        return scheme


def signed(line: Line) -> Any:
    """A line's points as its result page shows them: a penalty subtracts."""
    return -line.points if line.effect == "penalty" else line.points


def ranking_table(results: list[AssesseeResult], last_year: list[AssesseeResult], whole: bool, compared: bool) -> Table:
    """The dashboard's ranking: the rank only when the whole ranking is shown, the changes when last year's
    scheme was published."""
    columns = [_("assessee"), _("total"), _("grade"), _("veto")]
    formats = [TEXT, NUMBER, TEXT, TEXT]
    if whole:
        columns, formats = [_("rank"), *columns], [NUMBER, *formats]
    if compared:
        columns += [_("rank change"), _("score change")] if whole else [_("score change")]
        formats += [NUMBER, NUMBER] if whole else [NUMBER]
    rows = []
    for row in dashboard.ranking(results, last_year):
        r = row.result
        veto = "；".join(r.veto_reasons) if r.vetoed else ""
        cells: list[Any] = [r.assessee.name, r.total, r.grade, veto]
        if whole:
            cells = [r.rank, *cells]
        if compared:
            cells += [row.rank_change, row.total_change] if whole else [row.total_change]
        rows.append(cells)
    caption = _("Ranking") if whole else _("Your results")
    return Table("ranking", caption, columns, rows, formats)


def lines_table(result: AssesseeResult) -> Table:
    rows: list[list[Any]] = [
        [f"{line.indicator} {line.name}", line.actual, line.target, signed(line), line.max_points, line.explanation]
        for line in result.lines
    ]
    total: list[Any] = [_("total"), None, None, result.total, None, ""]
    columns = [_("indicator"), _("actual"), _("target"), _("points"), _("max points"), _("explanation")]
    return Table("lines", result.assessee.name, columns, rows, [TEXT, NUMBER, NUMBER, NUMBER, NUMBER, TEXT], total)


def events_table(scheme: Scheme, user: AnyUser) -> Table:
    events = Event.objects.for_user(user).filter(scheme=scheme).select_related("assessee", "indicator")
    names = ["description", "level", "key", "occurred_on", "status", "decision_comment"]
    labels = [str(getattr(Event._meta.get_field(name), "verbose_name", name)) for name in names]
    rows: list[list[Any]] = [
        [e.assessee.name, f"{e.indicator.code} {e.indicator.name}", e.description, e.get_level_display(), e.key,
         e.occurred_on.isoformat(), e.get_status_display(), e.decision_comment]
        for e in events.order_by("assessee__order", "occurred_on", "id")
    ]  # fmt: skip
    return Table("events", _("Events"), [_("assessee"), _("indicator"), *labels], rows, [TEXT] * 8)


def build(user: AnyUser, params: dict[str, Any], progress: Progress) -> Document:
    scheme: Scheme = params["scheme"]
    progress(0, 4, _("Scoring the scheme"))
    seen = results_seen_by(scheme, user, results_of(scheme))
    last_scheme = Scheme.objects.for_user(user).last_published_before(scheme)
    last_year = results_of(last_scheme) if last_scheme else []
    own = [r for r in seen.results if r.assessee.pk in seen.visible]
    steps = len(own) + 3
    progress(1, steps, _("Ranking"))
    sections = [
        Section(
            "ranking",
            _("Ranking") if seen.whole else _("Your results"),
            text=[_("Changes against %(scheme)s.") % {"scheme": last_scheme}] if last_scheme else [],
            tables=[ranking_table(seen.results, last_year, seen.whole, last_scheme is not None)],
        )
    ]
    for i, result in enumerate(own, start=2):
        facts = [f"{_('total')}: {result.total}", f"{_('grade')}: {result.grade}"]
        if seen.whole:
            facts.insert(1, f"{_('rank')}: {result.rank}")
        if result.vetoed:
            facts.append(f"{_('vetoed')}: {'；'.join(result.veto_reasons)}")
        sections.append(
            Section(f"assessee_{result.assessee.pk}", result.assessee.name, text=facts, tables=[lines_table(result)])
        )
        progress(i, steps, result.assessee.name)
    vetoed = [r for r in seen.results if r.vetoed]
    sections.append(
        Section(
            "vetoes",
            _("Vetoes"),
            tables=[
                Table(
                    "vetoes",
                    _("Vetoes"),
                    [_("assessee"), _("grade"), _("veto")],
                    [[r.assessee.name, r.grade, "；".join(r.veto_reasons)] for r in vetoed],
                    [TEXT, TEXT, TEXT],
                )
            ],
        )
    )
    sections.append(Section("events", _("Events"), tables=[events_table(scheme, user)]))
    progress(steps, steps, _("Events"))
    return Document(
        kind="assessment_results",
        title=_("Assessment results workbook"),
        subtitle=str(scheme),
        facts=[
            (_("assessment scheme"), str(scheme)),
            (_("status"), scheme.get_status_display()),
            (_("year"), str(scheme.year)),
        ],
        sections=sections,
    )


register(
    ReportKind(
        code="assessment_results",
        title=gettext_lazy("Assessment results workbook"),
        description=gettext_lazy(
            "The ranking of a final or published assessment scheme, every assessee's lines with their explanation, "
            "the vetoes and the events, as the scheme's results pages show them to you."
        ),
        form=AssessmentResultsForm,
        build=build,
        output=XLSX,
    )
)
