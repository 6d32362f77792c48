"""Every door that answers personal data in full writes exactly one reveal entry for that request, and every
other answer writes none: every page of the URLconf (plain and htmx) and every operation of the API's schema,
as an admin and as a viewer of the records' county."""

from __future__ import annotations

import datetime
import json
import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from talentportal.audit.models import Action, AuditEntry
from talentportal.jobs.models import Import, Job
from talentportal.registry.tasks import export_registry
from talents import validators

from .platforms import factories as platform_factories
from .programs import factories as program_factories
from .talents import factories

pytestmark = pytest.mark.django_db

PK = 4242  # every record of the scene has this id, so any URL's <int:pk> names one of them
BIRTH = datetime.date(1979, 3, 17)
ID_NUMBER = validators.make_resident_id("330402", BIRTH, 123)
PHONE = "13957315842"
EMAIL = "li.reveal@example.cn"
CONTACT_PHONE = "13587654329"
SKIPPED = ("django-admin/", "static/", "accounts/logout/", "api/v1/")  # the API is walked through its schema


@pytest.fixture
def scene(units, people, tmp_path: Path) -> dict[str, Any]:
    unit = units["330402"]
    company = factories.enterprise(unit, id=PK, contact_name="王经理", contact_phone=CONTACT_PHONE)
    factories.enterprise_year(company, id=PK)
    person = factories.talent(
        unit, id=PK, id_number=ID_NUMBER, birth_date=BIRTH, phone=PHONE, email=EMAIL, employer=company
    )
    factories.team(unit, person, id=PK).members.add(person)
    factories.service_request(person, id=PK)
    program = program_factories.program(unit, id=PK)
    selection = program_factories.selection(program_factories.batch(program, id=PK), unit, talent=person, id=PK)
    program_factories.tranche(selection, id=PK)
    platform = platform_factories.platform(unit, id=PK)
    platform_factories.platform_year(platform, id=PK)
    platform_factories.residency(platform, talent=person, id=PK)
    # A roster naming the talent twice (an update with an error): its preview, errors and error report.
    roster = tmp_path / "名册.csv"
    rows = [
        "姓名,证件号码,人才类别,人才层次,所属区域,出生日期,手机号码,电子邮箱",
        f"{person.name},{ID_NUMBER},专业技术人才,市级领军人才,南湖区,{BIRTH},13900001111,new@example.cn",
        f"{person.name},{ID_NUMBER},专业技术人才,市级领军人才,南湖区,{BIRTH},{PHONE},{EMAIL}",
    ]
    roster.write_text("\n".join(rows), encoding="utf-8")
    try:
        call_command("import_roster", "talents", str(roster), "--user", "a_admin")
    except CommandError:
        pass  # the command says so when a row was wrong
    imp = Import.objects.latest("id")
    assert imp.errors and imp.preview and imp.error_report
    # An admin's export large enough to run as a job, carried out here.
    with override_settings(EXPORT_INLINE_MAX_ROWS=0):
        client = Client()
        client.force_login(people["a_admin"])
        client.get("/registry/talents/export/")
    export = Job.objects.get(kind="export")
    export_registry.run(export)  # the task's body, as a worker runs it
    AuditEntry.objects.all().delete()
    return {"import": imp, "jobs": [export.pk, imp.job_id]}


