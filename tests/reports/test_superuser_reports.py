"""A superuser without a unit of their own runs every report over the whole tree (the root unit by default)."""

from __future__ import annotations

import pytest

from talentportal.jobs.models import Job
from talentportal.jobs.reports import services
from talentportal.orgs.models import User


@pytest.mark.parametrize("kind", ["annual", "annual_workbook", "quarterly"])
def test_a_superuser_without_a_unit_reports_on_the_whole_tree(units, kind) -> None:
    root = User.objects.create_superuser("root-reports", "root@example.org", "Root-pass-2026x")
    params = {"year": 2025, "quarter": 4} if kind == "quarterly" else {"year": 2025}
    job = services.report_start(kind=kind, params=params, acting_user=root)
    assert job.params["params"]["org_unit"] == "330400"
    services.run(job)
    job.refresh_from_db()
    assert job.result_file and Job.objects.get(pk=job.pk).result["report"] == kind
