"""The OpenAPI schema tells the truth: real answers of the API validate against what it declares.

``scripts/schemathesis.sh`` checks every operation with generated requests; these tests keep the declarations
that once were wrong (masked dates, empty references, the undo conflict, undocumented errors) in ``make test``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from talentportal.jobs.importing import services
from talentportal.jobs.models import Import, Job
from talents.models import Talent

from ..jobs.test_imports import person, roster
from ..talents import factories

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` in JSON Schema's words."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def check(schema: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """Fails when ``body`` is not what the schema declares for that answer (formats such as ``date`` checked)."""
    responses = schema["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    declared = responses[str(status)]["content"]["application/json"]["schema"]
    document = {**as_json_schema(declared), "components": as_json_schema(schema["components"])}
    validator = Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


def component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


def test_masked_birth_date_is_declared_a_string_that_may_be_masked(schema, api_client, people, units):
    talent = factories.talent(units["330402"], phone="13812345678")
    api_client.force_authenticate(people["a_viewer"])
    masked = api_client.get(f"/api/v1/talents/{talent.pk}/").json()
    assert masked["birth_date"] == "1985-**-**" and masked["phone"] == "138****5678"
    check(schema, "/api/v1/talents/{id}/", "get", 200, masked)
    check(schema, "/api/v1/talents/", "get", 200, api_client.get("/api/v1/talents/").json())
    api_client.force_authenticate(people["a_editor"])
    revealed = api_client.get(f"/api/v1/talents/{talent.pk}/", {"reveal": "true"}).json()
    assert revealed["birth_date"] == "1985-06-01"
    check(schema, "/api/v1/talents/{id}/", "get", 200, revealed)

    declared = component(schema, "Talent")["properties"]["birth_date"]
    assert declared["type"] == "string" and "format" not in declared and "1985-**-**" in declared["description"]
    assert all(re.search(declared["pattern"], value) for value in ("1985-**-**", "1985-06-01"))
    # What a client sends is still a date.
    assert component(schema, "TalentRequest")["properties"]["birth_date"]["format"] == "date"


def test_empty_references_are_declared_nullable(schema, api_client, people, units):
    request = factories.service_request(factories.talent(units["330402"]), handler=None)
    Job.objects.create(kind="export", title="orphan", org_unit=units["330402"], created_by=None)
    api_client.force_authenticate(people["a_admin"])
    answer = api_client.get(f"/api/v1/service-requests/{request.pk}/").json()
    assert answer["handler"] is None
    check(schema, "/api/v1/service-requests/{id}/", "get", 200, answer)
    jobs = api_client.get("/api/v1/jobs/").json()
    assert [job["created_by"] for job in jobs["results"]] == [None]
    check(schema, "/api/v1/jobs/", "get", 200, jobs)
    for name, field in [("ServiceRequest", "handler"), ("Job", "created_by"), ("Import", "created_by")]:
        assert component(schema, name)["properties"][field].get("nullable") is True, (name, field)


def test_the_answers_of_import_undo_match_the_schema(schema, tmp_path, api_client, people):
    api_client.force_authenticate(people["a_admin"])
    with roster(tmp_path / "r.xlsx", [person(1), person(2)]).open("rb") as stream:
        imp = Import.objects.get(
            pk=api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}).json()["id"]
        )
    services.run(imp, services.CHECK)
    not_applied = api_client.post(f"/api/v1/imports/{imp.pk}/undo/")
    assert not_applied.status_code == 409
    check(schema, "/api/v1/imports/{id}/undo/", "post", 409, not_applied.json())
    assert api_client.post(f"/api/v1/imports/{imp.pk}/apply/").status_code == 202
    imp.refresh_from_db()
    services.run(imp, services.APPLY)
    refused = api_client.post(f"/api/v1/imports/{imp.pk}/apply/")
    check(schema, "/api/v1/imports/{id}/apply/", "post", refused.status_code, refused.json())
    Talent.objects.filter(name="人才1").update(tier="youth")  # changed since the import wrote it
    conflict = api_client.post(f"/api/v1/imports/{imp.pk}/undo/")
    assert conflict.status_code == 409 and conflict.json()["conflicts"][0]["deleted"] is False
    check(schema, "/api/v1/imports/{id}/undo/", "post", 409, conflict.json())


def test_every_operation_documents_its_errors(schema):
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len([o for o in operations if o[1] in METHODS]) > 80
    for path, method, operation in operations:
        if method not in METHODS:
            continue
        expected = {"400", "401", "403", "404", "429"} | ({"409"} if method == "delete" else set())
        missing = expected - set(operation["responses"])
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
        for code in expected:
            assert operation["responses"][code]["content"]["application/json"]["schema"], (path, method, code)
            assert operation["responses"][code]["description"]
    for action in ("apply", "undo"):
        assert "409" in schema["paths"][f"/api/v1/imports/{{id}}/{action}/"]["post"]["responses"]


def test_error_answers_match_the_schema(schema, api_client, people, units):
    talent = factories.talent(units["330402"])
    factories.team(units["330402"], talent)  # the leader of a team cannot go
    api_client.force_authenticate(people["a_editor"])
    invalid = api_client.post("/api/v1/talents/", {"name": "", "birth_date": "soon"}, format="json")
    assert invalid.status_code == 400
    check(schema, "/api/v1/talents/", "post", 400, invalid.json())
    missing = api_client.get("/api/v1/talents/999999/")
    check(schema, "/api/v1/talents/{id}/", "get", 404, missing.json())
    in_use = api_client.delete(f"/api/v1/talents/{talent.pk}/")
    assert in_use.status_code == 409
    check(schema, "/api/v1/talents/{id}/", "delete", 409, in_use.json())
    api_client.force_authenticate(people["a_viewer"])
    refused = api_client.post("/api/v1/talents/", {}, format="json")
    check(schema, "/api/v1/talents/", "post", refused.status_code, refused.json())
    api_client.force_authenticate(None)
    check(schema, "/api/v1/talents/", "get", 403, api_client.get("/api/v1/talents/").json())


def test_the_schema_is_generated_once_per_language_and_is_the_same_for_everyone(client, people, units, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    from talentportal.registry import schema as module

    module.GENERATED.clear()
    generated: list[str | None] = []
    generate = SchemaGenerator.get_schema

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        from django.utils import translation

        generated.append(translation.get_language())
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    generated_each = {}
    for persona in ("city_admin", "a_viewer", "b_editor"):
        module.GENERATED.clear()
        client.force_login(people[persona])
        generated_each[persona] = client.get("/api/schema/", {"format": "json"}).json()  # generated for this user
        factories.talent(units["330411"])  # records the next user may or may not see change nothing
    assert generated == ["zh-hans"] * 3
    assert generated_each["city_admin"] == generated_each["a_viewer"] == generated_each["b_editor"]
    module.GENERATED.clear()
    generated.clear()
    for persona in ("city_admin", "a_viewer", "b_editor"):
        client.force_login(people[persona])
        assert client.get("/api/schema/", {"format": "json"}).json() == generated_each["city_admin"]
    assert generated == ["zh-hans"]
    english = client.get("/api/schema/", {"format": "json", "lang": "en"}).json()
    assert generated == ["zh-hans", "en"] and english != generated_each["b_editor"]
    assert client.get("/api/schema/", {"lang": "en"}).status_code == 200  # YAML, from the same schema
    assert generated == ["zh-hans", "en"]
    # What the portal does not speak, or another version, is generated each time and kept nowhere.
    for _ in range(2):
        assert client.get("/api/schema/", {"format": "json", "lang": "xx-made-up"}).status_code == 200
        assert client.get("/api/schema/", {"format": "json", "version": "9"}).status_code == 200
    assert len(generated) == 6 and len(module.GENERATED) == 2
