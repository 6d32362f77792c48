"""The assessment results workbook: its ranking and each assessee's lines are the ones the scheme's dashboard and
result pages show the same user, the vetoes and events are the scheme's, each role reads what its pages show it,
a scheme out of scope is not found, one not final is refused, and the queries do not grow with the data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.models import Assessee, Event, Scheme, Submission
from assessments.reports import AssessmentResultsForm, build
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.jobs.reports.document import Document
from talentportal.jobs.reports.kinds import REPORTS, OutOfScope
from talentportal.orgs.models import OrgUnit

from ..assessments.test_pages import YEAR, county_scheme, landed, open_scheme, publish
from ..conftest import choose_language

CITY, NANHU, XIUZHOU, JIASHAN = "330400", "330402", "330411", "330421"


def finalise(scheme: Scheme, admin: Any) -> Scheme:
    actor = Actor(user=admin, source=Source.FORM)
    scheme = services.transition(scheme, Scheme.Status.REVIEW, actor)
    Submission.objects.filter(assessee__scheme=scheme).update(status=Submission.Status.ACCEPTED)
    return services.transition(scheme, Scheme.Status.FINAL, actor)


def event(scheme: Scheme, unit: str, code: str, n: int, **fields: Any) -> Event:
    return Event.objects.create(
        scheme=scheme, assessee=scheme.assessees.get(key=unit), indicator=scheme.indicators.get(code=code),
        occurred_on=datetime.date(YEAR, 5, 1 + n), description=f"事件{code}-{unit}-{n}", **fields,
    )  # fmt: skip


def scored(units: dict[str, OrgUnit], admin: Any, scale: int = 1) -> Scheme:
    """An open county scheme with talents landed, bonus events, a veto and an unverified claim (``scale`` times
    as many records, the same assessees)."""
    for n, code in enumerate([NANHU, XIUZHOU, JIASHAN]):
        landed(units[code], (3 + 2 * n) * scale)
    scheme = open_scheme(county_scheme(units[CITY]), admin)
    for n in range(scale):
        event(scheme, NANHU, "3.1", n, level="national", key=f"荣誉{n}", status="verified")
        event(scheme, JIASHAN, "3.1", n, level="municipal", status="verified")
        event(scheme, XIUZHOU, "3.1", n, level="provincial", status="claimed")
    event(scheme, XIUZHOU, "4.1", 9, status="verified")  # 秀洲区 is vetoed
    return scheme


def form_of(user: Any, scheme: Any) -> AssessmentResultsForm:
    return AssessmentResultsForm({"scheme": scheme}, user=user)


def run(user: Any, scheme: Scheme) -> Document:
    form = form_of(user, scheme.pk)
    assert form.is_valid(), form.errors
    steps: list[tuple[int, int, str]] = []
    with translation.override("en"):
        document = build(user, form.cleaned_data, lambda *step: steps.append(step))
    assert len(steps) >= len(document.sections) - 1 and steps[-1][0] == steps[-1][1]
    return document


def page_ranking(client: Any, user: Any, scheme: Scheme) -> tuple[bool, list[list[Any]]]:
    """The dashboard's ranking rows as this user sees them: rank (when whole), name, total, grade, vetoed."""
    client.force_login(user)
    choose_language(client, "en")
    context = client.get(reverse("assessments:dashboard"), {"scheme": scheme.pk}).context
    whole = context["whole"]
    rows = [[*([row.result.rank] if whole else []), row.result.assessee.name, float(row.result.total), row.result.grade,
             row.result.vetoed] for row, _link in context["rows"]]  # fmt: skip
    return whole, rows


def report_ranking(document: Document, whole: bool) -> list[list[Any]]:
    table = document.section("ranking").table("ranking")
    assert table.columns == (["rank", "assessee", "total", "grade", "veto"] if whole else
                             ["assessee", "total", "grade", "veto"])  # fmt: skip
    first = 1 if whole else 0
    return [
        [*row[:first], row[first], float(row[first + 1]), row[first + 2], bool(row[first + 3])] for row in table.rows
    ]


