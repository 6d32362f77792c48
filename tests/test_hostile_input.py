"""Hostile input through every door: no 500, a clear answer, nothing written.

Far dates (0001-01-01, 9999-12-31), control characters XML cannot carry, huge and negative numbers, values of
the wrong type and very long strings, sent to every registry's create and update form and API endpoint, every
import kind's date and text columns, page and id parameters, list filters and the audit log's filters. Rows
stored before the bounds existed (written with ``.update()``) still list, show and export.
"""

from __future__ import annotations

import csv
import datetime
from io import BytesIO
from typing import Any

import pytest
from django.db import models
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from programs.models import Selection
from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import cells
from talentportal.jobs.importing.spec import Ref, load_specs
from talentportal.jobs.models import Import
from talentportal.validators import printable, validate_printable_text, validate_sensible_date
from talents.models import ServiceRequest, Talent

from .jobs.test_imports import HEADER, person, run_cli
from .matrix import RegistryMatrix, version_of
from .orgs import test_permissions as org_matrices
from .plans import test_matrix as plan_matrices
from .platforms import test_permissions as platform_matrices
from .programs import factories as program_factories
from .programs import test_permissions as program_matrices
from .talents import factories
from .talents import test_permissions as talent_matrices

pytestmark = pytest.mark.django_db

# Each registry's permission matrix declares valid payloads; imported as modules so that pytest does not run
# the matrices again here.
MATRICES: list[type[RegistryMatrix]] = [
    talent_matrices.TestTalentMatrix,
    talent_matrices.TestEnterpriseMatrix,
    talent_matrices.TestEnterpriseYearMatrix,
    talent_matrices.TestTeamMatrix,
    talent_matrices.TestServiceRequestMatrix,
    platform_matrices.TestPlatformMatrix,
    platform_matrices.TestPlatformYearMatrix,
    program_matrices.TestProgramMatrix,
    program_matrices.TestBatchMatrix,
    program_matrices.TestSelectionMatrix,
    org_matrices.TestOrgUnitMatrix,
    org_matrices.TestUserMatrix,
    plan_matrices.TestPlanMatrix,
    plan_matrices.TestPlanIndicatorMatrix,
    plan_matrices.TestPlanTargetMatrix,
    plan_matrices.TestPlanActualMatrix,
]
FAR_DATES = ["0001-01-01", "9999-12-31"]
CONTROL = ["u\u001bESC", "\uffff"]
WRONG = [1e30, -1, "abc", ["a", "b"], {"a": 1}, "x" * 5000]
HUGE = "99999999999999999999"


def _fields(matrix: type[RegistryMatrix], api: bool) -> list[models.Field[Any, Any]]:
    model = matrix.registry.model
    if api:
        viewset = _viewset(matrix)
        names = {name for name, field in viewset.serializer_class().fields.items() if not field.read_only}
    else:
        names = set(matrix.registry.form_class.base_fields)
    return [f for f in model._meta.fields if f.name in names]


def _viewset(matrix: type[RegistryMatrix]) -> Any:
    from django.urls import resolve

    return resolve(reverse(f"{matrix.api_basename}-list")).func.cls


def _hostile(matrix: type[RegistryMatrix], kind: str, api: bool) -> list[str]:
    """The fields of that kind the registry's form or API takes."""
    names = []
    for field in _fields(matrix, api):
        if kind == "date" and isinstance(field, models.DateField):
            names.append(field.name)
        elif kind == "text" and isinstance(field, models.CharField | models.TextField) and not field.choices:
            names.append(field.name)
    if matrix is talent_matrices.TestServiceRequestMatrix and not api:
        names = [n for n in names if n != "resolved_on"]  # an open request's form drops it: nothing is stored
    return [n for n in names if n != "password"]  # never stored as typed


def _count(matrix: type[RegistryMatrix]) -> int:
    return matrix.registry.model._default_manager.count()


def _errors(response: Any, api: bool) -> set[str]:
    if api:
        assert response.status_code == 400, (response.status_code, response.content[:300])
        return set(response.json())
    assert response.status_code == 200, response.status_code  # the form again, with the fields' errors
    return set(response.context["form"].errors)


def _own(test: Any, units: dict[str, Any]) -> Any:
    """A record of county A, as the matrix makes it (applications go to a batch of a city program)."""
    if isinstance(test, program_matrices.TestSelectionMatrix):
        test.city_batch = program_factories.batch(program_factories.program(units["330400"]), status="open")
        obj = program_factories.selection(test.city_batch, units["330402"])
    else:
        obj = test.make("own", units)
    obj.refresh_from_db()  # the stored values (Decimal places, dates) the fingerprint compares
    return obj


