"""Permission matrices of the assessment's registries (pages and API, tests/matrix.py).

Schemes and their indicators belong to the assessing office: ``own`` is a scheme of a town of county A, ``other``
one of county B, ``parent`` the city's; only the office's admins write them, and a county sees a scheme of
another office only once it is open and the county is assessed in it. Assessees and targets are the city
scheme's, of a town of A (``own``), of B (``other``) and of the city itself (``parent``): a county sees its own,
never another's; only the office's admins change them. Submissions, marks and events move through the workflow;
their pages show each county its own only.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from assessments import registries
from assessments.models import Event, Mark, Scheme, Submission

from ..matrix import WHICH, RegistryMatrix, Rights
from ..talents.test_permissions import ALL, UNIT_OF
from .conftest import assessee_of, indicator_of, make_scheme

OFFICE_RIGHTS = {
    "city_admin": Rights(see=ALL, edit=ALL, create=True),
    "city_viewer": Rights(see=ALL),
    "reviewer": Rights(see=ALL),
    "a_admin": Rights(see={"own"}, edit={"own"}, create=True),
    "a_editor": Rights(see={"own"}),
    "a_viewer": Rights(see={"own"}),
    "b_editor": Rights(see={"other"}),
}
ASSESSEE_RIGHTS = {
    "city_admin": Rights(see=ALL, edit=ALL),
    "city_viewer": Rights(see=ALL),
    "reviewer": Rights(see=ALL),
    "a_admin": Rights(see={"own"}),
    "a_editor": Rights(see={"own"}),
    "a_viewer": Rights(see={"own"}),
    "b_editor": Rights(see={"other"}),
}


class TestSchemeMatrix(RegistryMatrix):
    registry = registries.schemes
    api_basename = "assessmentscheme"
    changed_field = "name"
    rights = OFFICE_RIGHTS
    queries = {"list": 9, "create_page": 14, "update_page": 17, "delete_page": 48, "api_create": 6, "api_update": 8,
               "api_delete": 33}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return make_scheme(units, office=UNIT_OF[which], assessees=(), status="draft", name=f"方案{which}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"year": 2026, "name": "南湖区人才企业考核", "group": "enterprise", "org_unit": units["330402"].pk,
                "grades": "85 优秀\n0 合格", "excellent_share": "0.3"}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"year": 2026, "name": "南湖区人才企业考核", "group": "enterprise", "org_unit": "330402"}

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"year": obj.year, "name": "已修改", "group": obj.group, "org_unit": obj.org_unit_id,
                "grades": "90 优秀\n0 合格"}  # fmt: skip


class TestIndicatorMatrix(RegistryMatrix):
    registry = registries.indicators
    api_basename = "assessmentindicator"
    changed_field = "name"
    rights = OFFICE_RIGHTS
    queries = {"list": 9, "create_page": 20, "update_page": 24, "delete_page": 32, "api_create": 9, "api_update": 10,
               "api_delete": 28}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        scheme = make_scheme(units, office=UNIT_OF[which], assessees=(), status="draft", name=f"方案{which}")
        leaf = indicator_of(scheme, "1.1")
        leaf.code = f"1.1-{which}"  # the export tells the records apart by code
        leaf.save()
        return leaf

    @pytest.fixture
    def records(self, units: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
        # County A's own draft scheme, which the new indicators go into (made before any count is taken).
        self.a_scheme = make_scheme(units, office="330402", assessees=(), status="draft")
        return {which: self.make(which, units) for which in WHICH}

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"scheme": self.a_scheme.pk, "code": "2", "name": "人才落地", "max_points": "4", "order": 5,
                "rule_kind": "threshold", "metric_code": "talents.landed", "metric_params": '{"tier": ["top"]}'}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"scheme": self.a_scheme.pk, "code": "2", "name": "人才落地", "max_points": "4", "rule": {"kind": "threshold"},
                "metric": {"code": "talents.landed", "tier": ["top"]}}  # fmt: skip

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"scheme": obj.scheme_id, "code": obj.code, "name": "已修改", "parent": obj.parent_id,
                "max_points": obj.max_points, "order": obj.order, "source": "entered", "rule_kind": "proportional",
                "rule_params": '{"floor": 0.5}'}  # fmt: skip


class AssessedMatrix(RegistryMatrix):
    """Records of the city's open scheme, one assessee per record."""

    def assessee(self, which: str, units: dict[str, Any]) -> Any:
        scheme = make_scheme(units, assessees=(UNIT_OF[which],), targets={"1.1": "5"})
        return assessee_of(scheme, UNIT_OF[which])


