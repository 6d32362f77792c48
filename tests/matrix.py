"""The permission matrix every registry model inherits (pages and API).

A test class declares its registry, how to make a record owned by county A (``own``), county B (``other``)
and the city itself (``parent``), valid payloads, and for each persona what it may see and change. The
mixin then checks list, detail, create, update and delete through the pages and the API, and anonymous
access. Out-of-scope records answer 404; in-scope records the role may not change answer 403. Every write that
lands leaves its audit entry (who, which door, which record, what changed) and every refused one leaves none;
no write makes more queries than measured (``queries``), and a list makes no more queries for more rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.registry.base import Registry

from .conftest import PERSONAS

WHICH = ("own", "other", "parent")
SLACK = 2


@dataclass
class Rights:
    see: set[str] = field(default_factory=set)
    edit: set[str] = field(default_factory=set)
    # True: the payload (owned by county A) is created; False: 403; "out_of_scope": the role may create, but
    # not for county A, so the form or serializer refuses the org unit (200 with errors / 400) and nothing lands.
    create: bool | str = False
    pages: bool = True  # False: the role may not open this registry at all (403 everywhere)


def version_of(html: str) -> str:
    match = re.search(r'name="_version" value="([^"]+)"', html)
    return match.group(1) if match else ""


class RegistryMatrix:
    registry: Registry
    api_basename: str
    rights: dict[str, Rights]
    # Name of a text field the update payloads change, to check that the change really landed.
    changed_field: str
    # The queries one list request (page or API) makes at most, and one create, update or delete by page or
    # API: the counts measured. A list makes no more for more rows; a write may make ``SLACK`` more than
    # measured, not a query per field or per related record.
    queries: dict[str, int]

    # --- to declare per model -------------------------------------------------------------------------
    def make(self, which: str, units: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def update_form(self, obj: models.Model) -> dict[str, Any]:
        raise NotImplementedError

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def api_update(self, obj: models.Model) -> dict[str, Any]:
        return {self.changed_field: "已修改"}

    # --- shared ----------------------------------------------------------------------------------------
    @pytest.fixture
    def records(self, units: dict[str, Any], people: dict[str, Any]) -> dict[str, models.Model]:
        return {which: self.make(which, units) for which in WHICH}

    def measured(self, request: Any, kind: str) -> tuple[Any, int]:
        """The response to ``request()`` and the number of queries it took, at most the ``kind``'s bound."""
        limit = self.queries[kind] + SLACK
        with CaptureQueriesContext(connection) as queries:
            response = request()
        count = len(queries.captured_queries)
        assert count <= limit, f"{count} queries (at most {limit}):\n" + "\n".join(
            q["sql"] for q in queries.captured_queries
        )
        return response, count

    def list_shown(self, request: Any, shown: Any, units: dict[str, Any], persona: str) -> set[Any]:
        """The keys a list request shows, after checking that it shows as many more records as the persona may
        see once more exist, with no more queries."""
        response, count = self.measured(request, "list")
        first = shown(response)
        more = {which: self.make(which, units) for which in WHICH}
        again, count_again = self.measured(request, "list")
        assert count_again <= count, f"{count} queries for {len(first)} rows, {count_again} for more"
        shown_again = shown(again)
        for which, obj in more.items():
            assert (obj.pk in shown_again) == (which in self.rights[persona].see), (persona, which)
        return first

    def audit_entries(self, action: str, source: str, obj: models.Model | None = None) -> Any:
        entries = AuditEntry.objects.filter(action=action, content_type=ContentType.objects.get_for_model(self.model()))
        return entries.filter(source=source, object_id=str(obj.pk)) if obj is not None else entries

    def assert_audited(self, action: str, source: str, user: Any, obj: models.Model, change: Any = None) -> None:
        """Exactly one entry records the write: by ``user``, through ``source``, of ``obj``, with ``change``."""
        entries = list(self.audit_entries(action, source, obj))
        assert len(entries) == 1, (action, source, entries)
        assert entries[0].user_id == user.pk and entries[0].username == user.username
        if change is not None:
            before, after = entries[0].changes[self.changed_field]
            assert str(after) == str(change) and str(before) != str(change)

    def expect_read(self, persona: str, which: str) -> int:
        rights = self.rights[persona]
        if not rights.pages:
            return 403
        return 200 if which in rights.see else 404

    def expect_write(self, persona: str, which: str, ok: int) -> int:
        rights = self.rights[persona]
        if not rights.pages:
            return 403
        if which not in rights.see:
            return 404
        return ok if which in rights.edit else 403

    def tab_slugs(self) -> list[str]:
        return ["profile", *(tab.slug for tab in self.registry.tabs), "history"]

    def model(self) -> type[models.Model]:
        return self.registry.model

    def test_rights_cover_every_persona(self) -> None:
        assert set(self.rights) == set(PERSONAS)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_list_page(self, client, people, units, records, persona) -> None:
        client.force_login(people[persona])
        url = self.registry.url("list")
        if not self.rights[persona].pages:
            assert client.get(url, {"per_page": 100}).status_code == 403
            return

        def shown(response: Any) -> set[Any]:
            assert response.status_code == 200
            return {obj.pk for obj in response.context["page"].object_list}

        shown_pks = self.list_shown(lambda: client.get(url, {"per_page": 100}), shown, units, persona)
        for which, obj in records.items():
            assert (obj.pk in shown_pks) == (which in self.rights[persona].see), (persona, which)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_export(self, client, people, records, persona) -> None:
        from io import BytesIO

        from openpyxl import load_workbook

        client.force_login(people[persona])
        response = client.get(self.registry.url("export"))
        if not self.rights[persona].pages:
            assert response.status_code == 403
            return
        assert response.status_code == 200
        sheet = load_workbook(BytesIO(response.content)).active
        text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
        for which, obj in records.items():
            first = self.registry.columns[0].cell(obj)
            assert (str(first) in text) == (which in self.rights[persona].see), (persona, which)

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_detail_page(self, client, people, records, persona, which) -> None:
        client.force_login(people[persona])
        url = self.registry.url("detail", records[which])
        expected = self.expect_read(persona, which)
        assert client.get(url).status_code == expected
        # Every tab, full page and htmx fragment alike, answers as the page does.
        for tab in self.tab_slugs():
            assert client.get(url, {"tab": tab}).status_code == expected, tab
            assert client.get(url, {"tab": tab}, HTTP_HX_REQUEST="true").status_code == expected, tab

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_create_page(self, client, people, units, records, persona) -> None:
        client.force_login(people[persona])
        before = set(self.model().objects.values_list("pk", flat=True))
        payload = self.create_form(units)
        response, _ = self.measured(lambda: client.post(self.registry.url("create"), payload), "create_page")
        self.check_create(people[persona], Source.FORM, before, response, 302, 200)

    def check_create(self, user: Any, source: str, before: set[Any], response: Any, created: int, refused: int) -> None:
        """The create answered ``created`` and landed with its audit entry, or answered ``refused`` (out of
        scope: the form again with its errors, or 400) or 403, and left nothing behind."""
        rights = self.rights[user.username]
        new = set(self.model().objects.values_list("pk", flat=True)) - before
        if rights.pages and rights.create is True:
            assert response.status_code == created, (
                response.json() if source == Source.API else response.context and response.context["form"].errors
            )
            assert len(new) == 1
            self.assert_audited(Action.CREATE, source, user, self.model().objects.get(pk=new.pop()))
        else:
            if rights.pages and rights.create == "out_of_scope":
                assert response.status_code == refused
                assert response.json() if refused == 400 else response.context["form"].errors
            else:
                assert response.status_code == 403
            assert not new
            assert not self.audit_entries(Action.CREATE, source).exists()

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_update_page(self, client, people, records, persona, which) -> None:
        obj = records[which]
        client.force_login(people[persona])
        url = self.registry.url("edit", obj)
        page = client.get(url)
        expected = self.expect_write(persona, which, 200)
        assert page.status_code == expected
        payload = {**self.update_form(obj), "_version": version_of(page.content.decode()) if expected == 200 else ""}
        response, _ = self.measured(lambda: client.post(url, payload), "update_page")
        obj.refresh_from_db()
        if expected == 200:
            assert response.status_code == 302, response.context["form"].errors
            assert str(getattr(obj, self.changed_field)) == str(payload[self.changed_field])
            self.assert_audited(Action.UPDATE, Source.FORM, people[persona], obj, payload[self.changed_field])
            history = client.get(self.registry.url("detail", obj), {"tab": "history"})
            assert history.status_code == 200 and str(payload[self.changed_field]) in history.content.decode()
        else:
            assert response.status_code == expected
            assert str(getattr(obj, self.changed_field)) != str(payload[self.changed_field])
            assert not self.audit_entries(Action.UPDATE, Source.FORM, obj).exists()

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_delete_page(self, client, people, records, persona, which) -> None:
        obj = records[which]
        client.force_login(people[persona])
        response, _ = self.measured(lambda: client.post(self.registry.url("delete", obj)), "delete_page")
        self.check_delete(people[persona], Source.FORM, obj, response, self.expect_write(persona, which, 302), 302)

    def check_delete(self, user: Any, source: str, obj: models.Model, response: Any, expected: int, ok: int) -> None:
        assert response.status_code == expected
        assert self.model().objects.filter(pk=obj.pk).exists() == (expected != ok)
        if expected == ok:
            self.assert_audited(Action.DELETE, source, user, obj)
        else:
            assert not self.audit_entries(Action.DELETE, source, obj).exists()

    # --- API ---------------------------------------------------------------------------------------------
    def api_url(self, obj: models.Model | None = None) -> str:
        if obj is None:
            return reverse(f"{self.api_basename}-list")
        return reverse(f"{self.api_basename}-detail", args=[obj.pk])

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_api_list(self, api_client, people, units, records, persona) -> None:
        api_client.force_authenticate(people[persona])
        if not self.rights[persona].pages:
            assert api_client.get(self.api_url(), {"page_size": 500}).status_code == 403
            return

        def shown(response: Any) -> set[Any]:
            assert response.status_code == 200
            assert {"count", "next", "previous", "results"} <= set(response.json())
            return {row["id"] for row in response.json()["results"]}

        shown_ids = self.list_shown(lambda: api_client.get(self.api_url(), {"page_size": 500}), shown, units, persona)
        for which, obj in records.items():
            assert (obj.pk in shown_ids) == (which in self.rights[persona].see), (persona, which)

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_api_detail(self, api_client, people, records, persona, which) -> None:
        api_client.force_authenticate(people[persona])
        assert api_client.get(self.api_url(records[which])).status_code == self.expect_read(persona, which)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_api_create(self, api_client, people, units, records, persona) -> None:
        api_client.force_authenticate(people[persona])
        before = set(self.model().objects.values_list("pk", flat=True))
        payload = self.api_create(units)
        response, _ = self.measured(lambda: api_client.post(self.api_url(), payload, format="json"), "api_create")
        self.check_create(people[persona], Source.API, before, response, 201, 400)

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_api_update(self, api_client, people, records, persona, which) -> None:
        obj = records[which]
        api_client.force_authenticate(people[persona])
        payload = self.api_update(obj)
        response, _ = self.measured(lambda: api_client.patch(self.api_url(obj), payload, format="json"), "api_update")
        assert response.status_code == self.expect_write(persona, which, 200)
        obj.refresh_from_db()
        landed = str(getattr(obj, self.changed_field)) == str(payload[self.changed_field])
        assert landed == (response.status_code == 200)
        if landed:
            self.assert_audited(Action.UPDATE, Source.API, people[persona], obj, payload[self.changed_field])
        else:
            assert not self.audit_entries(Action.UPDATE, Source.API, obj).exists()

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("which", WHICH)
    def test_api_delete(self, api_client, people, records, persona, which) -> None:
        obj = records[which]
        api_client.force_authenticate(people[persona])
        response, _ = self.measured(lambda: api_client.delete(self.api_url(obj)), "api_delete")
        self.check_delete(people[persona], Source.API, obj, response, self.expect_write(persona, which, 204), 204)

    # --- anonymous and wrong methods -------------------------------------------------------------------------
    def test_anonymous(self, client, api_client, records) -> None:
        obj = records["own"]
        for url in (self.registry.url("list"), self.registry.url("detail", obj), self.registry.url("edit", obj)):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert api_client.get(self.api_url()).status_code in (401, 403)
        assert api_client.delete(self.api_url(obj)).status_code in (401, 403)
        assert self.model().objects.filter(pk=obj.pk).exists()

    def test_wrong_method(self, client, people, records) -> None:
        client.force_login(people["city_admin"])
        assert client.put(self.registry.url("detail", records["own"])).status_code == 405
        assert client.delete(self.registry.url("list")).status_code == 405
