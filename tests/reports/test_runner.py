"""The report runner, with a throw-away kind: parameters checked before anything is queued, the report built as
the requester (scoped as their pages), the file and the print view drawn from what the job keeps, the history,
the API, templates and schedules."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from talentportal.jobs.models import Job, ReportSchedule
from talentportal.jobs.reports import services
from talentportal.jobs.reports.document import (
    COUNT,
    MONEY,
    NUMBER,
    PERCENT,
    TEXT,
    Document,
    Section,
    Table,
    format_cell,
)
from talentportal.jobs.reports.kinds import (
    REPORTS,
    ReportKind,
)
from talentportal.jobs.reports.workbook import sheet_name, write_workbook
from talentportal.orgs.models import OrgUnit

CITY, NANHU, XIUZHOU = "330400", "330402", "330411"


@pytest.fixture
def test_kind() -> ReportKind:
    return REPORTS["test_units"]


@pytest.fixture
def admin_only_kind() -> ReportKind:
    return REPORTS["test_admin"]


PARAMS = {"year": 2025, "quarter": 2, "org_unit": NANHU}


def finish(job: Job) -> Job:
    """Run the queued job's report in this process, as the task body runs it in a worker."""
    services.run(job)
    job.refresh_from_db()
    return job


def test_start_queues_a_job_with_the_checked_parameters(test_kind, people) -> None:
    job = services.report_start(kind="test_units", params={**PARAMS, "year": "2025"}, acting_user=people["a_viewer"])
    assert job.kind == services.KIND
    assert job.params["report"] == "test_units"
    assert job.params["params"] == {"year": 2025, "quarter": 2, "org_unit": NANHU}
    assert job.created_by == people["a_viewer"]


def test_a_period_not_given_is_the_last_that_has_ended(test_kind, people) -> None:
    today = timezone.localdate()
    job = services.report_start(kind="test_units", params={"org_unit": NANHU}, acting_user=people["a_viewer"])
    assert (job.params["params"]["year"], job.params["params"]["quarter"]) in {
        (today.year, (today.month - 1) // 3),
        (today.year - 1, 4),
    }
    annual = services.report_start(kind="annual", params={}, acting_user=people["a_viewer"])
    assert annual.params["params"] == {"year": today.year - 1, "org_unit": NANHU}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({**PARAMS, "year": "abc"}, "year"),
        ({**PARAMS, "year": 99999}, "year"),
        ({**PARAMS, "quarter": 5}, "quarter"),
        ({**PARAMS, "year": timezone.localdate().year + 1}, "quarter"),
        ({**PARAMS, "org_unit": "nope\x00"}, "org_unit"),
        ({**PARAMS, "year": None}, "year"),
    ],
)
def test_bad_parameters_are_refused_before_any_job(test_kind, people, params, field) -> None:
    with pytest.raises(services.ParamsRefused) as refused:
        services.report_start(kind="test_units", params=params, acting_user=people["a_viewer"])
    assert field in refused.value.message_dict
    assert not Job.objects.exists()


def test_another_countys_unit_is_not_found(test_kind, people) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        services.report_start(kind="test_units", params={**PARAMS, "org_unit": XIUZHOU}, acting_user=people["a_viewer"])
    assert not Job.objects.exists()


def test_a_kind_the_user_may_not_run_is_refused(admin_only_kind, people) -> None:
    with pytest.raises(services.ParamsRefused) as refused:
        services.report_start(kind="test_admin", params=PARAMS, acting_user=people["a_viewer"])
    assert "kind" in refused.value.message_dict
    assert services.report_start(kind="test_admin", params=PARAMS, acting_user=people["a_admin"]).pk


