"""``GET /api/v1/reports/kinds/``: the kinds a user may run, with their parameters and the values a choice takes."""

from __future__ import annotations

from assessments.models import Scheme


def test_kinds_list_their_parameters_and_a_schemes_choices_by_id(api_client, people, units) -> None:
    scheme = Scheme.objects.create(year=2025, name="县区考核", group="county", org_unit=units["330400"], status="final")
    api_client.force_authenticate(people["city_admin"])
    response = api_client.get("/api/v1/reports/kinds/")
    assert response.status_code == 200, response.content[:500]
    kinds = {k["kind"]: k for k in response.json()}
    assert {"annual", "annual_workbook", "quarterly", "assessment_results"} <= set(kinds)
    params = {p["name"]: p for p in kinds["assessment_results"]["params"]}
    assert params["scheme"]["choices"] == [scheme.pk]
    assert {p["name"] for p in kinds["quarterly"]["params"]} == {"year", "quarter", "org_unit"}
    assert all(p["label"] for k in kinds.values() for p in k["params"])