class TestAssesseeMatrix(AssessedMatrix):
    """Assessees are made by opening a scheme and never deleted (excluded instead)."""

    registry = registries.assessees
    api_basename = "assessmentassessee"
    changed_field = "exclusion_reason"
    rights = ASSESSEE_RIGHTS
    queries = {"list": 9, "create_page": 14, "update_page": 17, "delete_page": 20, "api_create": 6, "api_update": 9,
               "api_delete": 9}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return self.assessee(which, units)

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"due_on": "2026-12-31"}

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"due_on": "2026-12-31", "excluded": "on", "exclusion_reason": "已修改"}

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"excluded": True, "exclusion_reason": "已修改"}

    def check_delete(self, user: Any, source: str, obj: Any, response: Any, expected: int, ok: int) -> None:
        # Where the user could delete, the page and the API say why not (409); nothing goes.
        super().check_delete(user, source, obj, response, 409 if expected == ok else expected, ok)


class TestTargetMatrix(AssessedMatrix):
    registry = registries.targets
    api_basename = "assessmenttarget"
    changed_field = "value"
    rights = {**ASSESSEE_RIGHTS, "city_admin": Rights(see=ALL, edit=ALL, create=True)}
    queries = {"list": 9, "create_page": 20, "update_page": 22, "delete_page": 20, "api_create": 14, "api_update": 14,
               "api_delete": 12}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return self.assessee(which, units).targets.get()

    def pair(self, units: dict[str, Any]) -> dict[str, Any]:
        scheme = make_scheme(units, assessees=("330402001",))
        return {"indicator": indicator_of(scheme, "1.1").pk, "assessee": assessee_of(scheme, "330402001").pk}

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {**self.pair(units), "value": "12"}

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"indicator": obj.indicator_id, "assessee": obj.assessee_id, "value": "99.0000"}

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"value": "99.0000"}


# --- the workflow's records: read on the pages, each county its own ------------------------------------------------
SEES = {
    "city_admin": {"own", "other"},
    "city_viewer": {"own", "other"},
    "reviewer": {"own", "other"},
    "a_admin": {"own"},
    "a_editor": {"own"},
    "a_viewer": {"own"},
    "b_editor": {"other"},
}


@pytest.fixture
def workflow(units: dict[str, Any], people: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """County A's and county B's submission (with an entry), mark and event in the city's open scheme."""
    scheme = make_scheme(units)
    made: dict[str, dict[str, Any]] = {}
    for which, code in (("own", "330402"), ("other", "330411")):
        assessee = assessee_of(scheme, code)
        submission = assessee.submission
        submission.entries.create(indicator=indicator_of(scheme, "1.1"), value=7)
        mark = Mark.objects.create(
            submission=submission, indicator=indicator_of(scheme, "1.2"), reviewer=people["reviewer"], points=2
        )
        event = Event.objects.create(
            scheme=scheme, assessee=assessee, indicator=indicator_of(scheme, "B"), level="national",
            occurred_on=datetime.date(2026, 3, 1), description=f"入选{which}",
        )  # fmt: skip
        made[which] = {"submission": submission, "mark": mark, "event": event}
    return made


@pytest.mark.parametrize("persona", list(SEES))
@pytest.mark.parametrize("kind", ["submission", "mark", "event"])
def test_a_county_sees_its_own_workflow_records_only(client, api_client, people, workflow, persona, kind) -> None:
    registry = getattr(registries, f"{kind}s")
    client.force_login(people[persona])
    api_client.force_authenticate(people[persona])
    listed = {obj.pk for obj in client.get(registry.url("list"), {"per_page": 100}).context["page"].object_list}
    answered = api_client.get(reverse(f"assessment{kind}-list")).json()["results"]
    for which, records in workflow.items():
        obj, visible = records[kind], which in SEES[persona]
        assert (obj.pk in listed) == visible == (obj.pk in {row["id"] for row in answered}), (persona, which)
        assert client.get(registry.url("detail", obj)).status_code == (200 if visible else 404)
        assert api_client.get(reverse(f"assessment{kind}-detail", args=[obj.pk])).status_code == (
            200 if visible else 404
        )
        # The pages never write them: the workflow does.
        assert client.post(registry.url("delete", obj)).status_code == (403 if visible else 404)
    assert client.get(registry.url("create")).status_code == 403
    if kind == "submission":
        entries = [e for row in answered for e in row["entries"]]
        assert len(entries) == len(SEES[persona])  # another county's entered values never show


def test_a_draft_scheme_is_its_office_s_alone(api_client, people, units) -> None:
    scheme = make_scheme(units, status="draft")
    for persona, seen in (("city_viewer", True), ("a_admin", False), ("b_editor", False)):
        api_client.force_authenticate(people[persona])
        expected = 200 if seen else 404
        assert api_client.get(reverse("assessmentscheme-detail", args=[scheme.pk])).status_code == expected
        assert api_client.get(reverse("assessmentscheme-results", args=[scheme.pk])).status_code == expected
    assert Scheme.objects.count() == 1 and Submission.objects.count() == 2
