"""What the assessment's API refuses, and that a refusal writes nothing: marks outside [0, M], bad targets,
entries after the deadline, edits of a final scheme, one county writing for another, a reviewer marking their
own unit, events without the evidence their indicator requires, and hostile input (400, never 500). Out of
scope answers 404; seen but not allowed 403."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessee, Entry, Event, Evidence, Indicator, Mark, ReviewerAssignment, Scheme, Target
from talentportal.audit.models import AuditEntry
from talentportal.orgs.models import Role

from ..factories import persona
from .conftest import assessee_of, indicator_of, make_scheme

pytestmark = pytest.mark.django_db

A, B = "330402", "330411"
MODELS = (Scheme, Indicator, Target, Entry, Mark, Event, Evidence, AuditEntry)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def url(basename: str, pk: Any = None, action: str = "detail") -> str:
    return reverse(f"assessment{basename}-list") if pk is None else reverse(f"assessment{basename}-{action}", args=[pk])


@pytest.fixture
def scheme(units: dict[str, Any]) -> Scheme:
    return make_scheme(units, targets={"1.1": "10"})


def refused(
    api: Any, user: Any, method: str, path: str, data: Any, status: int, field: str | None = None, **kw: Any
) -> Any:
    """The request is refused with ``status`` (and a message under ``field``), and nothing was written."""
    before = counts()
    api.force_authenticate(user)
    response = getattr(api, method)(path, data, **({"format": "json"} | kw))
    assert response.status_code == status, response.content.decode()
    if field is not None:
        assert response.json()[field] and all(isinstance(m, str) and m for m in response.json()[field])
    assert counts() == before
    return response


@pytest.mark.parametrize("points", ["4.01", "-1", "abc", "NaN", "Infinity", "1e20", None])
def test_marks_outside_zero_to_max_are_refused(api_client, people, scheme, points) -> None:
    sub = assessee_of(scheme, A).submission
    data = {"submission": sub.pk, "indicator": indicator_of(scheme, "1.2").pk, "points": points}
    refused(api_client, people["reviewer"], "post", url("mark"), data, 400, "points")


@pytest.mark.parametrize("value", ["-1", "abc", "NaN", "-Infinity", "1e30", "", None, [1]])
def test_targets_that_are_negative_or_not_numbers_are_refused(api_client, people, scheme, value) -> None:
    data = {"indicator": indicator_of(scheme, "1.1").pk, "assessee": assessee_of(scheme, A).pk, "value": value}
    refused(api_client, people["city_admin"], "post", url("target"), data, 400, "value")


def test_entries_after_the_deadline_unless_extended(api_client, people, scheme) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(due_on=datetime.date.today() - datetime.timedelta(days=1))
    assessee = assessee_of(scheme, A)
    data = {"entries": [{"indicator": indicator_of(scheme, "1.1").pk, "value": "7"}]}
    response = refused(api_client, people["a_editor"], "patch", url("submission", assessee.submission.pk), data, 400)
    assert "截止" in response.content.decode() or "deadline" in response.content.decode()
    api_client.force_authenticate(people["city_admin"])
    later = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    assert api_client.patch(url("assessee", assessee.pk), {"due_on": later}, format="json").status_code == 200
    api_client.force_authenticate(people["a_editor"])
    assert api_client.patch(url("submission", assessee.submission.pk), data, format="json").status_code == 200
    assert Entry.objects.get(submission=assessee.submission).value == 7


def test_a_final_scheme_refuses_edits(api_client, people, scheme) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(status=Scheme.Status.FINAL)
    office = people["city_admin"]
    leaf = indicator_of(scheme, "1.1")
    refused(api_client, office, "patch", url("indicator", leaf.pk), {"name": "改名"}, 400, "scheme")
    refused(api_client, office, "patch", url("scheme", scheme.pk), {"name": "改名"}, 400, "non_field_errors")
    data = {"indicator": leaf.pk, "assessee": assessee_of(scheme, A).pk, "value": "3"}
    refused(api_client, office, "post", url("target"), data, 400, "non_field_errors")
    refused(
        api_client,
        office,
        "post",
        url("indicator"),
        {"scheme": scheme.pk, "code": "9", "name": "新", "max_points": "1"},
        400,
    )
    refused(api_client, office, "delete", url("indicator", leaf.pk), None, 409)
    assessee = assessee_of(scheme, A)
    refused(api_client, office, "patch", url("assessee", assessee.pk), {"excluded": True, "exclusion_reason": "x"}, 400)


def test_a_county_never_writes_for_another(api_client, people, scheme) -> None:
    sub_a = assessee_of(scheme, A).submission
    data = {"entries": [{"indicator": indicator_of(scheme, "1.1").pk, "value": "7"}]}
    refused(api_client, people["b_editor"], "patch", url("submission", sub_a.pk), data, 404)
    refused(api_client, people["b_editor"], "post", url("submission", sub_a.pk, "submit"), {}, 404)
    refused(api_client, people["a_viewer"], "patch", url("submission", sub_a.pk), data, 403)
    event = {"assessee": assessee_of(scheme, A).pk, "indicator": indicator_of(scheme, "B").pk, "level": "national",
             "occurred_on": "2026-03-01", "description": "入选"}  # fmt: skip
    refused(api_client, people["b_editor"], "post", url("event"), event, 400, "assessee")  # A is not B's to name
    other = make_scheme({}, office="330400", assessees=(A,), name="另一方案")
    foreign = {"entries": [{"indicator": indicator_of(other, "1.1").pk, "value": "7"}]}
    refused(api_client, people["a_editor"], "patch", url("submission", sub_a.pk), foreign, 400, "entries")


def test_a_reviewer_never_reviews_their_own_unit(api_client, people, units, scheme) -> None:
    own = persona("a_reviewer", units[A], Role.REVIEWER)
    ReviewerAssignment.objects.create(scheme=scheme, user=own)
    a, b = assessee_of(scheme, A), assessee_of(scheme, B)
    manual = indicator_of(scheme, "1.2").pk
    response = refused(
        api_client, own, "post", url("mark"), {"submission": a.submission.pk, "indicator": manual, "points": "2"}, 403
    )
    assert a.name in response.json()["detail"]
    event = Event.objects.create(scheme=scheme, assessee=a, indicator=indicator_of(scheme, "B"), level="national",
                                 occurred_on=datetime.date(2026, 3, 1), description="入选")  # fmt: skip
    refused(api_client, own, "post", url("event", event.pk, "verify"), {}, 403)
    refused(api_client, people["a_editor"], "post", url("event", event.pk, "verify"), {}, 403)
    # The same reviewer marks another county.
    api_client.force_authenticate(own)
    assert (
        api_client.post(url("mark"), {"submission": b.submission.pk, "indicator": manual, "points": "2"}).status_code
        == 201
    )


def test_events_without_the_evidence_their_indicator_requires(api_client, people, scheme) -> None:
    data = {"assessee": assessee_of(scheme, A).pk, "indicator": indicator_of(scheme, "P").pk,
            "occurred_on": "2026-03-01", "description": "违规"}  # fmt: skip
    refused(api_client, people["a_editor"], "post", url("event"), data, 400, "evidence")
    bonus = {**data, "indicator": indicator_of(scheme, "B").pk}
    refused(api_client, people["a_editor"], "post", url("event"), bonus, 400, "level")  # a bonus names its level


HOSTILE_SCHEMES = [
    ("name", "方案\x00"),
    ("year", 99999),
    ("year", "二〇二六"),
    ("excellent_share", "NaN"),
    ("excellent_share", "2"),
    ("due_on", "9999-12-31"),
    ("grades", [{"min": 60, "label": "合格"}, {"min": 90, "label": "优秀"}]),
    ("grades", "90 优秀"),
    ("org_unit", "999999"),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_SCHEMES)
def test_hostile_schemes(api_client, people, field, value) -> None:
    data = {"year": 2026, "name": "方案", "group": "county", "org_unit": "330400", field: value}
    refused(api_client, people["city_admin"], "post", url("scheme"), data, 400, field)


HOSTILE_INDICATORS = [
    ("rule", {"kind": "magic"}),
    ("rule", {"kind": "bands", "points": [[10, 2], [5, 1]]}),
    ("rule", {"kind": "step", "base": 1}),
    ("rule", {"kind": "rank", "points": list(range(1000))}),
    ("rule", "proportional"),
    ("metric", {"code": "talents.nothing"}),
    ("metric", {"code": "talents.landed", "tier": "galactic"}),
    ("max_points", "1e12"),
    ("max_points", "NaN"),
    ("parent", "no-such-code"),
    ("code", "1.1"),
    ("name", "\x1b[31m"),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_INDICATORS)
def test_hostile_indicators(api_client, people, scheme, field, value) -> None:
    data = {"scheme": scheme.pk, "code": "9.1", "name": "新指标", "max_points": "5", "rule": {"kind": "proportional"},
            "metric": {"code": "talents.landed"}, field: value}  # fmt: skip
    refused(api_client, people["city_admin"], "post", url("indicator"), data, 400)


@pytest.mark.parametrize(
    ("field", "value"), [("occurred_on", "9999-01-01"), ("occurred_on", "明天"), ("description", "x\x07")]
)
def test_hostile_events(api_client, people, scheme, field, value) -> None:
    data = {"assessee": assessee_of(scheme, A).pk, "indicator": indicator_of(scheme, "B").pk, "level": "national",
            "occurred_on": "2026-03-01", "description": "入选", field: value}  # fmt: skip
    refused(api_client, people["a_editor"], "post", url("event"), data, 400, field)


def test_scheme_moves_the_workflow_refuses(api_client, people, scheme) -> None:
    refused(
        api_client, people["city_admin"], "post", url("scheme", scheme.pk, "transition"), {"to": "final"}, 400, "to"
    )
    refused(
        api_client, people["city_admin"], "post", url("scheme", scheme.pk, "transition"), {"to": "closed"}, 400, "to"
    )
    # County A sees the open scheme it is assessed in, but does not run it.
    refused(api_client, people["a_admin"], "post", url("scheme", scheme.pk, "transition"), {"to": "review"}, 403)
    refused(api_client, people["a_admin"], "post", url("scheme", scheme.pk, "copy"), {"year": 2027, "name": "x"}, 403)
    refused(
        api_client,
        people["city_admin"],
        "post",
        url("scheme", scheme.pk, "copy"),
        {"year": 3000, "name": "x"},
        400,
        "year",
    )


def test_results_show_a_county_its_own_row_only_before_publication(api_client, people, scheme) -> None:
    for persona_name, keys, ranked in (("a_viewer", {A}, False), ("b_editor", {B}, False),
                                       ("reviewer", {A, B}, True), ("city_viewer", {A, B}, True)):  # fmt: skip
        api_client.force_authenticate(people[persona_name])
        rows = api_client.get(url("scheme", scheme.pk, "results")).json()
        assert {row["assessee"]["key"] for row in rows} == keys, persona_name
        assert all(row["provisional"] for row in rows)
        assert all((row["rank"] is not None) == ranked for row in rows), persona_name


def test_a_county_reviewer_sees_the_results_its_scope_shows_on_the_pages(api_client, client, people, units, scheme):
    """A reviewer of 南湖区 sees 南湖区's row only before publication, through the API as on the dashboard."""
    county_reviewer = persona("a_reviewer", units[A], Role.REVIEWER)
    api_client.force_authenticate(county_reviewer)
    rows = api_client.get(url("scheme", scheme.pk, "results")).json()
    assert [(row["assessee"]["key"], row["rank"]) for row in rows] == [(A, None)]
    client.force_login(county_reviewer)
    page = client.get(reverse("assessments:dashboard"), {"scheme": scheme.pk})
    assert not page.context["whole"]
    assert [row.result.assessee.key for row, _link in page.context["rows"]] == [A]


def test_results_take_as_many_queries_for_seven_assessees_as_for_three(api_client, people, units) -> None:
    counties = sorted(code for code, unit in units.items() if unit.kind == "county")
    assert len(counties) >= 7
    api_client.force_authenticate(people["city_admin"])
    measured = []
    for size in (3, 7):
        scheme = make_scheme(units, assessees=counties[:size], targets={"1.1": "10"}, name=f"方案{size}")
        api_client.get(url("scheme", scheme.pk, "results"))  # caches (content types, the user's unit) warm up
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(url("scheme", scheme.pk, "results"))
        assert response.status_code == 200 and len(response.json()) == size
        measured.append(len(queries.captured_queries))
    assert measured[0] == measured[1], measured
    assert Assessee.objects.count() == 10


def test_renaming_an_indicator_to_a_code_its_scheme_has_is_refused(api_client, people, scheme) -> None:
    """Creating one is refused by the unique pair; renaming one (its scheme fixed) by the same check."""
    indicator = indicator_of(scheme, "1.2")
    refused(api_client, people["city_admin"], "patch", url("indicator", indicator.pk), {"code": "1.1"}, 400)
    indicator.refresh_from_db()
    assert indicator.code == "1.2"
