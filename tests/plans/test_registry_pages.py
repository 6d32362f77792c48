"""The plan registries' pages: what the forms offer each user, what they refuse (with the rules of
``plans.checks``), and the side navigation's section."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from plans import registries
from plans.models import PlanActual, PlanIndicator

from ..conftest import choose_language
from ..matrix import version_of
from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(units: dict[str, Any]) -> dict[str, Any]:
    city = factories.plan(units["330400"], name="嘉兴市十四五人才发展规划")
    xiuzhou = factories.plan(units["330411"], name="秀洲区十四五人才发展规划")
    return {"city": city, "total": factories.indicator(city, "1"), "rate": factories.rate(city, "2"),
            "xiuzhou": factories.indicator(xiuzhou, "1")}  # fmt: skip


def choices(response: Any, name: str) -> set[int]:
    return {int(str(value)) for value, _label in response.context["form"].fields[name].choices if value}


def test_a_county_editor_enters_actuals_of_the_city_s_plan_for_its_own_units(client, people, units, plans) -> None:
    client.force_login(people["a_editor"])
    form = client.get(registries.actuals.url("create"))
    assert choices(form, "indicator") == {plans["total"].pk, plans["rate"].pk}  # not another county's plan
    nanhu = {u.pk for u in units.values() if u.path.startswith(units["330402"].path)}
    assert choices(form, "org_unit") <= nanhu and units["330402"].pk in choices(form, "org_unit")
    # Indicators go only into plans the user may change: none of the city's.
    assert not choices(client.get(registries.indicators.url("create")), "plan")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"indicator": "total", "year": 2026, "value": "1"}, "year", "该规划期为 2021 至 2025 年"),
        ({"indicator": "total", "year": 2023, "value": "NaN"}, "value", ""),
        ({"indicator": "total", "year": 2023, "value": "-2"}, "value", "0 或以上"),
        ({"indicator": "rate", "year": 2023, "value": "120"}, "value", "比率为 0 至 100"),
        ({"indicator": "rate", "year": 2023, "numerator": "1", "denominator": "0"}, "denominator", "分母必须大于 0"),
        ({"indicator": "total", "year": 2023, "value": "1", "note": "x\x1b"}, "note", ""),
    ],
)
def test_the_actual_form_refuses_with_the_rules_message(client, people, units, plans, fields, field, message) -> None:
    client.force_login(people["a_editor"])
    choose_language(client, "zh-hans")
    payload = {**fields, "indicator": plans[fields["indicator"]].pk, "org_unit": units["330402"].pk}
    response = client.post(registries.actuals.url("create"), payload)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not PlanActual.objects.exists()


def test_a_rate_entered_as_numerator_and_denominator(client, people, units, plans) -> None:
    client.force_login(people["a_editor"])
    payload = {"indicator": plans["rate"].pk, "org_unit": units["330402"].pk, "year": 2023, "numerator": "1",
               "denominator": "3", "source": "统计年报"}  # fmt: skip
    assert client.post(registries.actuals.url("create"), payload).status_code == 302
    assert PlanActual.objects.get().value == Decimal("33.3333")
    again = client.post(registries.actuals.url("create"), {**payload, "numerator": "2"})
    assert again.status_code == 200 and again.context["form"].errors  # the same unit and year: no second row
    assert PlanActual.objects.count() == 1


def test_an_indicator_whose_target_is_its_baseline_is_kept(client, people, units, plans) -> None:
    client.force_login(people["city_admin"])
    payload = {"plan": plans["city"].pk, "code": "9", "group": "人才生态", "name": "持平指标", "category": "total",
               "direction": "higher", "baseline_year": 2020, "baseline_value": "5", "target_year": 2025,
               "target_value": "5", "jump_share": "0.5", "order": 9}  # fmt: skip
    assert client.post(registries.indicators.url("create"), payload).status_code == 302
    wrong = client.post(registries.indicators.url("create"), {**payload, "code": "10", "target_year": 2030})
    assert "target_year" in wrong.context["form"].errors
    bound = client.post(registries.indicators.url("create"), {**payload, "code": "11", "metric_params": '{"a": 1}'})
    assert "metric_params" in bound.context["form"].errors
    listed = {**payload, "code": "12", "metric": "talents.landed", "metric_params": '["tier"]'}
    assert "metric_params" in client.post(registries.indicators.url("create"), listed).context["form"].errors
    assert PlanIndicator.objects.filter(plan=plans["city"]).count() == 3


def test_the_navigation_has_a_plan_section(client, people, plans) -> None:
    client.force_login(people["a_viewer"])
    choose_language(client, "zh-hans")
    page = client.get(reverse("plans:actual_list")).content.decode()
    assert "规划指标" in page and reverse("plans:plan_list") in page and reverse("plans:actual_list") in page
    assert "规划指标实际值" in page


def test_the_forms_keep_stored_figures_inside_the_plan(client, people, units, plans) -> None:
    factories.actual(plans["total"], units["330400"], 2024, "150")
    client.force_login(people["city_admin"])
    choose_language(client, "zh-hans")
    plan_url = registries.plans.url("edit", plans["city"])
    payload = {"name": plans["city"].name, "org_unit": units["330400"].pk, "start_year": 2021, "end_year": 2023,
               "_version": version_of(client.get(plan_url).content.decode())}  # fmt: skip
    response = client.post(plan_url, payload)
    assert response.status_code == 200 and "2024" in " ".join(response.context["form"].errors["end_year"])
    plans["city"].refresh_from_db()
    assert plans["city"].end_year == 2025
    # The indicator's plan is fixed; a rate cannot hold 150.
    other = factories.plan(units["330400"], name="另一规划")
    total = plans["total"]
    url = registries.indicators.url("edit", total)
    page = client.get(url)
    assert page.context["form"].fields["plan"].disabled
    fields = {"plan": other.pk, "code": total.code, "group": total.group, "name": total.name, "unit": total.unit,
              "category": "rate", "direction": "higher", "baseline_year": 2020, "baseline_value": "32.2",
              "target_year": 2025, "target_value": "39", "metric": "", "metric_params": "{}", "jump_share": "0.5",
              "order": 0, "_version": version_of(page.content.decode())}  # fmt: skip
    response = client.post(url, fields)
    assert response.status_code == 200 and "category" in response.context["form"].errors
    response = client.post(url, {**fields, "category": "total", "name": "人才资源总量（修订）"})
    assert response.status_code == 302
    total.refresh_from_db()
    assert total.plan_id == plans["city"].pk and total.name == "人才资源总量（修订）"