def body_text(response: Any) -> str:
    """What a response shows, spreadsheets included (their cells, as text)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK" and zipfile.is_zipfile(BytesIO(content)):
        book = load_workbook(BytesIO(content), read_only=True)
        return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    return content.decode("utf-8", "replace")


def shows_personal_data(text: str) -> list[str]:
    values = [ID_NUMBER, PHONE, EMAIL, CONTACT_PHONE, BIRTH.isoformat(), f"{BIRTH.year}年{BIRTH.month}月{BIRTH.day}日"]
    return [v for v in values if v in text or json.dumps(v)[1:-1] in text]


def reveals_during(call: Any) -> tuple[Any, int]:
    before = AuditEntry.objects.filter(action=Action.REVEAL).count()
    response = call()
    return response, AuditEntry.objects.filter(action=Action.REVEAL).count() - before


def check(label: str, response: Any, written: int, failures: list[str]) -> None:
    shown = shows_personal_data(body_text(response))
    expected = 1 if shown else 0
    if written != expected:
        failures.append(f"{label} → {response.status_code}, shows {shown or 'nothing'}, {written} reveal entries")


def page_urls(scene: dict[str, Any]) -> list[tuple[str, str]]:
    """(url name, path) of every page, its arguments filled with the scene's records."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                found.extend(fill(f"{namespace}{pattern.name}", route, scene))

    walk(get_resolver().url_patterns, "", "")
    return found


def fill(name: str, route: str, scene: dict[str, Any]) -> list[tuple[str, str]]:
    pks = [PK]
    if name in ("jobs:detail", "jobs:download"):
        pks = scene["jobs"]
    elif name.startswith("jobs:import_"):
        pks = [scene["import"].pk]
    values = {"field": ["id_number", "phone", "email", "birth_date", "contact_phone"], "which": ["result", "error"]}
    paths = [route.replace("^", "").replace("$", "")]
    for key, choices in [*values.items(), ("kind", ["talents"]), ("pk", pks)]:
        marker = re.compile(rf"<(?:\w+:)?{key}>")
        paths = [marker.sub(str(c), p) for p in paths for c in choices] if marker.search(paths[0]) else paths
    return [(name, "/" + p) for p in paths if "<" not in p]


@pytest.mark.parametrize("persona", ["a_admin", "a_viewer"])
def test_every_page_that_shows_personal_data_in_full_is_audited_once(client, people, scene, persona) -> None:
    client.force_login(people[persona])
    failures: list[str] = []
    urls = page_urls(scene)
    assert any(name == "talents:talent_edit" for name, _path in urls)
    for name, path in urls:
        variants = [path, f"{path}?tab=history"] if name.endswith("_detail") else [path]
        for url in variants:
            for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
                response, written = reveals_during(lambda u=url, h=htmx: client.get(u, **h))
                check(f"GET {url} {'(htmx)' if htmx else ''}", response, written, failures)
        if name.endswith("_reveal"):  # the reveal buttons, on the detail page and in the edit form
            for url in (path, f"{path}?into=form"):
                response, written = reveals_during(lambda u=url: client.post(u, HTTP_HX_REQUEST="true"))
                check(f"POST {url}", response, written, failures)
    assert not failures, "\n".join(failures)


def api_operations(api_client: Any) -> list[tuple[str, str]]:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item]


@pytest.mark.parametrize("persona", ["a_admin", "a_viewer"])
def test_every_api_operation_that_answers_personal_data_in_full_is_audited_once(
    api_client, people, scene, persona
) -> None:
    api_client.force_authenticate(people[persona])
    ids = {"/api/v1/imports/": scene["import"].pk, "/api/v1/jobs/": scene["jobs"][0]}
    failures: list[str] = []
    operations = api_operations(api_client)
    assert ("PATCH", "/api/v1/talents/{id}/") in operations
    for method, template in operations:
        if method not in ("GET", "PATCH", "PUT"):
            continue
        pk = next((v for prefix, v in ids.items() if template.startswith(prefix)), PK)
        path = template.replace("{id}", str(pk))
        if "{" in path:
            continue
        for query in ("", "?reveal=true"):
            url = path + query
            if method == "GET":
                call = lambda u=url: api_client.get(u)  # noqa: E731
            elif method == "PATCH":
                call = lambda u=url: api_client.patch(u, {}, format="json")  # noqa: E731
            else:
                current = api_client.get(path, {"reveal": "true"}).json()
                call = lambda u=url, data=current: api_client.put(u, data, format="json")  # noqa: E731
            response, written = reveals_during(call)
            check(f"{method} {url}", response, written, failures)
    assert not failures, "\n".join(failures)