def page_lines(client: Any, scheme: Scheme, assessee: Assessee) -> list[list[Any]]:
    result = client.get(reverse("assessments:result_detail", args=[scheme.pk, assessee.pk])).context["result"]
    return [[f"{line.indicator} {line.name}", None if line.actual is None else float(line.actual),
             None if line.target is None else float(line.target),
             float(-line.points if line.effect == "penalty" else line.points), float(line.max_points), line.explanation]
            for line in result.lines]  # fmt: skip


def assessee_sections(document: Document) -> list[str]:
    return [s.key for s in document.sections if s.key.startswith("assessee_")]


def test_the_kind_is_declared():
    kind = REPORTS["assessment_results"]
    assert kind.output == "xlsx" and kind.form is AssessmentResultsForm
    for language, title in [("en", "Assessment results workbook"), ("zh-hans", "考核结果汇总表")]:
        with translation.override(language):
            assert str(kind.title) == title


@pytest.mark.parametrize("published", [False, True])
def test_the_office_gets_the_whole_ranking_and_every_assessees_lines_as_its_pages_show_them(
    client, units, people, published
):
    admin = people["city_admin"]
    scheme = scored(units, admin)
    scheme = publish(scheme, admin) if published else finalise(scheme, admin)
    document = run(admin, scheme)
    whole, rows = page_ranking(client, admin, scheme)
    assert whole and len(rows) == OrgUnit.objects.filter(kind="county").count()
    assert report_ranking(document, whole) == rows
    assessees = list(scheme.assessees.order_by("order", "id"))
    assert set(assessee_sections(document)) == {f"assessee_{a.pk}" for a in assessees}
    keys = [s.key for s in document.sections]
    assert keys[0] == "ranking" and keys[-2:] == ["vetoes", "events"]
    for assessee in assessees:
        section = document.section(f"assessee_{assessee.pk}")
        assert section.heading == assessee.name
        table = section.table("lines")
        assert table.columns == ["indicator", "actual", "target", "points", "max points", "explanation"]
        assert [[*row[:1], *(None if v is None else float(v) for v in row[1:5]), row[5]] for row in table.rows] == (
            page_lines(client, scheme, assessee)
        )
    nanhu = document.section(f"assessee_{scheme.assessees.get(key=NANHU).pk}").table("lines")
    assert nanhu.rows[0][1] == 3  # 新引进人才: the talents landed in 南湖区
    assert nanhu.rows[3][3] == 3  # the national honour's bonus
    vetoes = document.section("vetoes").table("vetoes")
    assert [row[0] for row in vetoes.rows] == ["秀洲区"] and "事件4.1-330411-9" in vetoes.rows[0][2]
    events = document.section("events").table("events")
    assert len(events.rows) == Event.objects.filter(scheme=scheme).count() == 4
    assert {row[2] for row in events.rows} == set(
        Event.objects.filter(scheme=scheme).values_list("description", flat=True)
    )


def test_a_county_reads_the_ranking_its_dashboard_shows_and_its_own_lines_only(client, units, people):
    admin = people["city_admin"]
    scheme = finalise(scored(units, admin), admin)
    nanhu = scheme.assessees.get(key=NANHU)
    for persona in ("a_admin", "a_viewer"):
        user = people[persona]
        document = run(user, scheme)  # final, not yet published: the county's own row, without a rank
        whole, rows = page_ranking(client, user, scheme)
        assert not whole and report_ranking(document, whole) == rows == [["南湖区", 4.8, rows[0][2], False]]
        assert assessee_sections(document) == [f"assessee_{nanhu.pk}"]
        lines = document.section(f"assessee_{nanhu.pk}").table("lines").rows
        assert [row[0] for row in lines] == [row[0] for row in page_lines(client, scheme, nanhu)]
        assert document.section("vetoes").table("vetoes").rows == []
        assert {row[0] for row in document.section("events").table("events").rows} == {"南湖区"}
    scheme = publish_final(scheme, admin)
    document = run(people["a_viewer"], scheme)  # published: the whole ranking, still its own lines only
    whole, rows = page_ranking(client, people["a_viewer"], scheme)
    assert whole and report_ranking(document, whole) == rows and len(rows) > 1
    assert assessee_sections(document) == [f"assessee_{nanhu.pk}"]
    assert [row[0] for row in document.section("vetoes").table("vetoes").rows] == ["秀洲区"]


