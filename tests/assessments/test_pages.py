"""The assessment's workflow and results pages, as each persona uses them: the dashboard, an assessee's result,
the submission page (filling in and reviewing), the scheme's moves and copy, and the targets grid.

The scheme is built as the office builds it and opened through ``services.transition``; values, marks and
targets go through the pages, so the tests walk the real flow.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import rules, services
from assessments.models import Assessee, Entry, Evidence, Group, Indicator, Mark, Scheme, Submission, Target
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import OrgUnit, User
from tests.talents import factories as talent_factories

YEAR = 2026
NANHU, XIUZHOU = "330402", "330411"


def leaf(
    scheme: Scheme, parent: Indicator, code: str, name: str, points: int, rule: dict, source: str, **extra
) -> Indicator:
    max_points = Decimal(points)
    return Indicator.objects.create(
        scheme=scheme, parent=parent, code=code, name=name, level=parent.level + 1, max_points=max_points,
        rule=rules.clean_rule(rule, max_points), source=source, order=int(code.replace(".", "")), **extra,
    )  # fmt: skip


def county_scheme(city: OrgUnit, year: int = YEAR, name: str = "县（市、区）人才工作考核") -> Scheme:
    """A small county scheme: a metric line, a reviewers' line, an entered line, a bonus and a veto."""
    scheme = Scheme.objects.create(year=year, name=name, group=Group.COUNTY, org_unit=city)
    growth = Indicator.objects.create(scheme=scheme, code="1", name="人才引育", level=1, max_points=10, order=1)
    service = Indicator.objects.create(scheme=scheme, code="2", name="人才服务", level=1, max_points=5, order=2)
    bonus = Indicator.objects.create(scheme=scheme, code="3", name="加分项", level=1, max_points=3, order=3)
    veto = Indicator.objects.create(scheme=scheme, code="4", name="一票否决", level=1, max_points=0, order=4)
    leaf(
        scheme,
        growth,
        "1.1",
        "新引进人才",
        6,
        {"kind": "proportional"},
        "metric",
        metric={"code": "talents.landed"},
        unit="人",
    )
    leaf(scheme, growth, "1.2", "人才工作创新", 4, {"kind": "manual"}, "reviewed")
    leaf(scheme, service, "2.1", "人才公寓", 5, {"kind": "threshold"}, "entered", unit="套")
    leaf(
        scheme,
        bonus,
        "3.1",
        "国家级荣誉",
        3,
        {"kind": "bonus", "levels": {"national": 3, "provincial": 2, "municipal": 1}},
        "events",
    )
    leaf(scheme, veto, "4.1", "重大失误", 0, {"kind": "veto"}, "events")
    return scheme


def open_scheme(scheme: Scheme, admin: User, targets: dict[str, int] | None = None) -> Scheme:
    actor = Actor(user=admin, source=Source.FORM)
    scheme = services.transition(scheme, Scheme.Status.OPEN, actor)
    indicator = scheme.indicators.get(code="1.1")
    for assessee in scheme.assessees.all():
        services.set_target(indicator, assessee, Decimal((targets or {}).get(assessee.key, 10)), actor)
    services.set_target(scheme.indicators.get(code="2.1"), scheme.assessees.get(key=NANHU), Decimal(3), actor)
    return scheme


def landed(unit: OrgUnit, count: int, year: int = YEAR) -> None:
    for n in range(count):
        talent_factories.talent(unit, landed_on=datetime.date(year, 3, 1 + n))


@pytest.fixture
def scheme(units, people) -> Scheme:
    landed(units[NANHU], 7)
    landed(units[XIUZHOU], 10)
    return open_scheme(county_scheme(units["330400"]), people["city_admin"])


def assessee(scheme: Scheme, key: str) -> Assessee:
    return scheme.assessees.get(key=key)


def submission_url(scheme: Scheme, key: str) -> str:
    return reverse(
        "assessments:submission_detail", args=[Submission.objects.get(assessee__scheme=scheme, assessee__key=key).pk]
    )