# --- forms and API: far dates, control characters, wrong types ----------------------------------------------


@pytest.mark.parametrize("matrix", MATRICES, ids=lambda m: m.__name__)
def test_forms_and_api_refuse_far_dates_and_control_characters(client, api_client, people, units, matrix) -> None:
    """Each hostile value in every date (or text) field at once: every one of them is named in the errors."""
    test = matrix()
    obj = _own(test, units)
    fingerprint = matrix.registry.fingerprint(obj)
    client.force_login(people["city_admin"])
    api_client.force_authenticate(people["city_admin"])
    api_url = reverse(f"{matrix.api_basename}-detail", args=[obj.pk])
    edit_url = matrix.registry.url("edit", obj)
    version = version_of(client.get(edit_url).content.decode())
    for kind, values in (("date", FAR_DATES), ("text", CONTROL)):
        for value in values:
            before = _count(matrix)
            fields = _hostile(matrix, kind, api=False)
            if fields:
                hostile = dict.fromkeys(fields, value)
                created = client.post(matrix.registry.url("create"), {**test.create_form(units), **hostile})
                assert set(fields) <= _errors(created, api=False), (kind, value)
                updated = client.post(edit_url, {**test.update_form(obj), **hostile, "_version": version})
                assert set(fields) <= _errors(updated, api=False), (kind, value)
            fields = _hostile(matrix, kind, api=True)
            if fields:
                hostile = dict.fromkeys(fields, value)
                payload = {**test.api_create(units), **hostile}
                created = api_client.post(reverse(f"{matrix.api_basename}-list"), payload, format="json")
                assert set(fields) <= _errors(created, api=True), (kind, value)
                assert set(fields) <= _errors(api_client.patch(api_url, hostile, format="json"), api=True)
                assert _errors(api_client.put(api_url, payload, format="json"), api=True)
            assert _count(matrix) == before
    obj.refresh_from_db()
    assert matrix.registry.fingerprint(obj) == fingerprint


@pytest.mark.parametrize("matrix", MATRICES, ids=lambda m: m.__name__)
def test_wrong_types_huge_and_negative_numbers_and_long_strings(client, api_client, people, units, matrix) -> None:
    """Every field the API or form takes, given the same wrong value at once: refused, never a 500."""
    test = matrix()
    obj = _own(test, units)
    fingerprint = matrix.registry.fingerprint(obj)
    client.force_login(people["city_admin"])
    api_client.force_authenticate(people["city_admin"])
    before = _count(matrix)
    detail = reverse(f"{matrix.api_basename}-detail", args=[obj.pk])
    for value in WRONG:
        names = [f.name for f in _fields(matrix, api=True)]
        payload = {**test.api_create(units), **dict.fromkeys(names, value)}
        response = api_client.post(reverse(f"{matrix.api_basename}-list"), payload, format="json")
        assert response.status_code == 400, (value, response.status_code, response.content[:300])
        response = api_client.patch(detail, dict.fromkeys(names, value), format="json")
        assert response.status_code == 400, (value, response.status_code, response.content[:300])
        if not isinstance(value, list | dict):
            names = [f.name for f in _fields(matrix, api=False)]
            response = client.post(
                matrix.registry.url("create"), {**test.create_form(units), **dict.fromkeys(names, value)}
            )
            assert response.status_code == 200, (value, response.status_code)
    assert _count(matrix) == before
    obj.refresh_from_db()
    assert matrix.registry.fingerprint(obj) == fingerprint