def test_the_report_is_built_as_the_requester_and_kept(test_kind, people, units) -> None:
    job = finish(
        services.report_start(kind="test_units", params={**PARAMS, "org_unit": ""}, acting_user=people["a_viewer"])
    )
    assert job.result["report"] == "test_units"
    document = services.document_of(job)
    assert document is not None
    names = [row[0] for row in document.section("units").table("units").rows]
    expected = list(
        OrgUnit.objects.filter(path__startswith=units[NANHU].path).order_by("code").values_list("name", flat=True)
    )
    assert names == expected  # the viewer's own county by default, and nothing outside it
    assert units[XIUZHOU].name not in json.dumps(job.result, ensure_ascii=False)
    book = load_workbook(io.BytesIO(job.result_file.read()))
    sheet = book["各单位"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header_at = next(i for i, row in enumerate(values) if row[:2] == ["单位", "代码长度"])
    assert [row[0] for row in values[header_at + 1 : header_at + 1 + len(names)]] == names
    assert sheet.freeze_panes == f"B{header_at + 2}"
    assert sheet.cell(header_at + 2, 3).number_format == "#,##0.00"
    (chart,) = sheet._charts  # a native chart over the table's own cells
    first, last = header_at + 2, header_at + 1 + len(names)
    assert chart.series[0].val.numRef.f == f"'各单位'!$B${first}:$B${last}"
    assert chart.series[0].cat.strRef.f == f"'各单位'!$A${first}:$A${last}"


def test_a_unit_that_left_the_scope_since_fails_the_job(test_kind, people, units) -> None:
    job = services.report_start(kind="test_units", params=PARAMS, acting_user=people["a_viewer"])
    membership = people["a_viewer"].membership
    membership.org_unit = units[XIUZHOU]
    membership.save()
    people["a_viewer"].refresh_from_db()
    from django.http import Http404

    with pytest.raises(Http404):
        services.run(Job.objects.get(pk=job.pk))
    assert not Job.objects.get(pk=job.pk).result_file


def test_pages_run_a_report_and_show_history_and_print_view(test_kind, client, people) -> None:
    client.force_login(people["a_viewer"])
    page = client.get(reverse("reports:home"), {"kind": "test_units"})
    assert page.status_code == 200
    assert "Test units" in page.content.decode() or "test_units" in page.content.decode()
    refused = client.post(reverse("reports:home"), {"kind": "test_units", **PARAMS, "quarter": "9"})
    assert refused.status_code == 200 and not Job.objects.exists()
    hidden = client.post(reverse("reports:home"), {"kind": "test_units", **PARAMS, "org_unit": XIUZHOU})
    assert hidden.status_code == 404 and not Job.objects.exists()
    response = client.post(reverse("reports:home"), {"kind": "test_units", **PARAMS})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert client.get(reverse("reports:print", args=[job.pk])).status_code == 404  # not built yet
    finish(job)
    history = client.get(reverse("reports:home")).content.decode()
    assert reverse("reports:print", args=[job.pk]) in history
    printed = client.get(reverse("reports:print", args=[job.pk])).content.decode()
    assert "测试报表" in printed and 'data-chart="chart-units-bars"' in printed
    assert '<td class="text-end text-nowrap">9.00</td>' in printed  # money with two decimals
    assert client.get(reverse("jobs:download", args=[job.pk, "result"])).status_code == 200
    client.force_login(people["b_editor"])
    assert client.get(reverse("reports:print", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:download", args=[job.pk, "result"])).status_code == 404


def test_api_posts_a_report_and_refuses_bad_parameters(test_kind, api_client, people) -> None:
    api_client.force_authenticate(people["a_viewer"])
    url = "/api/v1/reports/"
    bad = api_client.post(url, {"kind": "test_units", "params": {**PARAMS, "quarter": 0}}, format="json")
    assert bad.status_code == 400 and "quarter" in bad.json()["params"]
    assert api_client.post(url, {"kind": "nope", "params": {}}, format="json").status_code == 400
    assert api_client.post(url, {"kind": "test_units", "params": "x"}, format="json").status_code == 400
    other = api_client.post(url, {"kind": "test_units", "params": {**PARAMS, "org_unit": XIUZHOU}}, format="json")
    assert other.status_code == 404
    assert not Job.objects.exists()
    started = api_client.post(url, {"kind": "test_units", "params": PARAMS}, format="json")
    assert started.status_code == 202, started.content
    job_id = started.json()["id"]
    finish(Job.objects.get(pk=job_id))
    job = api_client.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "succeeded" or job["result_file"]
    assert job["result_file"].endswith(f"/jobs/{job_id}/download/result/")
    assert job["print_view"].endswith(f"/reports/{job_id}/print/")
    assert "document" not in job["result"]
    listed = api_client.get(url).json()
    assert [row["id"] for row in listed["results"]] == [job_id]
    kinds = api_client.get(url + "kinds/").json()
    assert "test_units" in [k["kind"] for k in kinds]
    api_client.force_authenticate(people["b_editor"])
    assert api_client.get(url).json()["count"] == 0


def test_formats_and_sheet_names() -> None:
    assert format_cell(1234.5, MONEY) == "1,234.50"
    assert format_cell(12.345, PERCENT) == "12.3%"
    assert format_cell(12345, COUNT) == "12,345"
    assert format_cell(None, COUNT) == "—"
    taken: set[str] = set()
    assert sheet_name("a/b:c", taken) == "a b c"
    assert sheet_name("A/B:C", taken) == "A B C (2)"
    assert len(sheet_name("长" * 40, taken)) == 31


def test_schedules_run_the_period_that_just_ended(test_kind, people) -> None:
    tz = timezone.get_current_timezone()
    after = datetime.datetime(2026, 3, 20, 12, tzinfo=tz)
    first = services.next_run_at("quarter", 5, after)
    assert timezone.localtime(first).date() == datetime.date(2026, 4, 5)
    assert services.reported_period(REPORTS["test_units"], first) == {"year": 2026, "quarter": 1}
    # A monthly run covers the last quarter that has ended, never the one still running; a yearly kind last year.
    in_february = services.next_run_at("month", 5, datetime.datetime(2026, 1, 20, tzinfo=tz))
    assert services.reported_period(REPORTS["test_units"], in_february) == {"year": 2025, "quarter": 4}
    assert services.reported_period(REPORTS["annual"], in_february) == {"year": 2025}
    assert timezone.localtime(services.next_run_at("year", 5, first)).date() == datetime.date(2027, 1, 5)
    assert timezone.localtime(services.next_run_at("month", 28, after)).date() == datetime.date(2026, 3, 28)
    schedule = ReportSchedule.objects.create(
        kind="test_units",
        params={"org_unit": NANHU},
        every="quarter",
        day=5,
        org_unit=people["a_admin"].membership.org_unit,
        created_by=people["a_admin"],
        next_run_at=datetime.datetime(2025, 7, 5, 6, tzinfo=tz),
    )
    started = services.run_due_schedules(datetime.datetime(2025, 7, 5, 7, tzinfo=tz))
    assert len(started) == 1
    assert started[0].params["params"] == {"year": 2025, "quarter": 2, "org_unit": NANHU}
    assert started[0].created_by == people["a_admin"]
    schedule.refresh_from_db()
    assert schedule.last_job == started[0]
    assert timezone.localtime(schedule.next_run_at).date() == datetime.date(2025, 10, 5)
    assert services.run_due_schedules(datetime.datetime(2025, 7, 5, 8, tzinfo=tz)) == []
    # The admin moves to another county: the next run is refused, and the schedule pauses saying why.
    membership = people["a_admin"].membership
    membership.org_unit = OrgUnit.objects.get(code=XIUZHOU)
    membership.save()
    assert services.run_due_schedules(datetime.datetime(2025, 10, 5, 7, tzinfo=tz)) == []
    schedule.refresh_from_db()
    assert not schedule.active and schedule.message
    assert services.run_due_schedules(datetime.datetime(2026, 1, 5, 7, tzinfo=tz)) == []  # paused: not tried again


def test_schedule_pages_are_for_admins(test_kind, client, people) -> None:
    client.force_login(people["a_viewer"])
    assert client.get(reverse("reports:schedules")).status_code == 403
    assert client.get(reverse("reports:templates")).status_code == 403
    client.force_login(people["a_admin"])
    assert client.get(reverse("reports:schedules"), {"kind": "test_units"}).status_code == 200
    response = client.post(
        reverse("reports:schedules"),
        {"kind": "test_units", "org_unit": NANHU, "every": "quarter", "day": 5, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = ReportSchedule.objects.get()
    assert schedule.params == {"org_unit": NANHU} and schedule.created_by == people["a_admin"]
    refused = client.post(
        reverse("reports:schedules"),
        {"kind": "test_units", "org_unit": XIUZHOU, "every": "quarter", "day": 5},
    )
    assert refused.status_code == 404 and ReportSchedule.objects.count() == 1
    bad_day = client.post(reverse("reports:schedules"), {"kind": "test_units", "every": "quarter", "day": 31})
    assert bad_day.status_code == 200 and ReportSchedule.objects.count() == 1
    client.force_login(people["city_admin"])
    assert client.post(reverse("reports:schedule_delete", args=[schedule.pk])).status_code == 302
    assert not ReportSchedule.objects.exists()


def test_a_mixed_column_shows_whole_numbers_as_counts_and_others_with_two_decimals() -> None:
    table = Table("t", "表", ["指标", "数值"], [["人数", 12], ["金额", 2.5]], [TEXT, NUMBER])
    book = load_workbook(io.BytesIO(write_workbook(Document("k", "T", sections=[Section("s", "表", tables=[table])]))))
    cells = {row[0].value: row[1] for row in book["表"].iter_rows() if row[0].value in ("人数", "金额")}
    assert cells["人数"].number_format == "#,##0" and cells["金额"].number_format == "#,##0.00"
