"""Hostile input at every reports door: parameters of the wrong type or far out of range, unknown kinds, broken
or hostile template files, impossible schedules. Each is refused with a message (or not found, for a record out of
scope), never a server error, and leaves no job, template or schedule behind."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from talentportal.jobs.models import Job, ReportSchedule, ReportTemplate
from talentportal.jobs.reports.docx import default_template

from ..conftest import choose_language
from .test_report_permissions import API, NANHU, XIUZHOU, final_schemes

NEXT_YEAR = timezone.localdate().year + 1
LONG = "x" * 10_000
HALF = "scheme + 0.5"  # the readable scheme's id and a half
# Values no parameter takes, whatever its type.
JUNK: list[Any] = [[], [2025], {}, {"a": 1}, 10**30, -(10**30), "\x00", "2025\x00", "\x01\x02\x1b[0m", LONG]
BAD: dict[str, list[Any]] = {
    "year": [*JUNK, None, 0, -1, 9999, 99999, 2025.5, "二〇二五", "", "1e3", True],
    "quarter": [*JUNK, None, 0, 5, -1, "Q1", 1.5, "", True],
    "org_unit": [*JUNK, -1, 330402.5, "33040\x002", "nope"],
    "scheme": [*JUNK, None, 0, -1, HALF, "", "²", "1\x00", "1 OR 1=1"],
}
BASE = {
    "annual": {"year": 2025, "org_unit": NANHU},
    "annual_workbook": {"year": 2025, "org_unit": NANHU},
    "quarterly": {"year": 2025, "quarter": 2, "org_unit": NANHU},
}
CASES = [
    pytest.param(kind, name, value, id=f"{kind}-{name}-{value!r:.20}")
    for kind, params in [*BASE.items(), ("assessment_results", {"scheme": 0})]
    for name in params
    for value in BAD[name]
]


@pytest.fixture
def schemes(units, people) -> dict[str, Any]:
    return final_schemes(units, people)


def params_of(kind: str, schemes: dict, **changed: Any) -> dict[str, Any]:
    base = BASE.get(kind) or {"scheme": schemes["shared"].pk}
    if changed.get("scheme") == HALF:
        changed["scheme"] = schemes["shared"].pk + 0.5
    return {**base, **changed}


def case_id(value: Any) -> str:
    return repr(value)[:20]


@pytest.mark.parametrize(("kind", "name", "value"), CASES)
def test_a_parameter_of_the_wrong_type_or_range_is_refused_by_the_api(api_client, people, schemes, kind, name, value):
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.post(API, {"kind": kind, "params": params_of(kind, schemes, **{name: value})}, format="json")
    assert response.status_code == 400, response.content[:500]
    assert response.json()["params"][name], response.json()
    assert not Job.objects.exists()


def posted(value: Any) -> str:
    """What a form field can carry of a value: text (a list's last item, as the page reads a repeated field)."""
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return "" if value is None else str(value)


@pytest.mark.parametrize(("kind", "name", "value"), CASES)
def test_a_parameter_of_the_wrong_type_or_range_is_refused_by_the_page(client, people, schemes, kind, name, value):
    client.force_login(people["a_viewer"])
    data = {**params_of(kind, schemes), name: posted(value), "kind": kind}
    if posted(value) == str(params_of(kind, schemes)[name]) or (posted(value) == "" and name == "org_unit"):
        pytest.skip("the page can only post this as a valid value (no unit is the user's own)")
    if value == HALF:
        pytest.skip("the page posts no such value")
    response = client.post(reverse("reports:home"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[name]
    assert not Job.objects.exists()


@pytest.mark.parametrize("kind", ["annual", "quarterly"])
def test_a_period_not_yet_ended_is_refused_with_its_message(client, api_client, people, kind):
    with translation.override("en"):
        api_client.force_authenticate(people["a_viewer"])
        response = api_client.post(API, {"kind": kind, "params": {**BASE[kind], "year": NEXT_YEAR}}, format="json")
        assert response.status_code == 400 and "has not begun yet" in str(response.json())
    client.force_login(people["a_viewer"])
    page = client.post(reverse("reports:home"), {"kind": kind, **BASE[kind], "year": NEXT_YEAR})
    assert page.status_code == 200 and page.context["form"].errors
    assert not Job.objects.exists()


def test_a_scheme_not_final_is_refused_and_an_unknown_one_too(api_client, people, schemes):
    from assessments.models import Scheme

    Scheme.objects.filter(pk=schemes["shared"].pk).update(status=Scheme.Status.REVIEW)
    api_client.force_authenticate(people["a_viewer"])
    for scheme in (schemes["shared"].pk, 10**9):
        response = api_client.post(API, {"kind": "assessment_results", "params": {"scheme": scheme}}, format="json")
        assert response.status_code == 400 and response.json()["params"]["scheme"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "kind", ["nope", "", None, ["annual"], {"annual": 1}, 10**30, "annual\x00", LONG, "test_admin"], ids=case_id
)
def test_an_unknown_kind_or_one_the_user_may_not_run_is_refused(client, api_client, people, kind):
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.post(API, {"kind": kind, "params": BASE["annual"]}, format="json")
    assert response.status_code == 400 and response.json()["kind"]
    client.force_login(people["a_viewer"])
    if posted(kind) == "annual":
        return  # the page reads a repeated field's last value: a valid kind
    choose_language(client, "en")
    page = client.post(reverse("reports:home"), {"kind": posted(kind), **BASE["annual"]})
    assert page.status_code == 200 and not Job.objects.exists()
    assert "Choose one of the report kinds you may run." in [str(m) for m in page.context["messages"]]


@pytest.mark.parametrize("params", [[], ["year", 2025], "year=2025", None, 5, True, LONG], ids=case_id)
def test_parameters_that_are_no_object_are_refused(api_client, people, params):
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.post(API, {"kind": "annual", "params": params}, format="json")
    assert response.status_code == 400 and response.json()["params"]
    assert not Job.objects.exists()


def test_unknown_parameters_are_refused_by_the_api(api_client, people):
    """A misspelt parameter would otherwise be dropped silently: ``orgunit`` would report on the user's own unit."""
    api_client.force_authenticate(people["a_viewer"])
    for extra in ({"orgunit": XIUZHOU}, {"foo": "bar"}, {"": 1}, {"quarter": 2}, {LONG: 1}):
        response = api_client.post(API, {"kind": "annual", "params": {**BASE["annual"], **extra}}, format="json")
        assert response.status_code == 400, extra
        assert response.json()["params"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'"annual"', b"null", b'{"kind": "annual", "params": {"year": NaN}}', b"\xff\xfe", b"{}" * 5000],
    ids=case_id,
)
def test_a_body_that_is_no_request_is_refused(api_client, people, body):
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.generic("POST", API, body, content_type="application/json")
    assert response.status_code == 400
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("query", "status"),
    [({"page": "x"}, 404), ({"page": 10**30}, 404), ({"status": "nope"}, 400), ({"ordering": "nope"}, 200)],
)
def test_the_history_list_refuses_junk_queries(client, api_client, people, query, status):
    api_client.force_authenticate(people["a_viewer"])
    assert api_client.get(API, query).status_code == status
    client.force_login(people["a_viewer"])
    assert client.get(reverse("reports:home"), {**query, "kind": ["nope", LONG]}).status_code == 200


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "-1", "x"])
def test_junk_ids_are_not_found(client, api_client, people, pk):
    client.force_login(people["a_admin"])
    api_client.force_authenticate(people["a_admin"])
    for url in (f"/reports/{pk}/print/", f"/jobs/{pk}/", f"/jobs/{pk}/download/result/", f"{API}{pk}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/reports/templates/{pk}/download/", f"/reports/templates/{pk}/delete/"):
        assert client.post(url).status_code in (404, 405), url
    assert client.post(f"/reports/schedules/{pk}/delete/").status_code == 404


