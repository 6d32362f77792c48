"""The one chart helper: whole-number count axes, no segment for a stacked zero, labels never cut, links on the
points; and every page with a chart embeds what it builds."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.urls import reverse

from talentportal.charts import Series, bar_chart, in_wan, line_chart

from .platforms import factories as platform_factories
from .programs import factories as program_factories
from .talents import factories as talent_factories

LONG_NAME = "创新嘉兴·精英引领计划（海外高层次人才创业创新项目）"


def embedded(html: str, script_id: str) -> dict[str, Any]:
    """The ECharts options a page hands to portal.js."""
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, script_id
    return json.loads(found.group(1))


def test_count_axes_tick_in_whole_numbers_and_money_keeps_decimals() -> None:
    counts = bar_chart(["孵化器"], [Series("国家级", [1])])
    assert counts["yAxis"]["type"] == "value" and counts["yAxis"]["minInterval"] == 1
    assert line_chart(["2024"], [Series("人才", [3])])["yAxis"]["minInterval"] == 1
    money = bar_chart(["计划"], [Series("已拨付", [Decimal("12.50")])], money=True, unit="万元")
    assert "minInterval" not in money["yAxis"] and money["yAxis"]["name"] == "万元"
    assert money["series"][0]["data"] == [12.5]  # a number, never the string a Decimal becomes in JSON


def test_a_level_is_drawn_on_an_axis_that_fits_it_and_bars_start_at_zero() -> None:
    level = line_chart(["2020", "2025"], [Series("人才资源总量", [Decimal("32.2"), Decimal("39")])], level=True)
    assert level["yAxis"]["scale"] is True  # 32–39 万人 on an axis from 0 would look flat
    assert "scale" not in line_chart(["2024"], [Series("新落地人才", [3])])["yAxis"]
    assert "scale" not in bar_chart(["甲"], [Series("人才", [3])])["yAxis"]


def test_a_stacked_zero_is_no_segment_but_an_unstacked_zero_stays() -> None:
    stacked = bar_chart(["甲", "乙"], [Series("计划", [0, 5]), Series("已拨付", [Decimal("0.00"), 3])], stacked=True)
    assert [s["data"] for s in stacked["series"]] == [[None, 5], [None, 3]]
    assert all(s["stack"] == "total" for s in stacked["series"])
    assert "label" not in json.dumps(stacked["series"])  # no “0” written on an empty segment
    plain = bar_chart(["甲", "乙"], [Series("计划", [0, 5])])
    assert plain["series"][0]["data"] == [0, 5] and "stack" not in plain["series"][0]


def test_long_category_labels_are_contained_and_wrapped_not_cut() -> None:
    chart = bar_chart([LONG_NAME, "青年人才计划"], [Series("已拨付", [1, 2])], money=True)
    assert chart["grid"]["containLabel"] is True
    label = chart["xAxis"]["axisLabel"]
    assert label["interval"] == 0  # every program is named
    assert label["overflow"] == "break" and label["width"] >= 96
    assert chart["xAxis"]["data"][0] == LONG_NAME  # the whole name is there to wrap, and in the tooltip
    # The legend sits above the grid: it never covers the bars or the slanted labels under them.
    assert chart["legend"]["top"] == 0 and chart["grid"]["top"] >= 40
    years = line_chart(["2023", "2024"], [Series("人才", [1, 2])])
    assert years["xAxis"]["axisLabel"]["rotate"] == 0


def test_a_point_carries_the_link_of_the_list_it_counts() -> None:
    chart = bar_chart(
        ["甲", "乙"], [Series("国家级", [2, 0], ["/platforms/?kind=a", "/platforms/?kind=b"])], stacked=True
    )
    assert chart["series"][0]["data"] == [{"value": 2, "link": "/platforms/?kind=a"}, None]


def test_every_chart_page_embeds_the_helpers_options(client, people, units) -> None:
    batch = program_factories.batch(program_factories.program(units["330400"], name=LONG_NAME, short_name=""))
    item = program_factories.selected(batch, units["330402"], award="100")
    program_factories.tranche(item, 1, amount=Decimal("30"))
    station = platform_factories.platform(units["330402"], kind="incubator", level="national")
    platform_factories.platform_year(station, 2025)
    company = talent_factories.enterprise(units["330402"])
    talent_factories.enterprise_year(company, 2025)
    client.force_login(people["city_admin"])

    funding = embedded(client.get(reverse("programs:funding")).content.decode(), "funding-chart")
    assert funding["xAxis"]["data"] == [LONG_NAME] and funding["grid"]["containLabel"] is True
    assert "minInterval" not in funding["yAxis"]  # money
    planned, approved, paid = funding["series"]
    assert planned["data"][0]["value"] == 30.0 and approved["data"] == [None] and paid["data"] == [None]
    overview = embedded(client.get(reverse("platforms:overview")).content.decode(), "overview-chart")
    assert overview["yAxis"]["minInterval"] == 1
    figures = client.get(reverse("platforms:platform_detail", args=[station.pk]), {"tab": "figures"})
    assert embedded(figures.content.decode(), "platform-chart")["yAxis"]["minInterval"] == 1
    company_figures = client.get(reverse("talents:enterprise_detail", args=[company.pk]), {"tab": "figures"})
    assert "minInterval" not in embedded(company_figures.content.decode(), "figures-chart")["yAxis"]


def test_many_or_long_labels_are_slanted_and_few_short_ones_stay_level() -> None:
    def rotate(categories: list[str]) -> int:
        return bar_chart(categories, [Series("n", [1] * len(categories))])["xAxis"]["axisLabel"]["rotate"]

    assert rotate(["南湖区", "秀洲区"]) == 0
    assert rotate([LONG_NAME, "青年人才计划"]) == 30
    assert rotate([f"{year}" for year in range(2015, 2026)]) == 30
    assert rotate([]) == 0


def test_big_figures_are_drawn_in_wan_and_small_ones_as_they_are() -> None:
    assert in_wan([[Decimal("123456"), None], [Decimal("200000")]], "人") == ([[12.35, None], [20.0]], "万人")
    assert in_wan([[Decimal("99999")]], "人") == ([[Decimal("99999")]], "人")
    # Already in 万, or a share: never scaled again.
    assert in_wan([[Decimal("390000")]], "万人") == ([[Decimal("390000")]], "万人")
    assert in_wan([[Decimal("-250000")]], "元") == ([[-25.0]], "万元")