def result_url(scheme: Scheme, key: str) -> str:
    return reverse("assessments:result_detail", args=[scheme.pk, assessee(scheme, key).pk])


def publish(scheme: Scheme, admin: User) -> Scheme:
    actor = Actor(user=admin, source=Source.FORM)
    scheme = services.transition(scheme, Scheme.Status.REVIEW, actor)
    Submission.objects.filter(assessee__scheme=scheme).update(status=Submission.Status.ACCEPTED)
    services.transition(scheme, Scheme.Status.FINAL, actor)
    return services.transition(scheme, Scheme.Status.PUBLISHED, actor)


# --- the dashboard ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_xiuzhou", "sees_moves"),
    [("city_admin", True, True), ("city_viewer", True, False), ("reviewer", True, False), ("a_editor", False, False)],
)
def test_dashboard_before_publication_shows_the_whole_ranking_to_the_office_only(
    client, people, scheme, persona, sees_xiuzhou, sees_moves
) -> None:
    client.force_login(people[persona])
    response = client.get(reverse("assessments:dashboard"), {"scheme": scheme.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "南湖区" in html
    assert ("秀洲区" in html) is sees_xiuzhou
    assert 'id="provisional"' in html
    assert ('data-move="review"' in html) is sees_moves
    assert response.context["whole"] is sees_xiuzhou


def test_a_county_sees_the_whole_ranking_once_published_but_opens_only_its_own_result(client, people, scheme) -> None:
    publish(scheme, people["city_admin"])
    client.force_login(people["a_editor"])
    response = client.get(reverse("assessments:dashboard"), {"scheme": scheme.pk})
    html = response.content.decode()
    assert "秀洲区" in html and 'id="provisional"' not in html
    assert result_url(scheme, NANHU) in html
    assert result_url(scheme, XIUZHOU) not in html
    assert client.get(result_url(scheme, XIUZHOU)).status_code == 404


def test_dashboard_ranks_with_the_change_against_last_years_published_scheme(client, people, units) -> None:
    landed(units[NANHU], 2, YEAR - 1)
    landed(units[XIUZHOU], 9, YEAR - 1)
    last = publish(open_scheme(county_scheme(units["330400"], YEAR - 1), people["city_admin"]), people["city_admin"])
    landed(units[NANHU], 10)
    this = open_scheme(county_scheme(units["330400"]), people["city_admin"])
    client.force_login(people["city_viewer"])
    response = client.get(reverse("assessments:dashboard"), {"scheme": this.pk})
    assert response.context["last_scheme"] == last
    rows = {row.result.assessee.key: row for row, _link in response.context["rows"]}
    # 南湖区: 2 of 10 last year (1.20 points), 10 of 10 now (6.00); 秀洲区 9 → 0 landed this year.
    assert rows[NANHU].total_change == Decimal("4.80")
    assert rows[NANHU].rank_change == 1
    assert rows[XIUZHOU].rank_change < 0
    # Points within reach: 秀洲区 reaching its 1.1 target gains the whole 6 points.
    reach = {r.result.assessee.key: r for r, _link in response.context["reach"]}
    assert [(line.indicator, line.lost) for line in reach[XIUZHOU].lines] == [("1.1", Decimal("6.00"))]
    # A county sees its own change in score, but not in rank: that would tell its place before publication.
    client.force_login(people["a_editor"])
    page = client.get(reverse("assessments:dashboard"), {"scheme": this.pk}).content.decode()
    assert "+4.80" in page
    assert "名次变化" not in page and "▲" not in page


def test_an_unknown_or_unseen_scheme_is_404(client, people, units) -> None:
    draft = county_scheme(units["330400"])
    client.force_login(people["a_editor"])  # a county sees no draft of the city's
    assert client.get(reverse("assessments:dashboard"), {"scheme": draft.pk}).status_code == 404


# --- one assessee's result ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "key", "status"),
    [
        ("city_admin", NANHU, 200),
        ("city_viewer", XIUZHOU, 200),
        ("a_editor", NANHU, 200),
        ("a_viewer", NANHU, 200),
        ("a_editor", XIUZHOU, 404),
        ("b_editor", NANHU, 404),
    ],
)
def test_result_page_is_open_to_the_office_and_the_assessees_own_users(client, people, scheme, persona, key, status):
    client.force_login(people[persona])
    assert client.get(result_url(scheme, key)).status_code == status


def test_result_page_explains_each_line_and_links_the_actual_to_its_records(client, people, scheme) -> None:
    client.force_login(people["a_editor"])
    response = client.get(result_url(scheme, NANHU))
    html = response.content.decode()
    line = next(line for line in response.context["result"].lines if line.indicator == "1.1")
    assert line.actual == 7 and line.points == Decimal("4.20")
    assert line.records_url and line.records_url in html.replace("&amp;", "&")
    assert line.explanation in html
    assert 'id="rank"' not in html  # a county sees no rank before publication
    records = client.get(line.records_url)
    assert records.status_code == 200 and records.context["page"].paginator.count == 7


def test_a_published_result_notes_the_live_total_when_the_registry_moved(client, people, units, scheme) -> None:
    publish(scheme, people["city_admin"])
    client.force_login(people["city_admin"])
    assert 'id="drift"' not in client.get(result_url(scheme, NANHU)).content.decode()
    landed(units[NANHU], 1)
    response = client.get(result_url(scheme, NANHU))
    assert response.context["result"].total == Decimal("4.20")
    assert response.context["live_total"] == Decimal("4.80")
    assert 'id="drift"' in response.content.decode()


# --- the submission page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "key", "status", "fills"),
    [
        ("a_editor", NANHU, 200, True),
        ("a_admin", NANHU, 200, True),
        ("a_viewer", NANHU, 200, False),
        ("city_viewer", NANHU, 200, False),
        ("reviewer", NANHU, 200, False),
        ("b_editor", NANHU, 404, False),
        ("a_editor", XIUZHOU, 404, False),
    ],
)
def test_submission_page_by_persona(client, people, scheme, persona, key, status, fills) -> None:
    client.force_login(people[persona])
    response = client.get(submission_url(scheme, key))
    assert response.status_code == status
    if status == 200:
        assert ('id="submit-button"' in response.content.decode()) is fills