# --- schedules ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        {"day": 0}, {"day": 29}, {"day": -1}, {"day": "x"}, {"day": ""}, {"day": 10**30}, {"day": "5\x00"},
        {"every": "weekly"}, {"every": ""}, {"every": LONG}, {"kind": "nope"}, {"org_unit": LONG},
        {"org_unit": "nope"}, {"org_unit": "\x00"}, {"day": 0, "org_unit": XIUZHOU}, {"every": "x", "org_unit": "x\x00"},
    ],
    ids=case_id,
)  # fmt: skip
def test_an_impossible_schedule_is_refused_with_a_message(client, people, changed):
    client.force_login(people["a_admin"])
    data = {"kind": "quarterly", "org_unit": NANHU, "every": "quarter", "day": 5, "active": "on", **changed}
    response = client.post(reverse("reports:schedules"), data)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        errors = response.context["schedule_form"].errors or response.context["params_form"].errors
        assert errors or [str(m) for m in response.context["messages"]]
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize("scheme", ["²", "1\x00", LONG, -1, "x"], ids=case_id)
def test_a_schedule_of_a_junk_scheme_is_refused(client, people, schemes, scheme):
    client.force_login(people["a_admin"])
    data = {"kind": "assessment_results", "scheme": scheme, "every": "year", "day": 5, "active": "on"}
    response = client.post(reverse("reports:schedules"), data)
    assert response.status_code == 200
    assert response.context["schedule_form"].errors or response.context["params_form"].errors
    assert not ReportSchedule.objects.exists()


# --- template uploads ---------------------------------------------------------------------------------------


def word(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    file = io.BytesIO()
    document.save(file)
    return file.getvalue()


def upload(client: Any, data: bytes, name: str = "模板.docx", kind: str = "annual") -> Any:
    file = io.BytesIO(data)
    file.name = name
    choose_language(client, "en")
    return client.post(reverse("reports:templates"), {"kind": kind, "file": file})


def refused(response: Any) -> str:
    """The upload was refused on the page, with its message; nothing was kept."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors
    assert not ReportTemplate.objects.exists()
    return " ".join(str(m) for messages in errors.values() for m in messages)


def test_the_default_template_is_accepted_and_listed(client, people):
    client.force_login(people["a_admin"])
    default = client.get(reverse("reports:default_template", args=["annual"]))
    assert default.status_code == 200
    response = upload(client, b"".join(default.streaming_content), name="annual.docx")
    assert response.status_code == 302
    template = ReportTemplate.objects.get()
    assert template.kind == "annual" and template.file_name == "annual.docx"
    assert template.file.read() == default_template("annual").read_bytes()
    page = client.get(reverse("reports:templates")).content.decode()
    assert "annual.docx" in page and reverse("reports:template_download", args=[template.pk]) in page


def test_a_tag_that_does_not_parse_is_shown_with_its_line(client, people):
    client.force_login(people["a_admin"])
    response = upload(client, word("{{ title }}", "正文", "{{ foo }", "{{ subtitle }}"))
    message = refused(response)
    assert "Line 3: " in message and "unexpected '}'" in message
    assert "Line 3: " in response.content.decode() and "unexpected &#x27;}&#x27;" in response.content.decode()


def test_an_undefined_variable_is_refused(client, people):
    client.force_login(people["a_admin"])
    assert "'foo' is undefined" in refused(upload(client, word("{{ title }}", "{{ foo.bar }}")))


def test_an_undefined_variable_is_refused_naming_its_paragraph(client, people):
    client.force_login(people["a_admin"])
    assert "Line 2: 'foo' is undefined" in refused(upload(client, word("{{ title }}", "{{ foo.bar }}")))


def test_a_plain_undefined_name_is_refused(client, people):
    """A misspelt ``{{ titel }}`` would print nothing in every report drawn with the template."""
    client.force_login(people["a_admin"])
    assert "undefined" in refused(upload(client, word("{{ title }}", "{{ titel }}")))


def zip_bomb() -> bytes:
    bomb = io.BytesIO(word("{{ title }}"))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.xml", b"\0" * 50_000_000)
    return bomb.getvalue()


def other_zip() -> bytes:
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return file.getvalue()


def broken_document() -> bytes:
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><w:body><w:p>{{ title }}")
        archive.writestr("[Content_Types].xml", "<Types/>")
    return file.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"name,year\n", "roster.docx", "not a Word document"),
        (b"", "empty.docx", "empty"),
        (other_zip(), "book.docx", "not a Word document"),
        (broken_document(), "broken.docx", "not a Word document"),
        (word("{{ title }}"), "template.doc", "Word document (.docx)"),
        (word("{{ title }}"), "template.xlsx", "Word document (.docx)"),
        (b"PK" + b"\0" * (10 * 1024 * 1024), "big.docx", "larger than"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "picture.docx", "not a Word document"),
    ],
    ids=["csv", "empty", "xlsx-zip", "broken", "doc", "xlsx-name", "oversized", "png"],
)
def test_a_file_that_is_no_template_is_refused_with_a_message(client, people, data, name, says):
    client.force_login(people["a_admin"])
    assert says in refused(upload(client, data, name))


def test_a_zip_bomb_is_refused(client, people):
    client.force_login(people["a_admin"])
    assert "unpacks to far more" in refused(upload(client, zip_bomb()))


@pytest.mark.parametrize("kind", ["quarterly", "nope", "", LONG], ids=case_id)
def test_a_template_for_a_kind_that_takes_none_is_refused(client, people, kind):
    client.force_login(people["a_admin"])
    assert refused(upload(client, word("{{ title }}"), kind=kind))


@pytest.mark.parametrize("name", ["长" * 300 + ".docx", "../../etc/passwd.docx", "a\x00b.docx", "<script>.docx"])
def test_a_hostile_file_name_is_kept_harmless(client, people, name):
    client.force_login(people["a_admin"])
    response = upload(client, word("{{ title }}"), name=name)
    assert response.status_code in (200, 302, 400)  # 400: a name too long for the request's headers
    for template in ReportTemplate.objects.all():
        assert ".." not in template.file.name and "\x00" not in template.file.name
        assert template.file.read().startswith(b"PK")
    assert "<script>" not in client.get(reverse("reports:templates")).content.decode()
