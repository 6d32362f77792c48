"""Every kind's template, downloaded as it is, imports cleanly: its example row is a valid record once the records
it names exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from plans.models import Plan, PlanIndicator
from platforms.models import Platform
from programs.models import Batch, Program
from talentportal.jobs.importing.spec import all_specs
from talentportal.jobs.models import Import
from talents.models import Enterprise, Talent, Team

from ..programs import factories as program_factories
from .test_imports import run_cli

pytestmark = pytest.mark.django_db

KINDS = ["talents", "enterprises", "enterprise_years", "teams", "platforms", "platform_years", "residencies",
         "selections", "tranches", "plan_actuals"]  # fmt: skip


def example(kind: str, column: str) -> Any:
    spec = next(s for s in all_specs() if s.kind == kind)
    return next(c.example for c in spec.columns if c.name == column)


def talent(units: Any, id_number: str, name: str) -> Talent:
    from talents import validators

    return Talent.objects.create(
        name=name,
        id_number=id_number,
        birth_date=validators.resident_id_birth_date(id_number),
        gender=validators.resident_id_gender(id_number),
        category="professional",
        tier="municipal_leading",
        org_unit=units["330402"],
    )


def prerequisites(kind: str, units: Any) -> None:
    """The records a kind's example row names: its enterprise, talents, team, platform, program and batch."""
    nanhu = units["330402"]
    if kind not in ("enterprises",):
        Enterprise.objects.create(name="嘉兴某科技有限公司", credit_code=example("talents", "employer"), org_unit=nanhu)
    if kind in ("teams", "residencies", "selections", "tranches"):
        talent(units, example("talents", "id_number"), "张伟")
    if kind == "teams":
        for n, number in enumerate(example("teams", "members").split("、")):
            talent(units, number, f"成员{n}")
    if kind in ("platform_years", "residencies"):
        Platform.objects.create(code=example("platforms", "code"), name="嘉兴科技城孵化器", kind="incubator",
                                level="provincial", org_unit=nanhu)  # fmt: skip
    if kind in ("selections", "tranches"):
        program = Program.objects.create(code=example("selections", "program"), name="嘉源英才", level="municipal",
                                         category="innovation", org_unit=nanhu)  # fmt: skip
        batch = Batch.objects.create(program=program, ordinal=1, year=2025, status=Batch.Status.OPEN)
        if kind == "tranches":
            program_factories.selected(batch, nanhu, talent=Talent.objects.get(), award="100")
    if kind == "plan_actuals":
        plan = Plan.objects.create(name=example(kind, "plan_name"), org_unit=nanhu, start_year=2021, end_year=2025)
        PlanIndicator.objects.create(plan=plan, code=example(kind, "indicator_code"), group="人才总量",
                                     name="人才资源总量", baseline_year=2020, target_year=2025, target_value=39)  # fmt: skip
    assert not Team.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_template_imports_as_downloaded(kind, language, tmp_path: Path, people, units, client) -> None:
    prerequisites(kind, units)
    client.force_login(people["a_admin"])
    from ..conftest import choose_language

    choose_language(client, language)
    response = client.get(reverse("jobs:import_template", args=[kind]))
    assert response.status_code == 200
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(response.content)
    imp = run_cli(path, "a_admin", "--apply", kind=kind)
    assert imp.counts["errors"] == 0, imp.errors
    assert imp.status == Import.Status.APPLIED, imp.message
    assert imp.counts["rows"] == 1 and imp.counts["created"] == 1


def test_common_spellings_of_a_degree_are_accepted(tmp_path, people) -> None:
    from .test_imports import person, roster

    header = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "最高学历"]
    spellings = ["博士研究生", "硕士研究生", "本科", "大专", "博士", "研究生", "大学本科", "专科", "Doctorate"]
    rows = [[*person(n)[:5], spelling] for n, spelling in enumerate(spellings)]
    imp = run_cli(roster(tmp_path / "r.xlsx", rows, header=header), "a_admin", "--apply")
    assert imp.counts["errors"] == 0, imp.errors
    degrees = [t.highest_degree for t in Talent.objects.order_by("name")]
    by_name = dict(Talent.objects.values_list("name", "highest_degree"))
    assert [by_name[f"人才{n}"] for n in range(len(spellings))] == [
        "doctorate", "master", "bachelor", "college", "doctorate", "master", "bachelor", "college", "doctorate"
    ]  # fmt: skip
    assert len(degrees) == len(spellings)
