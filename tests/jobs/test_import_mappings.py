"""The value-mapping step: values a roster writes that no column knows, grouped by the check with the closest
options; mapped once by an admin for their unit, checked again, applied to the unit's later imports (and its
subtree's), never to another county's; reviewed and deleted on a page and through the API; audited.

The pages and the API only queue the second check; the tests run it here, as the worker would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import services
from talentportal.jobs.models import Import, ValueMapping
from talentportal.orgs.models import Membership, Role, User
from talents.models import Talent

from ..conftest import PASSWORD, choose_language
from .test_imports import person, roster, run_cli

pytestmark = pytest.mark.django_db

# Spellings no column knows: a category written as its group's name, a district as its area's.
CATEGORY = "专业技术类人才"
AREA = "南湖片区"


@pytest.fixture
def b_admin(units: dict[str, Any], people: dict[str, User]) -> User:
    user = User.objects.create_user(username="b_admin", password=PASSWORD)
    Membership.objects.create(user=user, org_unit=units["330411"], role=Role.ADMIN)
    return user


def saved(unit: Any, target: str, value: str = CATEGORY) -> ValueMapping:
    """A mapping of the talent category, as an admin of ``unit`` saves it."""
    return ValueMapping.objects.create(org_unit=unit, kind="talents", column="category", value=value, target=target)


def county_roster(tmp_path: Path, name: str = "r.xlsx") -> Path:
    rows = [
        person(1, 人才类别=CATEGORY),
        person(2, 人才类别=CATEGORY),
        person(3, 人才类别=CATEGORY),
        person(4, unit=AREA),
    ]
    return roster(tmp_path / name, rows)


def map_values(client: Any, imp: Import, chosen: dict[tuple[str, str], str]) -> Any:
    data = {}
    for index, ((column, value), target) in enumerate(chosen.items()):
        data.update({f"column-{index}": column, f"value-{index}": value, f"target-{index}": target})
    return client.post(reverse("jobs:import_map", args=[imp.pk]), data)


def check_again(imp: Import) -> Import:
    """What the worker does with the queued check."""
    imp.refresh_from_db()
    assert imp.status == Import.Status.CHECKING
    with translation.override("en"):
        services.run(imp, services.CHECK)
    imp.refresh_from_db()
    return imp


def test_unknown_values_are_grouped_with_counts_and_closest_options(tmp_path, people, client) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    assert imp.counts["errors"] == 4  # the rows still fail, and are counted
    groups = {g["column"]: g for g in imp.unknown_values}
    assert groups["category"]["typed"] == CATEGORY and groups["category"]["rows"] == 3
    assert groups["category"]["suggestions"][0] == "professional" and len(groups["category"]["suggestions"]) <= 3
    assert groups["org_unit"]["rows"] == 1 and groups["org_unit"]["suggestions"][0] == "330402"
    client.force_login(people["a_admin"])
    page = client.get(imp.get_absolute_url()).content.decode()
    # The grouped values come first, with the mapping form; the row errors below them.
    assert page.index('id="unknown-values"') < page.index('id="import-errors"')
    assert CATEGORY in page and 'name="target-0"' in page and 'id="map-button"' in page


def test_mapping_saved_then_checked_again_passes_and_is_audited(tmp_path, people, client) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    client.force_login(people["a_admin"])
    answer = map_values(client, imp, {("category", CATEGORY): "professional", ("org_unit", AREA): "330402"})
    assert answer.status_code == 302
    saved = ValueMapping.objects.get(column="category")
    assert (saved.org_unit.code, saved.kind, saved.value, saved.target) == (
        "330402",
        "talents",
        CATEGORY,
        "professional",
    )
    assert saved.created_by == people["a_admin"]
    imp = check_again(imp)
    assert imp.counts["errors"] == 0 and imp.unknown_values == []
    assert {(m["column"], m["value"], m["target"]) for m in imp.applied_mappings} == {
        ("category", CATEGORY, "professional"),
        ("org_unit", AREA, "330402"),
    }
    created = AuditEntry.objects.filter(action="create", object_repr=f"{CATEGORY} → professional").get()
    assert created.changes["target"] == [None, "professional"] and created.org_unit.code == "330402"
    on_import = AuditEntry.objects.for_object(imp).get(action="update")
    assert len(on_import.changes["value_mappings"][1]) == 2
    page = client.get(imp.get_absolute_url()).content.decode()
    assert 'id="applied-mappings"' in page and 'id="unknown-values"' not in page


def test_a_later_import_applies_the_mapping_and_stores_the_canonical_code(tmp_path, people, client) -> None:
    first = run_cli(county_roster(tmp_path), "a_admin")
    client.force_login(people["a_admin"])
    map_values(client, first, {("category", CATEGORY): "professional", ("org_unit", AREA): "330402"})
    later = run_cli(county_roster(tmp_path, "later.xlsx"), "a_admin", "--apply")
    assert later.status == Import.Status.APPLIED and later.counts["created"] == 4
    assert set(Talent.objects.values_list("category", flat=True)) == {"professional"}
    assert set(Talent.objects.values_list("org_unit__code", flat=True)) == {"330402"}


def test_another_countys_mapping_never_applies(tmp_path, people, b_admin, units) -> None:
    saved(units["330411"], "skilled")
    imp = run_cli(county_roster(tmp_path), "a_admin")
    assert imp.counts["errors"] == 4 and imp.applied_mappings == []
    # Nor does county A's apply to the city's own imports: a mapping goes down the tree, never up or sideways.
    saved(units["330402"], "rural")
    assert run_cli(county_roster(tmp_path, "city.xlsx"), "city_admin").applied_mappings == []
    # Of another kind, the same column's mapping does not apply either.
    ValueMapping.objects.filter(org_unit=units["330402"]).update(kind="enterprises")
    assert run_cli(county_roster(tmp_path, "kind.xlsx"), "a_admin").applied_mappings == []


def test_the_citys_mapping_applies_below_it_and_the_countys_own_wins(tmp_path, people, units) -> None:
    saved(units["330400"], "skilled")
    imp = run_cli(county_roster(tmp_path), "a_admin")
    assert [m["target"] for m in imp.applied_mappings] == ["skilled"] and imp.counts["errors"] == 1
    saved(units["330402"], "professional")
    imp = run_cli(county_roster(tmp_path, "again.xlsx"), "a_admin")
    assert [m["target"] for m in imp.applied_mappings] == ["professional"]


def test_a_deleted_mapping_no_longer_applies(tmp_path, people, client, units) -> None:
    mapping = saved(units["330402"], "professional")
    assert run_cli(county_roster(tmp_path), "a_admin").counts["errors"] == 1
    client.force_login(people["a_admin"])
    assert client.post(reverse("jobs:mapping_delete", args=[mapping.pk])).status_code == 302
    assert not ValueMapping.objects.exists()
    deleted = AuditEntry.objects.get(action="delete", object_id=str(mapping.pk))
    assert deleted.changes["value"] == [CATEGORY, None]
    assert run_cli(county_roster(tmp_path, "again.xlsx"), "a_admin").counts["errors"] == 4


@pytest.mark.parametrize(
    "chosen",
    [
        {("category", "外星人才"): "professional"},  # not a value the check left unknown
        {("category", CATEGORY): "martian"},  # not an option
        {("org_unit", AREA): "330411"},  # a unit outside the admin's scope
        {("name", CATEGORY): "professional"},  # not a column whose values map
        {},  # nothing chosen
    ],
)
def test_hostile_mappings_are_refused_and_change_nothing(chosen, tmp_path, people, client) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    client.force_login(people["a_admin"])
    answer = map_values(client, imp, chosen)
    assert answer.status_code == 302
    imp.refresh_from_db()
    assert imp.status == Import.Status.CHECKED and not ValueMapping.objects.exists()


def test_only_a_checked_import_is_mapped(tmp_path, people, client) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.APPLIED)
    client.force_login(people["a_admin"])
    map_values(client, imp, {("category", CATEGORY): "professional"})
    assert not ValueMapping.objects.exists()


@pytest.mark.parametrize(
    ("persona", "listed", "deletes", "maps"),
    [
        ("a_admin", {"330402"}, 302, 302),
        ("city_admin", {"330400", "330402", "330411"}, 302, 302),
        ("b_admin", {"330411"}, 404, 404),  # another county: its own only; A's mapping and import are not found
        ("a_editor", None, 403, 403),
        ("a_viewer", None, 403, 403),
        ("reviewer", None, 403, 403),
        ("city_viewer", None, 403, 403),
    ],
)
def test_who_may_see_delete_and_map(persona, listed, deletes, maps, tmp_path, people, b_admin, units, client) -> None:
    mappings = {code: saved(units[code], "rural", value=code) for code in ("330400", "330402", "330411")}
    imp = run_cli(county_roster(tmp_path), "a_admin")
    client.force_login(User.objects.get(username=persona))
    page = client.get(reverse("jobs:mapping_list"))
    if listed is None:
        assert page.status_code == 403
    else:
        shown = {m.org_unit.code for m in page.context["page"].object_list}
        assert page.status_code == 200 and shown == listed
    assert client.post(reverse("jobs:mapping_delete", args=[mappings["330402"].pk])).status_code == deletes
    assert ValueMapping.objects.filter(pk=mappings["330402"].pk).exists() == (deletes != 302)
    assert map_values(client, imp, {("category", CATEGORY): "professional"}).status_code == maps
    assert ValueMapping.objects.filter(value=CATEGORY).exists() == (maps == 302)


def test_anonymous_is_sent_to_sign_in(client) -> None:
    answer = client.get(reverse("jobs:mapping_list"))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_api_maps_lists_and_deletes(tmp_path, people, b_admin, api_client) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    url = f"/api/v1/imports/{imp.pk}/mappings/"
    api_client.force_authenticate(people["a_admin"])
    answer = api_client.get(f"/api/v1/imports/{imp.pk}/")
    assert {g["column"] for g in answer.json()["unknown_values"]} == {"category", "org_unit"}
    hostile = [
        {"mappings": [{"column": "category", "value": CATEGORY, "target": "martian"}]},
        {"mappings": [{"column": "nope", "value": CATEGORY, "target": "professional"}]},
        {"mappings": [{"column": "category", "value": "x" * 201, "target": "professional"}]},
        {"mappings": []},
        {"mappings": "category"},
        {},
    ]
    for body in hostile:
        assert api_client.post(url, body, format="json").status_code == 400, body
    assert not ValueMapping.objects.exists()
    body = {"mappings": [{"column": "category", "value": CATEGORY, "target": "professional"}]}
    assert api_client.post(url, body, format="json").status_code == 202
    assert api_client.post(url, body, format="json").status_code == 409  # checking again already
    check_again(imp)
    listed = api_client.get("/api/v1/value-mappings/").json()
    assert [(m["value"], m["target"], m["org_unit"], m["created_by"]) for m in listed["results"]] == [
        (CATEGORY, "professional", "330402", "a_admin")
    ]
    mapping_url = f"/api/v1/value-mappings/{listed['results'][0]['id']}/"
    for other in (b_admin, people["a_editor"]):
        api_client.force_authenticate(other)
        assert api_client.get("/api/v1/value-mappings/").json()["count"] == 0
        assert api_client.delete(mapping_url).status_code == 404
        assert api_client.post(url, body, format="json").status_code == 404
    api_client.force_authenticate(people["a_admin"])
    assert api_client.delete(mapping_url).status_code == 204
    assert AuditEntry.objects.filter(action="delete", source="api").count() == 1


def test_the_pages_speak_chinese(tmp_path, people, client, units) -> None:
    imp = run_cli(county_roster(tmp_path), "a_admin")
    saved(units["330402"], "professional", value="专技")
    client.force_login(people["a_admin"])
    choose_language(client, "zh-hans")
    page = client.get(imp.get_absolute_url()).content.decode()
    assert "系统未识别的值" in page and "保存值对照并重新检查" in page and "最接近：" in page
    listed = client.get(reverse("jobs:mapping_list")).content.decode()
    assert "值对照" in listed and "专业技术人才" in listed and "删除“专技”的值对照？" in listed


def test_the_mapping_list_makes_a_fixed_number_of_queries(people, client, units) -> None:
    client.force_login(people["city_admin"])

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("jobs:mapping_list")).status_code == 200
        return len(captured)

    saved(units["330402"], "professional", value="a")
    ValueMapping.objects.create(org_unit=units["330402"], kind="talents", column="org_unit", value="x", target="330402")
    few = queries()
    for index in range(10):
        saved(units["330411"], "skilled", value=f"b{index}")
        ValueMapping.objects.create(
            org_unit=units["330411"], kind="talents", column="org_unit", value=f"y{index}", target="330411"
        )
    assert queries() == few