def publish_final(scheme: Scheme, admin: Any) -> Scheme:
    return services.transition(scheme, Scheme.Status.PUBLISHED, Actor(user=admin, source=Source.FORM))


def test_a_scheme_out_of_scope_is_not_found_and_one_not_final_is_refused(units, people):
    admin = people["city_admin"]
    scheme = scored(units, admin)
    form = form_of(admin, scheme.pk)  # open: its results may still change
    assert not form.is_valid() and "not final yet" in str(form.errors["scheme"])
    draft = county_scheme(units[CITY], name="草稿方案")
    assert not form_of(admin, draft.pk).is_valid()
    with pytest.raises(OutOfScope):  # a draft is the office's own: a county does not see it
        form_of(people["a_viewer"], draft.pk).is_valid()
    # 秀洲区's own scheme of its towns: 南湖区 neither runs it nor learns that it exists.
    towns = Scheme.objects.create(year=YEAR, name="镇街考核", group="county", org_unit=units[XIUZHOU], status="final")
    for persona in ("a_admin", "a_viewer"):
        with pytest.raises(OutOfScope):
            form_of(people[persona], towns.pk).is_valid()
    assert form_of(admin, towns.pk).is_valid()
    for wrong in ("999999", "abc", ""):
        form = form_of(admin, wrong)
        assert not form.is_valid() and "scheme" in form.errors


def build_queries(user: Any, scheme: Scheme) -> int:
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        build(user, {"scheme": Scheme.objects.get(pk=scheme.pk)}, lambda *step: None)
    return len(captured)


@pytest.mark.parametrize("published", [False, True])
def test_the_build_makes_a_fixed_number_of_queries_whatever_the_data(units, people, published):
    admin = people["city_admin"]
    counts = []
    for scale in (1, 3):
        scheme = scored(units, admin, scale)
        scheme = publish(scheme, admin) if published else finalise(scheme, admin)
        counts.append(build_queries(admin, scheme))
        Scheme.objects.filter(pk=scheme.pk).delete()
    assert counts[0] == counts[1]


def test_the_api_runs_the_workbook_and_answers_an_unseen_scheme_as_not_found(api_client, units, people):
    from openpyxl import load_workbook

    from talentportal.jobs.models import Job
    from talentportal.jobs.reports import services

    admin = people["city_admin"]
    scheme = scored(units, admin)
    towns = Scheme.objects.create(year=YEAR, name="镇街考核", group="county", org_unit=units[XIUZHOU], status="final")
    url = "/api/v1/reports/"
    api_client.force_authenticate(people["a_viewer"])
    unseen = api_client.post(url, {"kind": "assessment_results", "params": {"scheme": towns.pk}}, format="json")
    assert unseen.status_code == 404
    not_final = api_client.post(url, {"kind": "assessment_results", "params": {"scheme": scheme.pk}}, format="json")
    assert not_final.status_code == 400 and "scheme" in not_final.json()["params"]
    assert not Job.objects.exists()
    scheme = finalise(scheme, admin)
    started = api_client.post(url, {"kind": "assessment_results", "params": {"scheme": scheme.pk}}, format="json")
    assert started.status_code == 202, started.content
    job = Job.objects.get(pk=started.json()["id"])
    services.run(job)
    job.refresh_from_db()
    document = services.document_of(job)
    assert document is not None
    nanhu = scheme.assessees.get(key=NANHU)
    assert [s.key for s in document.sections] == ["ranking", f"assessee_{nanhu.pk}", "vetoes", "events"]
    workbook = load_workbook(job.result_file.open("rb"))
    assert len(workbook.sheetnames) == 4
    assert any("南湖区" in str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row)
    assert not any(
        "秀洲区" in str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
