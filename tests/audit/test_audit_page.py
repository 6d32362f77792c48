"""The audit log page: one line per entry, the diff folded, fifty entries a page, the filters kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import Actor, diff, entry, record_bulk, snapshot
from talentportal.jobs.models import Import, Job
from talents.models import Talent
from tests.talents.factories import talent

from ..conftest import choose_language


class Page(HTMLParser):
    """What the tests look at: entry rows, the diffs and the <details> around them, labels and ids, links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows = 0
        self.details: list[dict[str, str | None]] = []
        self.diffs_outside_details = 0
        self.diffs = 0
        self.labels: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self._open_details = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "tr" and "audit-entry" in classes:
            self.rows += 1
        if tag == "details":
            self.details.append(a)
            self._open_details += 1
        if tag == "table" and "audit-diff" in classes:
            self.diffs += 1
            self.diffs_outside_details += self._open_details == 0
        if tag == "label":
            self.labels.append(a.get("for") or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._open_details -= 1


def created(actor: Actor, records: list[Talent]) -> None:
    record_bulk([entry(actor, Action.CREATE, t, diff(None, snapshot(t))) for t in records])


def test_a_page_holds_fifty_one_line_entries_with_the_diff_folded(client, people, units):
    records = [talent(units["330402"]) for _ in range(120)]
    created(Actor(user=people["a_editor"], source=Source.FORM), records)
    client.force_login(people["a_admin"])
    choose_language(client, "zh-hans")
    html = client.get("/audit/").content.decode()
    page = Page(html)
    assert page.rows == 50
    assert page.diffs >= 49 and page.diffs_outside_details == 0  # every entry but the admin's sign-in
    assert all("open" not in d for d in page.details)
    fields = len(AuditEntry.objects.filter(action=Action.CREATE).first().changes)
    assert f"新建，{fields} 个字段" in html


def test_page_links_keep_the_filters(client, people, units):
    records = [talent(units["330402"]) for _ in range(120)]
    created(Actor(user=people["a_editor"], source=Source.FORM), records)
    created(Actor(user=people["a_editor"], source=Source.API), records[:5])
    client.force_login(people["city_admin"])
    params = {"source": "form", "action": "create", "q": "测试人才"}
    first = Page(client.get("/audit/", params).content.decode())
    assert first.rows == 50
    following = [link for link in first.links if "page=2" in link]
    assert following, first.links
    query = parse_qs(urlsplit(following[0]).query)
    assert {k: v[0] for k, v in query.items() if k != "page"} == params
    third = Page(client.get("/audit/", {**params, "page": 3}).content.decode())
    assert third.rows == 20
    assert [link for link in third.links if "page=2" in link and "source=form" in link]


def test_filter_bar_has_no_label_without_its_field(client, people, units):
    client.force_login(people["a_admin"])
    choose_language(client, "zh-hans")
    for params in ({}, {"import_job": "7"}, {"since": "99999-01-01"}):
        response = client.get("/audit/", params)
        assert response.status_code == 200
        page = Page(response.content.decode())
        assert page.labels and all(target in page.ids for target in page.labels), page.labels
    form = re.search(r'<form[^>]*id="audit-filters".*?</form>', client.get("/audit/").content.decode(), re.S)
    assert form and "名册导入" not in form.group(0)


def test_an_update_is_summarised_by_the_fields_it_changed(client, people, units):
    person = talent(units["330402"], name="张三")
    before = snapshot(person)
    Talent.objects.filter(pk=person.pk).update(
        name="张三丰", phone="13900001111", email="z@example.org", notes="调动", position_title="教授"
    )
    person.refresh_from_db()
    actor = Actor(user=people["a_editor"], source=Source.FORM)
    record_bulk([entry(actor, Action.UPDATE, person, diff(before, snapshot(person)))])
    client.force_login(people["a_admin"])
    choose_language(client, "zh-hans")
    html = client.get("/audit/").content.decode()
    assert re.search(r"改动 5 个字段：[^<]*…", html), html
    choose_language(client, "en")
    assert re.search(r"Changed 5 fields: [^<]+…", client.get("/audit/").content.decode())


def test_the_record_is_linked_only_while_it_exists_and_is_in_scope(client, people, units):
    kept, moved, gone = (talent(units["330402"], name=n) for n in ("留下的人才", "调走的人才", "删掉的人才"))
    created(Actor(user=people["a_editor"], source=Source.FORM), [kept, moved, gone])
    Talent.objects.filter(pk=moved.pk).update(org_unit=units["330411"])
    gone.delete()
    client.force_login(people["a_admin"])
    html = client.get("/audit/").content.decode()
    assert f'href="/registry/talents/{kept.pk}/"' in html
    assert f'href="/registry/talents/{moved.pk}/"' not in html and "调走的人才" in html
    assert f'href="/registry/talents/{gone.pk}/"' not in html and "删掉的人才" in html


def test_personal_data_stays_masked_in_the_diff(client, people, units):
    person = talent(units["330402"])
    created(Actor(user=people["a_editor"], source=Source.FORM), [person])
    client.force_login(people["a_admin"])
    html = client.get("/audit/").content.decode()
    assert person.id_number not in html and person.phone not in html
    assert person.id_number[:6] in html  # the masked form keeps the region


def test_the_page_makes_the_same_queries_for_ten_or_fifty_entries(client, people, units):
    client.force_login(people["a_admin"])
    actor = Actor(user=people["a_editor"], source=Source.FORM)
    created(actor, [talent(units["330402"]) for _ in range(10)])
    AuditEntry.objects.filter(action=Action.LOGIN).delete()  # one kind of record on both pages: talents
    client.get("/audit/")  # content types and the like are cached by the first request
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    created(actor, [talent(units["330402"]) for _ in range(60)])
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_imports_link_shows_the_entries_its_apply_wrote(client, people, units):
    job = Job.objects.create(kind="import", org_unit=units["330402"])
    imported = Import.objects.create(kind="talents", file_name="名册.xlsx", apply_job=job, org_unit=units["330402"])
    by_import, by_hand = talent(units["330402"], name="导入的人才"), talent(units["330402"], name="手填的人才")
    created(Actor(user=people["a_admin"], source=Source.IMPORT, job_id=job.pk), [by_import])
    created(Actor(user=people["a_editor"], source=Source.FORM), [by_hand])
    client.force_login(people["a_admin"])
    html = client.get("/audit/", {"import_job": imported.pk}).content.decode()
    assert "导入的人才" in html and "手填的人才" not in html and 'id="link-filters"' in html


def test_hostile_filters_answer_with_an_empty_page_not_an_error(client, people, units):
    created(Actor(user=people["a_editor"], source=Source.FORM), [talent(units["330402"])])
    client.force_login(people["a_admin"])
    for params in (
        {"page": "-1"},
        {"page": "9" * 30},
        {"import_job": "9" * 30},
        {"content_type": "x\x00y"},
        {"until": "0000-00-00"},
        {"org_unit": "330411"},  # another county
        {"action": "create", "q": "\u202e" * 300},
    ):
        response = client.get("/audit/", params)
        assert response.status_code == 200, params
