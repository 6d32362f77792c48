"""The program office's pages: program and batch summaries, the pipeline with its bulk move, a selection's
lifecycle and tranches, the funding overview, and the talent page's programs."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Selection, SelectionEvent, Tranche

from ..conftest import choose_language
from ..matrix import version_of
from ..talents import factories as talent_factories
from . import factories


@pytest.fixture(autouse=True)
def _english(client) -> None:
    """Messages are checked by their English source text (the pages default to Chinese)."""
    choose_language(client, "en")


@pytest.fixture
def city_batch(units: dict[str, Any]) -> Any:
    return factories.batch(factories.program(units["330400"], name="创新嘉兴·精英引领计划", short_name="精英引领计划"))


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_program_page_counts_its_batches(client, people, units, city_batch) -> None:
    for status in ("applied", "applied", "selected", "landed", "exited"):
        item = factories.selection(city_batch, units["330402"], status=status, award_amount=Decimal("50"))
        if status != "applied":
            factories.tranche(item, amount=Decimal("10"), status="paid", paid_on="2025-07-01", voucher_no="V1")
    client.force_login(people["city_viewer"])
    response = client.get(reverse("programs:program_detail", args=[city_batch.program_id]))
    assert response.status_code == 200
    (batch,) = response.context["batches"]
    assert batch.figures["applied"] == 5
    assert batch.figures["selected"] == 3  # selected, landed and the one who exited since
    assert batch.figures["landed"] == 1
    assert batch.figures["exited"] == 1
    assert batch.figures["awarded"] == Decimal("150")
    assert batch.figures["paid"] == Decimal("30")


def test_pipeline_counts_and_filters(client, people, units, city_batch) -> None:
    for status in ("applied", "publicized", "publicized", "rejected"):
        factories.selection(city_batch, units["330402"], status=status)
    client.force_login(people["city_admin"])
    url = reverse("programs:batch_detail", args=[city_batch.pk])
    response = client.get(url)
    counts = {key: n for key, _label, n in response.context["stages"] + response.context["outcomes"]}
    assert counts["publicized"] == 2 and counts["applied"] == 1 and counts["rejected"] == 1
    filtered = client.get(url, {"tab": "pipeline", "status": "publicized"})
    assert {s.status for s in filtered.context["page"].object_list} == {"publicized"}
    # Filtered to a stage, the bulk move offers that stage's next steps.
    assert [key for key, _label in filtered.context["moves"]] == ["selected", "rejected"]


def test_bulk_move_moves_the_movable_and_names_the_rest(client, people, units, city_batch) -> None:
    ready = [
        factories.selection(city_batch, units["330402"], status="publicized", award_amount=Decimal("50"))
        for _ in range(3)
    ]
    early = factories.selection(city_batch, units["330411"], status="applied")
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("programs:batch_transition", args=[city_batch.pk]),
        {"ids": [s.pk for s in [*ready, early]], "to": "selected", "comment": "市人才工作领导小组审定"},
    )
    assert response.status_code == 302
    assert Selection.objects.filter(status="selected").count() == 3
    assert Selection.objects.get(pk=early.pk).status == "applied"
    messages = texts(response)
    assert any("3" in m for m in messages)
    assert any(str(early.applicant) in m and "moves only to" in m for m in messages)
    assert SelectionEvent.objects.filter(comment="市人才工作领导小组审定").count() == 3


def test_bulk_move_ignores_rows_of_other_batches(client, people, units, city_batch) -> None:
    elsewhere = factories.selection(factories.batch(city_batch.program), units["330402"])
    client.force_login(people["city_admin"])
    client.post(reverse("programs:batch_transition", args=[city_batch.pk]), {"ids": [elsewhere.pk], "to": "screened"})
    assert Selection.objects.get(pk=elsewhere.pk).status == "applied"


@pytest.mark.parametrize("persona", ["a_editor", "a_viewer", "reviewer", "city_viewer"])
def test_only_the_office_moves_selections(client, people, units, city_batch, persona) -> None:
    item = factories.selection(city_batch, units["330402"])
    client.force_login(people[persona])
    bulk = client.post(reverse("programs:batch_transition", args=[city_batch.pk]), {"ids": [item.pk], "to": "screened"})
    one = client.post(reverse("programs:selection_transition", args=[item.pk]), {"to": "screened"})
    assert bulk.status_code == 403 and one.status_code == 403
    assert Selection.objects.get(pk=item.pk).status == "applied"


def test_other_county_gets_404(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"])
    client.force_login(people["b_editor"])
    assert client.get(reverse("programs:selection_detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("programs:selection_transition", args=[item.pk]), {"to": "screened"}).status_code == 404
    response = client.get(reverse("programs:batch_detail", args=[city_batch.pk]))
    assert item not in response.context["page"].object_list


def test_selection_page_moves_and_records_the_timeline(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"], status="publicized")
    client.force_login(people["city_admin"])
    url = reverse("programs:selection_transition", args=[item.pk])
    refused = client.post(url, {"to": "landed"})
    assert "moves only to" in " ".join(texts(refused))
    client.post(url, {"to": "rejected"})  # no reason
    item.refresh_from_db()
    assert item.status == "publicized"
    client.post(url, {"to": "selected", "comment": "公示无异议", "award_amount": "80"})
    page = client.get(reverse("programs:selection_detail", args=[item.pk]))
    assert page.status_code == 200
    assert [e.to_status for e in page.context["events"]] == ["selected"]
    assert "公示无异议" in page.content.decode()
    item.refresh_from_db()
    assert (item.decided_on, item.award_amount) == (timezone.localdate(), Decimal("80"))


def test_tranches_on_the_selection_page(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100")
    client.force_login(people["city_admin"])
    add = reverse("programs:tranche_add", args=[item.pk])
    client.post(add, {"amount": "40", "condition": "on_signing", "planned_on": "2025-07-01"})
    over = client.post(add, {"amount": "70", "condition": "on_landing"}, follow=True)
    form = over.context["tranche_form"]  # back on the selection's page
    assert over.status_code == 200 and "more than the award" in str(form.errors["amount"])
    assert form["amount"].value() == "70"  # kept as typed
    (tranche,) = Tranche.objects.filter(selection=item)
    action = reverse("programs:tranche_action", args=[tranche.pk])
    early = client.post(action, {"action": "pay", "paid_on": "2025-07-02", "voucher_no": "JXCZ-1"})
    assert "approved before" in " ".join(texts(early))
    client.post(action, {"action": "approve"})
    client.post(action, {"action": "pay", "paid_on": "2025-07-02", "voucher_no": "JXCZ-1"})
    tranche.refresh_from_db()
    assert (tranche.status, tranche.voucher_no) == ("paid", "JXCZ-1")
    refused = client.post(action, {"action": "cancel"})
    assert "never changed" in " ".join(texts(refused))
    page = client.get(reverse("programs:selection_detail", args=[item.pk]))
    assert page.context["paid"] == Decimal("40") and page.context["left"] == Decimal("60")


def test_county_editor_sees_but_does_not_pay(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100")
    tranche = factories.tranche(item, status="approved")
    client.force_login(people["a_editor"])
    page = client.get(reverse("programs:selection_detail", args=[item.pk]))
    assert page.status_code == 200 and not page.context["can_decide"]
    assert 'value="pay"' not in page.content.decode()
    action = client.post(reverse("programs:tranche_action", args=[tranche.pk]), {"action": "cancel"})
    assert action.status_code == 403
    assert client.post(reverse("programs:tranche_add", args=[item.pk]), {"amount": "1"}).status_code == 403


def test_funding_overview(client, people, units, city_batch) -> None:
    today = timezone.localdate()
    a = factories.selected(city_batch, units["330402"], award="100")
    b = factories.selected(city_batch, units["330411"], award="100")
    factories.tranche(a, 1, amount=Decimal("30"), status="paid", paid_on="2025-07-01", voucher_no="V-A")
    factories.tranche(a, 2, amount=Decimal("20"), status="approved", planned_on=today + datetime.timedelta(days=10))
    factories.tranche(b, 1, amount=Decimal("50"), planned_on=today + datetime.timedelta(days=200))
    factories.tranche(b, 2, amount=Decimal("5"), status="cancelled")
    client.force_login(people["city_viewer"])
    response = client.get(reverse("programs:funding"), {"by": "county"})
    rows = {row["label"]: [c[0] for c in row["cells"]] for row in response.context["table"]}
    assert rows == {"南湖区": [0, Decimal("20"), Decimal("30")], "秀洲区": [Decimal("50"), 0, 0]}
    assert [t.amount for t in response.context["due"]] == [Decimal("20")]
    # Each figure links to the tranches it adds up.
    link = response.context["table"][0]["cells"][2][1]
    listed = client.get(reverse("programs:tranche_list") + "?" + link)
    assert [t.amount for t in listed.context["page"].object_list] == [Decimal("30")]
    for by in ("program", "batch", "year"):
        assert client.get(reverse("programs:funding"), {"by": by}).status_code == 200
    client.force_login(people["b_editor"])
    scoped = client.get(reverse("programs:funding"), {"by": "county"})
    assert [row["label"] for row in scoped.context["table"]] == ["秀洲区"]
    assert scoped.context["due"] == []


def test_funding_page_empty_state(client, people) -> None:
    client.force_login(people["a_viewer"])
    response = client.get(reverse("programs:funding"))
    assert response.status_code == 200
    assert "Tranches are planned on a selected talent's page" in response.content.decode()


def test_talent_page_and_list_show_programs(client, people, units, city_batch) -> None:
    chosen = factories.selected(city_batch, units["330402"])
    factories.tranche(chosen)
    other = talent_factories.talent(units["330402"])
    factories.selection(city_batch, units["330402"], talent=other)
    client.force_login(people["a_viewer"])
    page = client.get(reverse("talents:talent_detail", args=[chosen.talent_id]), {"tab": "programs"})
    assert page.context["selections"] == [chosen]
    assert "精英引领计划" in page.content.decode()
    listed = client.get(
        reverse("talents:talent_list"), {"program": city_batch.program_id, "selection_status": "selected"}
    )
    assert [t.pk for t in listed.context["page"].object_list] == [chosen.talent_id]
    both = client.get(reverse("talents:talent_list"), {"program": city_batch.program_id})
    assert {t.pk for t in both.context["page"].object_list} == {chosen.talent_id, other.pk}


def test_batch_page_queries_do_not_grow_with_selections(client, people, units, city_batch) -> None:
    people_a = [talent_factories.talent(units["330402"]) for _ in range(5)]
    for person in people_a:
        factories.selection(city_batch, units["330402"], talent=person)
    client.force_login(people["city_admin"])
    url = reverse("programs:batch_detail", args=[city_batch.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    statuses = ["applied", "screened", "publicized", "selected", "landed"]
    Selection.objects.bulk_create(
        Selection(
            batch=city_batch,
            org_unit=units["330411"],
            talent=talent_factories.talent(
                units["330411"], id_number=talent_factories.resident_id(birth), birth_date=birth
            ),
            status=statuses[i % 5],
            award_amount=Decimal("80") if i % 5 >= 3 else None,
        )
        for i, birth in enumerate(datetime.date(1980, 1, 1) + datetime.timedelta(days=d) for d in range(995))
    )
    assert Selection.objects.filter(batch=city_batch).count() == 1000
    for params in ({}, {"tab": "pipeline", "status": "selected"}, {"tab": "pipeline", "page": "3"}):
        with CaptureQueriesContext(connection) as many:
            response = client.get(url, params)
        assert response.status_code == 200 and len(response.context["page"].object_list) == 100
        assert len(many) <= len(few) + 1, [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as program_page:
        client.get(reverse("programs:program_detail", args=[city_batch.program_id]))
    assert len(program_page) <= len(few)


def test_a_tranche_waiting_for_its_condition_says_so(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100", status="landed")
    waiting = factories.tranche(item, 1, condition="midterm_pass")
    ready = factories.tranche(item, 2, condition="on_landing")
    client.force_login(people["city_admin"])
    page = client.get(reverse("programs:selection_detail", args=[item.pk]))
    html = page.content.decode()
    shown = {t.pk: t for t in page.context["tranches"]}
    assert "mid-term review" in shown[waiting.pk].waits_for
    assert shown[ready.pk].waits_for is None
    assert html.count('value="approve"') == 1


def test_id_filters_come_from_links_not_from_typing(client, people, units, city_batch) -> None:
    client.force_login(people["city_viewer"])
    page = client.get(reverse("programs:tranche_list"), {"batch": city_batch.pk})
    assert f'<input type="hidden" name="batch" value="{city_batch.pk}"' in page.content.decode()


def test_an_application_cannot_be_dated_in_the_future(client, api_client, people, units) -> None:
    batch = factories.batch(factories.program(units["330400"]), status="open")
    applicant = talent_factories.talent(units["330402"])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client.force_login(people["a_editor"])
    form = {"batch": batch.pk, "talent": applicant.pk, "org_unit": units["330402"].pk, "applied_on": tomorrow}
    response = client.post(reverse("programs:selection_create"), form)
    assert response.status_code == 200 and "future" in str(response.context["form"].errors["applied_on"])
    api_client.force_authenticate(people["a_editor"])
    answer = api_client.post(reverse("selection-list"), {**form, "org_unit": "330402"}, format="json")
    assert answer.status_code == 400 and "applied_on" in answer.json()
    assert not Selection.objects.exists()


def test_team_page_shows_its_programs(client, people, units, city_batch) -> None:
    leader = talent_factories.talent(units["330402"])
    team = talent_factories.team(units["330402"], leader)
    application = factories.selection(city_batch, units["330402"], team=team)
    client.force_login(people["a_editor"])
    page = client.get(reverse("talents:team_detail", args=[team.pk]), {"tab": "programs"})
    assert page.context["selections"] == [application]
    assert f"?team={team.pk}" in page.content.decode()
    detail = client.get(reverse("programs:selection_detail", args=[application.pk]))
    assert detail.status_code == 200 and team.get_absolute_url() in detail.content.decode()


def test_home_counts_funding_due_in_scope(client, people, units, city_batch) -> None:
    today = timezone.localdate()
    a = factories.selected(city_batch, units["330402"])
    b = factories.selected(city_batch, units["330411"])
    factories.tranche(a, 1, planned_on=today - datetime.timedelta(days=3))
    factories.tranche(a, 2, planned_on=today + datetime.timedelta(days=30), status="approved")
    factories.tranche(b, 1, planned_on=today + datetime.timedelta(days=30))
    client.force_login(people["a_editor"])  # a viewer's home is the cockpit
    response = client.get(reverse("home"))
    assert (response.context["due_tranches"], response.context["overdue_tranches"]) == (2, 1)
    client.force_login(people["city_admin"])
    assert client.get(reverse("home")).context["due_tranches"] == 3


def listed(client, url: str) -> list[Any]:
    return list(client.get(url).context["page"].object_list)


def test_every_funding_figure_opens_exactly_what_it_adds_up(client, people, units, city_batch) -> None:
    by_city = factories.selected(city_batch, units["330400"])
    by_county = factories.selected(city_batch, units["330402"])
    by_town = factories.selected(city_batch, units["330402001"])
    for item in (by_city, by_county, by_town):
        factories.tranche(item, 1, amount=Decimal("30"))
        factories.tranche(item, 2, amount=Decimal("50"), status="cancelled")
    client.force_login(people["city_viewer"])
    page = client.get(reverse("programs:funding"), {"by": "county"})
    for row in page.context["table"]:
        assert row["total"] == Decimal("30"), row["label"]
        tranches_listed = listed(client, reverse("programs:tranche_list") + "?" + row["query"])
        assert sum(t.amount for t in tranches_listed) == Decimal("30"), row["label"]
        planned = listed(client, reverse("programs:tranche_list") + "?" + row["cells"][0][1])
        assert sum(t.amount for t in planned) == row["cells"][0][0]


def test_an_invalid_funding_filter_sums_nothing(client, people, units, city_batch) -> None:
    factories.tranche(factories.selected(city_batch, units["330402"]))
    client.force_login(people["a_editor"])
    page = client.get(reverse("programs:funding"), {"org_unit": "330411"})
    assert page.status_code == 200 and page.context["table"] == [] and page.context["due_count"] == 0


def test_program_figures_open_the_selections_they_count(client, people, units, city_batch) -> None:
    for status in ("selected", "landed", "completed", "exited", "applied"):
        factories.selection(city_batch, units["330402"], status=status)
    client.force_login(people["city_admin"])
    (batch,) = client.get(reverse("programs:program_detail", args=[city_batch.program_id])).context["batches"]
    base = reverse("programs:selection_list") + f"?batch={city_batch.pk}"
    assert len(listed(client, base + "&reached=selected")) == batch.figures["selected"] == 4
    assert len(listed(client, base + "&reached=landed")) == batch.figures["landed"] == 2


@pytest.mark.parametrize(
    "url",
    [
        "/programs/funding/?paid_year=10000",
        "/programs/tranches/?paid_year=0",
        "/api/v1/tranches/?paid_year=10000",
        "/registry/talents/?landed_year=10000",
        "/platforms/platforms/?recognized_year=10000",
    ],
)
def test_impossible_years_are_refused_not_crashed(client, people, url) -> None:
    client.force_login(people["city_admin"])
    assert client.get(url).status_code in (200, 400)


def test_bulk_move_with_an_impossible_id(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"])
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("programs:batch_transition", args=[city_batch.pk]), {"ids": [str(2**63), item.pk], "to": "screened"}
    )
    assert response.status_code == 302 and texts(response)  # refused with a message, not a crash
    assert Selection.objects.get(pk=item.pk).status == "applied"


def test_a_move_by_someone_since_deleted_still_shows(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"], status="screened")
    SelectionEvent.objects.create(selection=item, from_status="applied", to_status="screened", by=None)
    client.force_login(people["city_admin"])
    page = client.get(reverse("programs:selection_detail", args=[item.pk]))
    assert page.status_code == 200 and "system" in page.content.decode()


def test_a_list_opened_from_a_link_says_what_limits_it(client, people, units, city_batch) -> None:
    client.force_login(people["city_viewer"])
    page = client.get(reverse("programs:selection_list"), {"batch": city_batch.pk, "status": "applied"})
    (shown,) = page.context["link_filters"]
    assert shown["value"] == str(city_batch) and shown["without"] == "status=applied"
    # A record outside the user's scope is not named.
    hidden = factories.batch(factories.program(units["330411"]))
    client.force_login(people["a_viewer"])
    page = client.get(reverse("programs:selection_list"), {"batch": hidden.pk})
    assert page.context["link_filters"][0]["value"] == f"#{hidden.pk}"
    bad = client.get(reverse("programs:selection_list"), {"batch": "abc"})
    assert bad.context["link_filters"][0]["errors"]


def test_correct_or_delete_a_planned_tranche(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100")
    planned = factories.tranche(item, 1, amount=Decimal("40"))
    paid = factories.tranche(item, 2, amount=Decimal("20"), status="paid", paid_on="2025-07-01", voucher_no="V")
    terms = reverse("programs:tranche_terms", args=[planned.pk])
    client.force_login(people["a_editor"])
    assert client.get(terms).status_code == 403
    client.force_login(people["city_admin"])
    assert client.get(terms).status_code == 200
    over = client.post(terms, {"amount": "90", "condition": "on_signing"})
    assert over.status_code == 200 and "more than the award" in str(over.context["form"].errors)
    done = client.post(terms, {"amount": "70", "condition": "on_landing", "planned_on": "2026-03-01"})
    assert done.status_code == 302
    planned.refresh_from_db()
    assert (planned.amount, planned.condition) == (Decimal("70"), "on_landing")
    refused = client.get(reverse("programs:tranche_terms", args=[paid.pk]))
    assert refused.status_code == 302 and "planned" in " ".join(texts(refused))
    client.post(reverse("programs:tranche_action", args=[planned.pk]), {"action": "delete"})
    assert not Tranche.objects.filter(pk=planned.pk).exists()
    client.post(reverse("programs:tranche_action", args=[paid.pk]), {"action": "delete"})
    assert Tranche.objects.filter(pk=paid.pk).exists()


def test_the_office_sees_the_quota_and_is_warned_past_it(client, people, units) -> None:
    batch = factories.batch(factories.program(units["330400"]), quota=2)
    factories.selection(batch, units["330402"], status="landed")
    ready = [
        factories.selection(batch, units["330402"], status="publicized", award_amount=Decimal("50")) for _ in range(2)
    ]
    client.force_login(people["city_admin"])
    page = client.get(reverse("programs:batch_detail", args=[batch.pk]))
    assert page.context["chosen"] == 1 and 'id="quota"' in page.content.decode()
    response = client.post(
        reverse("programs:batch_transition", args=[batch.pk]), {"ids": [s.pk for s in ready], "to": "selected"}
    )
    assert any("more than its quota of 2" in m for m in texts(response))
    client.force_login(people["a_viewer"])
    assert 'id="quota"' not in client.get(reverse("programs:batch_detail", args=[batch.pk])).content.decode()


def test_history_reads_labels_not_codes(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"])
    client.force_login(people["city_admin"])
    client.post(reverse("programs:selection_transition", args=[item.pk]), {"to": "screened"})
    page = client.get(reverse("programs:selection_detail", args=[item.pk]), {"tab": "history"})
    html = page.content.decode()
    assert "Passed screening" in html and ">screened<" not in html
    assert "+00:00" not in html


def test_funding_chart_stacks_money_without_empty_segments_and_links_each_bar(client, people, units, city_batch):
    a = factories.selected(city_batch, units["330402"], award="100")
    b = factories.selected(city_batch, units["330411"], award="100")
    factories.tranche(a, 1, amount=Decimal("30.50"), status="paid", paid_on="2025-07-01", voucher_no="V-A")
    factories.tranche(b, 1, amount=Decimal("50"))
    client.force_login(people["city_viewer"])
    page = client.get(reverse("programs:funding"), {"by": "county"})
    chart = page.context["chart"]
    assert chart["xAxis"]["data"] == ["南湖区", "秀洲区"] and chart["grid"]["containLabel"] is True
    assert "minInterval" not in chart["yAxis"]  # money keeps its decimals
    planned, approved, paid = (s["data"] for s in chart["series"])
    assert planned[0] is None and approved == [None, None] and paid[1] is None
    assert paid[0]["value"] == 30.5
    # The bar opens exactly the tranches it adds up, like the table's figure.
    listed_paid = listed(client, paid[0]["link"])
    assert [t.amount for t in listed_paid] == [Decimal("30.50")]
    assert [t.amount for t in listed(client, planned[1]["link"])] == [Decimal("50")]


def test_selection_page_asks_for_the_award_on_the_way_to_selected(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"], status="publicized")
    client.force_login(people["city_admin"])
    page = client.get(reverse("programs:selection_detail", args=[item.pk])).content.decode()
    assert 'name="award_amount"' in page
    url = reverse("programs:selection_transition", args=[item.pk])
    refused = client.post(url, {"to": "selected"}, follow=True)
    assert refused.status_code == 200 and "Award (10k yuan) is missing" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == "publicized"
    wrong = client.post(url, {"to": "selected", "award_amount": "abc"}, follow=True)
    assert wrong.status_code == 200 and "award (10k yuan)" in wrong.content.decode().lower()
    # An award typed with a rejection is not kept: it comes with the move into the funded stages only.
    client.post(url, {"to": "selected", "award_amount": "120"})
    item.refresh_from_db()
    assert (item.status, item.award_amount) == ("selected", Decimal("120"))
    after = client.get(reverse("programs:selection_detail", args=[item.pk])).content.decode()
    assert 'name="award_amount"' not in after  # selected with its award: landing needs nothing more


def test_a_rejection_does_not_take_an_award_typed_by_mistake(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"], status="publicized")
    client.force_login(people["city_admin"])
    url = reverse("programs:selection_transition", args=[item.pk])
    client.post(url, {"to": "rejected", "reason": "答辩未通过", "award_amount": "120"})
    item.refresh_from_db()
    assert (item.status, item.award_amount) == ("rejected", None)


def test_bulk_move_to_selected_names_the_rows_without_an_award(client, people, units, city_batch) -> None:
    awarded = factories.selection(city_batch, units["330402"], status="publicized", award_amount=Decimal("50"))
    bare = factories.selection(city_batch, units["330402"], status="publicized")
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("programs:batch_transition", args=[city_batch.pk]), {"ids": [awarded.pk, bare.pk], "to": "selected"}
    )
    assert response.status_code == 302
    assert Selection.objects.get(pk=awarded.pk).status == "selected"
    assert Selection.objects.get(pk=bare.pk).status == "publicized"
    assert any(str(bare.applicant) in m and "Award (10k yuan) is missing" in m for m in texts(response))


def test_the_award_is_not_emptied_once_selected(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100")
    client.force_login(people["city_admin"])
    form = {
        "batch": city_batch.pk,
        "talent": item.talent_id,
        "org_unit": units["330402"].pk,
        "applied_on": "2025-03-01",
        "award_amount": "",
    }
    form["_version"] = version_of(client.get(reverse("programs:selection_edit", args=[item.pk])).content.decode())
    response = client.post(reverse("programs:selection_edit", args=[item.pk]), form)
    assert response.status_code in (200, 422)
    assert "cannot be left empty" in str(response.context["form"].errors["award_amount"])
    assert Selection.objects.get(pk=item.pk).award_amount == Decimal("100")


def test_pipeline_offers_only_the_moves_of_its_rows(client, people, units, city_batch) -> None:
    applied = factories.selection(city_batch, units["330402"])
    client.force_login(people["city_admin"])
    url = reverse("programs:batch_detail", args=[city_batch.pk])
    page = client.get(url)
    assert [key for key, _label in page.context["moves"]] == ["screened", "rejected"]
    html = page.content.decode()
    assert f'value="{applied.pk}" aria-label="{applied.applicant}" data-moves="screened rejected"' in html
    assert 'data-moves-from="#selection-table input[name=ids]"' in html
    assert '<option value="selected">' not in html and '<option value="completed">' not in html
    landed = factories.selection(city_batch, units["330402"], status="landed", award_amount=Decimal("10"))
    moves = [key for key, _label in client.get(url).context["moves"]]
    assert moves == ["screened", "midterm_passed", "midterm_failed", "rejected", "exited"]
    assert 'data-moves="midterm_passed midterm_failed exited"' in client.get(url).content.decode()
    # The server still refuses what a row cannot do, whatever the page offered.
    response = client.post(
        reverse("programs:batch_transition", args=[city_batch.pk]), {"ids": [applied.pk, landed.pk], "to": "screened"}
    )
    assert Selection.objects.get(pk=landed.pk).status == "landed"
    assert any(str(landed.applicant) in m for m in texts(response))


def test_a_refused_tranche_is_shown_on_the_selection_page(client, people, units, city_batch) -> None:
    item = factories.selected(city_batch, units["330402"], award="100")
    factories.tranche(item, 1, amount=Decimal("80"))
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("programs:tranche_add", args=[item.pk]), {"amount": "30", "condition": "on_signing"}, follow=True
    )
    (redirect, _status), *_rest = response.redirect_chain
    assert redirect.startswith(reverse("programs:selection_detail", args=[item.pk]))
    assert response.status_code == 200 and response.templates[0].name == "registry/detail.html"
    html = response.content.decode()
    assert "more than the award" in html and 'value="30"' in html
    active = re.findall(r'class="nav-link active" href="(/[^"]*)"', html)
    assert active == [reverse("programs:selection_list")]  # Selections, not Funding tranches
    assert Tranche.objects.filter(selection=item).count() == 1
    # The form comes back once: the page opened again is clean.
    again = client.get(reverse("programs:selection_detail", args=[item.pk])).content.decode()
    assert "more than the award" not in again


def test_a_tranche_refused_before_the_award_is_shown_too(client, people, units, city_batch) -> None:
    item = factories.selection(city_batch, units["330402"], status="selected", decided_on="2025-06-01")
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("programs:tranche_add", args=[item.pk]), {"amount": "", "condition": "nonsense"}, follow=True
    )
    assert response.status_code == 200 and response.context["tranche_form"].errors
    response = client.post(
        reverse("programs:tranche_add", args=[item.pk]), {"amount": "10", "condition": "on_signing"}, follow=True
    )
    assert "Set the selection&#x27;s award before planning its tranches." in response.content.decode()