def test_the_county_enters_attaches_and_submits_and_sees_its_provisional_score(client, people, scheme) -> None:
    url = submission_url(scheme, NANHU)
    apartments = scheme.indicators.get(code="2.1")
    client.force_login(people["a_editor"])
    response = client.post(
        url, {"action": "entries", f"value_{apartments.pk}": "4", f"note_{apartments.pk}": "人才公寓"}
    )
    assert response.status_code == 302
    assert Entry.objects.get(indicator=apartments).value == 4
    upload = SimpleUploadedFile("公寓清单.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert client.post(url, {"action": "evidence", "indicator": apartments.pk, "file": upload}).status_code == 302
    page = client.get(url)
    assert page.context["provisional"].total == Decimal("9.20")  # 4.20 + 5 (4 apartments against a target of 3)
    assert "公寓清单.pdf" in page.content.decode()
    assert client.post(url, {"action": "submit"}).status_code == 302
    assert Submission.objects.get(assessee__key=NANHU, assessee__scheme=scheme).status == "submitted"
    # Submitted: further values are refused, with the service's message, and nothing changes.
    response = client.post(url, {"action": "entries", f"value_{apartments.pk}": "9"})
    assert response.status_code == 400
    assert "只有审核人员退回" in response.content.decode()
    assert Entry.objects.get(indicator=apartments).value == 4
    assert 'id="history"' in page.content.decode()


def test_county_b_never_reaches_county_as_evidence(client, people, scheme) -> None:
    url = submission_url(scheme, NANHU)
    apartments = scheme.indicators.get(code="2.1")
    client.force_login(people["a_editor"])
    upload = SimpleUploadedFile("证明.pdf", b"%PDF-1.4", content_type="application/pdf")
    client.post(url, {"action": "evidence", "indicator": apartments.pk, "file": upload})
    evidence = Evidence.objects.get(submission__assessee__key=NANHU)
    assert client.get(reverse("assessments:evidence_file", args=[evidence.pk])).status_code == 200
    client.force_login(people["b_editor"])
    assert client.get(reverse("assessments:evidence_file", args=[evidence.pk])).status_code == 404
    assert client.post(url, {"action": "submit"}).status_code == 404


@pytest.mark.parametrize(
    ("persona", "action"), [("city_viewer", "submit"), ("a_viewer", "entries"), ("a_editor", "accept")]
)
def test_actions_outside_ones_role_are_forbidden(client, people, scheme, persona, action) -> None:
    client.force_login(people[persona])
    assert client.post(submission_url(scheme, NANHU), {"action": action}).status_code == 403


def test_the_reviewer_returns_marks_and_the_office_accepts(client, people, scheme) -> None:
    url = submission_url(scheme, NANHU)
    innovation = scheme.indicators.get(code="1.2")
    client.force_login(people["a_editor"])
    client.post(url, {"action": "submit"})
    client.force_login(people["reviewer"])
    refused = client.post(url, {"action": "return", "comment": " "})
    assert refused.status_code == 400
    too_many = client.post(url, {"action": "mark", "indicator": innovation.pk, f"mark{innovation.pk}-points": "5"})
    assert too_many.status_code == 400 and "0 到 4.00" in too_many.content.decode()
    assert not Mark.objects.exists()
    assert (
        client.post(url, {"action": "mark", "indicator": innovation.pk, f"mark{innovation.pk}-points": "3"}).status_code
        == 302
    )
    assert Mark.objects.get().points == 3
    assert client.post(url, {"action": "return", "comment": "请补充公寓清单"}).status_code == 302
    assert Submission.objects.get(pk=Mark.objects.get().submission_id).status == "returned"
    client.force_login(people["a_editor"])
    assert "请补充公寓清单" in client.get(url).content.decode()
    client.post(url, {"action": "submit"})
    client.force_login(people["city_admin"])
    assert client.post(url, {"action": "accept"}).status_code == 302
    assert Submission.objects.get(pk=Mark.objects.get().submission_id).status == "accepted"


def test_claimed_event_is_verified_and_counts(client, people, scheme) -> None:
    url = submission_url(scheme, NANHU)
    honour = scheme.indicators.get(code="3.1")
    client.force_login(people["a_editor"])
    data = {"action": "event", "indicator": honour.pk, "occurred_on": "2026-05-01", "description": "入选国家级计划"}
    refused = client.post(url, data)  # a bonus needs its level
    assert refused.status_code == 400 and not scheme.events.exists()
    assert client.post(url, {**data, "level": "national", "key": "T1"}).status_code == 302
    event = scheme.events.get()
    client.force_login(people["reviewer"])
    assert (
        client.post(url, {"action": "decide", "event": event.pk, f"event{event.pk}-verified": "1"}).status_code == 302
    )
    assert client.get(url).context["provisional"].total == Decimal("7.20")  # 4.20 + 3 bonus


# --- the scheme's moves, copy and targets -------------------------------------------------------------------


def test_transition_and_reopening_need_an_admin_and_a_reason(client, people, scheme) -> None:
    move = reverse("assessments:scheme_transition", args=[scheme.pk])
    client.force_login(people["city_viewer"])
    assert client.post(move, {"to": "review"}).status_code == 403
    client.force_login(people["b_editor"])
    assert client.post(move, {"to": "review"}).status_code == 403
    client.force_login(people["city_admin"])
    response = client.post(move, {"to": "final"}, follow=True)
    assert "不能从" in response.content.decode()
    assert client.post(move, {"to": "review"}).status_code == 302
    Submission.objects.filter(assessee__scheme=scheme).update(status=Submission.Status.ACCEPTED)
    client.post(move, {"to": "final"})
    response = client.post(move, {"to": "review", "reason": ""}, follow=True)
    assert Scheme.objects.get(pk=scheme.pk).status == "final"
    assert "说明重新开放的原因" in response.content.decode()
    client.post(move, {"to": "review", "reason": "秀洲区数据更正"})
    assert Scheme.objects.get(pk=scheme.pk).status == "review"


def test_copy_to_a_new_year_with_targets(client, people, scheme) -> None:
    client.force_login(people["city_admin"])
    response = client.post(
        reverse("assessments:scheme_copy", args=[scheme.pk]),
        {"year": 2027, "name": "2027年度考核", "with_targets": "on"},
    )
    copy = Scheme.objects.get(year=2027)
    assert response.status_code == 302 and f"scheme={copy.pk}" in response["Location"]
    assert copy.status == "draft" and copy.indicators.count() == scheme.indicators.count()
    assert (
        Target.objects.filter(indicator__scheme=copy).count() == Target.objects.filter(indicator__scheme=scheme).count()
    )


def test_targets_grid_saves_changed_cells_and_refuses_a_bad_one_whole(client, people, scheme) -> None:
    url = reverse("assessments:targets_grid", args=[scheme.pk])
    landed_line = scheme.indicators.get(code="1.1")
    nanhu, xiuzhou = assessee(scheme, NANHU), assessee(scheme, XIUZHOU)
    client.force_login(people["a_editor"])
    assert client.post(url, {f"cell-{landed_line.pk}-{nanhu.pk}": "1"}).status_code == 403
    client.force_login(people["city_admin"])
    page = client.get(url)
    assert f'name="cell-{landed_line.pk}-{nanhu.pk}" value="10"' in page.content.decode()
    bad = {f"cell-{landed_line.pk}-{nanhu.pk}": "12", f"cell-{landed_line.pk}-{xiuzhou.pk}": "十二"}
    response = client.post(url, bad)
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    assert Target.objects.get(indicator=landed_line, assessee=nanhu).value == 10
    assert client.post(url, {**bad, f"cell-{landed_line.pk}-{xiuzhou.pk}": "15"}).status_code == 302
    assert Target.objects.get(indicator=landed_line, assessee=nanhu).value == 12
    assert Target.objects.get(indicator=landed_line, assessee=xiuzhou).value == 15


def test_targets_grid_is_read_only_once_final(client, people, scheme) -> None:
    publish(scheme, people["city_admin"])
    client.force_login(people["city_admin"])
    html = client.get(reverse("assessments:targets_grid", args=[scheme.pk])).content.decode()
    assert 'name="cell-' not in html


def test_side_navigation_leads_to_the_dashboard(client, people) -> None:
    client.force_login(people["a_viewer"])
    response = client.get(reverse("assessments:dashboard"))
    assert response.status_code == 200
    assert f'href="{reverse("assessments:dashboard")}"' in response.content.decode()


def test_evidence_is_held_to_the_upload_limit(client, people, scheme, settings) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 4
    apartments = scheme.indicators.get(code="2.1")
    client.force_login(people["a_editor"])
    upload = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4 too long", content_type="application/pdf")
    response = client.post(
        submission_url(scheme, NANHU), {"action": "evidence", "indicator": apartments.pk, "file": upload}
    )
    assert response.status_code == 400 and "最多接受" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_scheme_page_gets_a_workflow_tab_with_the_submissions(rf, people, scheme) -> None:
    from django.template.loader import render_to_string

    from talentportal.registry.base import ADDED_TABS

    tab = next(t for t in ADDED_TABS["assessments.scheme"] if t.slug == "workflow")
    request = rf.get("/")
    request.user = people["city_admin"]
    assert tab.context is not None
    html = render_to_string(tab.template, tab.context(request, scheme), request=request)
    assert submission_url(scheme, XIUZHOU) in html and 'data-move="review"' in html
    request.user = people["a_editor"]
    html = render_to_string(tab.template, tab.context(request, scheme), request=request)
    assert submission_url(scheme, NANHU) in html and submission_url(scheme, XIUZHOU) not in html
    assert "data-move" not in html