def test_the_messages_name_the_range_and_the_character_in_the_users_language(api_client, people, units) -> None:
    api_client.force_authenticate(people["a_editor"])
    payload = {**talent_matrices.TestTalentMatrix().api_create(units), "landed_on": "9999-12-31", "notes": "u\u001bESC"}
    with translation.override("en"):
        english = api_client.post(reverse("talent-list"), payload, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["landed_on"] == ["Enter a date between 1900-01-01 and 2100-12-31; 9999-12-31 is outside that range."]
    assert english["notes"] == ["The text contains an invisible control character (U+001B at position 2); remove it."]
    chinese = api_client.post(reverse("talent-list"), payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "1900-01-01" in chinese["landed_on"][0] and "2100-12-31" in chinese["landed_on"][0]
    assert "日期" in chinese["landed_on"][0] and "U+001B" in chinese["notes"][0]
    assert not Talent.objects.exists()


def test_the_shared_validators() -> None:
    validate_sensible_date(datetime.date(1900, 1, 1))
    validate_sensible_date(datetime.date(2100, 12, 31))
    validate_sensible_date(None)
    for far in (datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.datetime(1899, 12, 31, 23, 59)):
        with pytest.raises(Exception, match="1900-01-01"):
            validate_sensible_date(far)
    validate_printable_text("tab\tline\nreturn\r张三 emoji 😀")
    for bad in [*CONTROL, "\x00", "\x0b", "\ufffe", "\ud800"]:
        with pytest.raises(Exception, match="U\\+"):
            validate_printable_text(bad)
    assert printable("u\u001bESC\uffff\ud800\t") == "uESC\t"


# --- plain forms and actions ------------------------------------------------------------------------------


def test_queue_revoke_payment_and_transition_refuse_far_dates_and_control_characters(
    client, api_client, people, units
) -> None:
    from platforms.models import Platform

    from .platforms import factories as platform_factories

    client.force_login(people["city_admin"])
    talent = factories.talent(units["330402"])
    request = factories.service_request(talent)
    for data in (
        {"status": "resolved", "note": "ok", "resolved_on": "9999-12-31"},
        {"status": "in_progress", "note": "a\x1bb"},
    ):
        response = client.post(reverse("talents:servicerequest_status", args=[request.pk]), data)
        assert response.status_code in (200, 302, 400)
        request.refresh_from_db()
        assert request.status == "submitted" and "\x1b" not in request.resolution
    platform = platform_factories.platform(units["330402"])
    for data in (
        {"revoked_on": "9999-12-31", "revoked_reason": "x"},
        {"revoked_on": "2024-01-01", "revoked_reason": "\x07"},
    ):
        response = client.post(reverse("platforms:platform_revoke", args=[platform.pk]), data)
        assert response.status_code in (200, 400)
    assert Platform.objects.get(pk=platform.pk).status == "active"
    batch = program_factories.batch(program_factories.program(units["330400"]))
    selection = program_factories.selection(batch, units["330402"], talent=talent)
    api_client.force_authenticate(people["city_admin"])
    response = api_client.post(
        reverse("selection-transition", args=[selection.pk]), {"to": "screened", "comment": "\x1b[31m"}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()
    assert Selection.objects.get(pk=selection.pk).status == selection.status


# --- rows stored before the bounds ------------------------------------------------------------------------


def test_a_far_date_stored_before_the_bounds_lists_shows_and_exports(client, api_client, people, units) -> None:
    talent = factories.talent(units["330402"])
    request = factories.service_request(talent)
    ServiceRequest.objects.filter(pk=request.pk).update(submitted_on=datetime.date(9999, 12, 31))
    Talent.objects.filter(pk=talent.pk).update(landed_on=datetime.date(1, 1, 1), birth_date=datetime.date(9999, 12, 31))
    client.force_login(people["a_editor"])
    for url in (
        reverse("talents:service_queue"),
        reverse("talents:servicerequest_list"),
        reverse("talents:servicerequest_detail", args=[request.pk]),
        reverse("talents:servicerequest_export"),
        reverse("talents:talent_list"),
        reverse("talents:talent_detail", args=[talent.pk]),
        reverse("talents:talent_detail", args=[talent.pk]) + "?tab=requests",
        reverse("talents:talent_export"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    api_client.force_authenticate(people["a_editor"])
    assert api_client.get(reverse("servicerequest-list")).status_code == 200
    assert api_client.get(reverse("servicerequest-detail", args=[request.pk])).status_code == 200
    request.refresh_from_db()
    assert not request.is_overdue


@pytest.mark.parametrize("name", ["u\u001bESC", "a\uffffb", "b\ufffe\x07c"])
def test_control_characters_stored_before_the_bounds_export_to_a_file_that_opens(client, people, units, name) -> None:
    talent = factories.talent(units["330402"])
    Talent.objects.filter(pk=talent.pk).update(name=name, notes=name, position_title="=1+2")
    client.force_login(people["a_editor"])
    response = client.get(reverse("talents:talent_export"))
    assert response.status_code == 200
    rows = list(
        load_workbook(
            BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
        ).active.values
    )
    assert printable(name) in [cell for row in rows for cell in row]


# --- ids and pages ---------------------------------------------------------------------------------------


API_LISTS = [
    "talent",
    "enterprise",
    "enterpriseyear",
    "team",
    "servicerequest",
    "platform",
    "platformyear",
    "residency",
    "program",
    "batch",
    "selection",
    "tranche",
    "orgunit",
    "user",
    "job",
    "import",
]


@pytest.mark.parametrize("basename", API_LISTS)
def test_api_ids_and_pages_that_name_nothing_answer_404(api_client, people, basename) -> None:
    api_client.force_authenticate(people["city_admin"])
    for pk in ("abc", HUGE, "-1", "9" * 5000):
        url = f"{reverse(f'{basename}-list')}{pk}/"
        for method in (api_client.get, api_client.put, api_client.patch, api_client.delete):
            response = method(url, {}, format="json")
            assert response.status_code in (404, 405), (method, pk, response.status_code)
    for page in (HUGE, "-1", "abc", "9" * 5000, "99999999999"):
        response = api_client.get(reverse(f"{basename}-list"), {"page": page})
        assert response.status_code == 404, (page, response.status_code)
    for size in (HUGE, "-5", "abc"):
        response = api_client.get(reverse(f"{basename}-list"), {"page_size": size, "page": "2"})
        assert response.status_code in (200, 404), (size, response.status_code)


def test_put_and_patch_a_selection_by_a_word(api_client, people) -> None:
    api_client.force_authenticate(people["city_admin"])
    assert api_client.put("/api/v1/selections/abc/", {}, format="json").status_code == 404
    assert api_client.patch("/api/v1/selections/abc/", {}, format="json").status_code == 404
    assert api_client.patch(f"/api/v1/selections/{HUGE}/", {}, format="json").status_code == 404


@pytest.mark.parametrize("matrix", MATRICES, ids=lambda m: m.__name__)
def test_pages_with_hostile_page_and_ids(client, people, units, matrix) -> None:
    client.force_login(people["city_admin"])
    registry = matrix.registry
    for params in (
        {"page": HUGE},
        {"page": "-1"},
        {"page": "abc"},
        {"per_page": HUGE},
        {"per_page": "-3"},
        {"page": "9" * 5000},
    ):
        assert client.get(registry.url("list"), params).status_code == 200, params
    list_url = registry.url("list")
    for pk in (HUGE, "9223372036854775808"):
        assert client.get(f"{list_url}{pk}/").status_code == 404


# --- filters ----------------------------------------------------------------------------------------------

FILTER_VALUES = [HUGE, "-1", "abc", "9999-12-31", "\x00"]


@pytest.mark.parametrize("basename", API_LISTS)
def test_every_filter_with_hostile_values_answers_400_or_a_list(api_client, people, basename) -> None:
    from django.urls import resolve

    viewset = resolve(reverse(f"{basename}-list")).func.cls
    filterset_class = getattr(viewset, "filterset_class", None)
    names = list(filterset_class.base_filters) if filterset_class else []
    names += ["talent", "talent_id", "batch", "selection", "enterprise", "platform", "org_unit", "status", "sort"]
    api_client.force_authenticate(people["city_admin"])
    for name in names:
        for value in FILTER_VALUES:
            response = api_client.get(reverse(f"{basename}-list"), {name: value})
            assert response.status_code in (200, 400), (name, value, response.status_code)
            known = filterset_class is not None and name in filterset_class.base_filters
            if response.status_code == 200 and known and name in ("talent", "landed_year") and value == HUGE:
                assert response.json()["results"] == []


@pytest.mark.parametrize("matrix", MATRICES, ids=lambda m: m.__name__)
def test_every_list_page_filter_with_hostile_values(client, people, matrix) -> None:
    client.force_login(people["city_admin"])
    registry = matrix.registry
    names = list(registry.filterset_class.base_filters)
    for name in names:
        for value in FILTER_VALUES:
            response = client.get(registry.url("list"), {name: value})
            assert response.status_code in (200, 400), (name, value, response.status_code)
        assert client.get(registry.url("export"), {name: HUGE}).status_code in (200, 302, 400), name


def test_landed_year_and_id_filters_far_out(client, api_client, people, units) -> None:
    talent = factories.talent(units["330402"], landed_on=datetime.date(2024, 3, 1))
    client.force_login(people["city_admin"])
    api_client.force_authenticate(people["city_admin"])
    for value in ("99999", HUGE, "-2024", "0", "10000"):
        response = api_client.get(reverse("talent-list"), {"landed_year": value})
        assert response.status_code in (200, 400) and (response.status_code == 400 or response.json()["results"] == [])
        assert client.get(reverse("talents:talent_list"), {"landed_year": value}).status_code == 200
    assert api_client.get(reverse("talent-list"), {"landed_year": "2024"}).json()["results"][0]["id"] == talent.pk
    response = api_client.get(reverse("servicerequest-list"), {"talent": HUGE})
    assert response.status_code == 400 or response.json()["results"] == []


# --- imports ----------------------------------------------------------------------------------------------


def _import_columns(kind: str) -> list[Any]:
    cases = []
    for spec in load_specs().values():
        for column in spec.sheet_columns:
            if isinstance(column, Ref):
                continue
            if kind == "date" and column.kind == "date":
                cases += [
                    pytest.param(spec.kind, column.name, v, id=f"{spec.kind}-{column.name}-{v}") for v in FAR_DATES
                ]
            if kind == "text" and column.kind in ("text", "code"):
                cases.append(
                    pytest.param(spec.kind, column.name, "u\u001bE\x00SC\uffff", id=f"{spec.kind}-{column.name}")
                )
    return cases


@pytest.mark.parametrize(("kind", "name", "value"), _import_columns("date"))
def test_every_import_date_column_refuses_far_dates(kind, name, value) -> None:
    spec = load_specs()[kind]
    column = next(c for c in spec.columns if c.name == name)
    with translation.override("en"), pytest.raises(cells.CellError) as refused:
        column.parse(value)
    assert "between 1900-01-01 and 2100-12-31" in str(refused.value.message)
    for serial in (1, 2958465):  # Excel's own far dates, as numbers
        with pytest.raises(cells.CellError):
            column.parse(serial)
    assert column.parse("2015-03-01") == datetime.date(2015, 3, 1)


@pytest.mark.parametrize(("kind", "name", "value"), _import_columns("text"))
def test_every_import_text_column_drops_control_characters(kind, name, value) -> None:
    spec = load_specs()[kind]
    column = next(c for c in spec.columns if c.name == name)
    try:
        parsed = column.parse(value)
    except cells.CellError:
        return  # refused with a message (a code column's own rules): never stored
    assert parsed == "" or all(ch not in str(parsed) for ch in "\x1b\x00\uffff")
    assert spec.validate(column, parsed) is None or "control character" not in spec.validate(column, parsed)


def test_a_talent_roster_with_far_dates_control_characters_and_huge_numbers(tmp_path, people) -> None:
    rows = [
        person(1, 落地日期="9999-12-31"),
        person(2, 出生日期=datetime.date(1, 1, 1)),
        person(3, 落地日期=2958465),
        person(4, 姓名="张\u001b三\uffff"),
        person(5, 落地日期=1e30),
        person(6, 姓名="x" * 5000),
    ]
    path = tmp_path / "r.csv"  # openpyxl refuses to write the control characters; a CSV carries anything
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([HEADER, *([str(cell) for cell in row] for row in rows)])
    imp = run_cli(path, "a_admin", "--apply", "--keep-valid")
    assert imp.status in (Import.Status.APPLIED, Import.Status.CHECKED)
    errors = {(e["row"], e["column"]) for e in imp.errors}
    assert {(2, "landed on"), (3, "date of birth"), (4, "landed on"), (6, "landed on"), (7, "full name")} <= errors
    assert list(Talent.objects.values_list("name", flat=True)) == ["张三"]
    report = load_workbook(imp.error_report.path)  # the bad rows, written back into a file that opens
    assert len(list(report.active.values)) == 6


# --- the audit log ------------------------------------------------------------------------------------------


def test_audit_page_with_list_diffs_and_hostile_filters(client, people, units) -> None:
    talent = factories.talent(units["330402"])
    team = factories.team(units["330402"], talent)
    AuditEntry.objects.create(
        action="update", source="form", content_type_id=_ct(team), object_id=str(team.pk), object_repr="队",
        changes={"members": [["甲"], ["甲", "乙"]], "extra": [{"a": 1}, {"b": [1, 2]}]},
    )  # fmt: skip
    client.force_login(people["city_admin"])
    url = reverse("audit:search")
    assert client.get(url).status_code == 200
    assert client.get(url, {"content_type": _ct(team)}).status_code == 200
    everything = AuditEntry.objects.count()
    assert everything > 1
    for params in (
        {"content_type": "abc"},
        {"content_type": HUGE},
        {"content_type": "-1"},
        {"user": "abc"},
        {"user": HUGE},
        {"since": "9999-99-99"},
        {"since": "0001-01-01", "until": "abc"},
        {"until": "99999-01-01"},
        {"since": "9999-12-31"},
        {"action": "\x00"},
        {"source": ["a", "b"]},
        {"page": HUGE},
    ):
        response = client.get(url, params)
        assert response.status_code in (200, 400), params
        if response.status_code == 200 and "page" not in params:
            page = response.context["page"]
            shown = len(page.object_list)
            assert shown == 0 or shown < everything, params


def _ct(obj: Any) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk
