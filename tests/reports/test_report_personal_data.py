"""No report carries personal data: every kind, run through the runner as a city and as a county user over a
registry of talents (with their teams, selections, funding and service requests), keeps no talent's name, ID
number or phone in what the job stores for the print view, nor in the file it draws."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from talentportal.jobs.reports import services
from talents.models import Talent

from .test_annual import dataset, with_plan, with_scheme
from .test_assessment_results import finalise, scored

KINDS = {
    "annual": {"year": 2025},
    "annual_workbook": {"year": 2025},
    "quarterly": {"year": 2025, "quarter": 3},
}


@pytest.fixture
def registry(units, people) -> dict[str, object]:
    """The annual report's records, a plan, this year's and a final assessment scheme; every talent with a phone
    of their own. The values that must never show: each talent's name, ID number and phone."""
    dataset(units)
    with_plan(units)
    with_scheme(units, people)
    scheme = finalise(scored(units, people["city_admin"]), people["city_admin"])
    for person in Talent.objects.all():
        person.phone = f"139{person.pk:08d}"
        person.save(update_fields=["phone"])
    secrets = [value for row in Talent.objects.values_list("name", "id_number", "phone") for value in row]
    assert len(secrets) >= 3 * 20 and all(secrets)
    return {"scheme": scheme.pk, "secrets": secrets}


def file_text(data: bytes) -> str:
    """Every part of a .docx or .xlsx, as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.mark.parametrize("kind", [*KINDS, "assessment_results"])
@pytest.mark.parametrize("persona", ["city_admin", "a_viewer"])
def test_no_report_keeps_a_talents_name_id_number_or_phone(people, registry, persona, kind):
    params = KINDS.get(kind) or {"scheme": registry["scheme"]}
    job = services.report_start(kind=kind, params=params, acting_user=people[persona])
    services.run(job)
    job.refresh_from_db()
    stored = json.dumps(job.result, ensure_ascii=False)
    drawn = file_text(job.result_file.read())
    assert services.document_of(job) is not None and len(drawn) > 1000
    for secret in registry["secrets"]:
        assert secret not in stored, secret
        assert secret not in drawn, secret
    assert "测试人才" not in stored + drawn  # no talent's name, whole or cut
