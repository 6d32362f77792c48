"""The leads' overview: numbers equal independent counts, each links to the list it counts, queries bounded."""

from __future__ import annotations

import random
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms.models import Platform

from ..talents import factories as talent_factories
from . import factories


def generate(units, n: int = 60, seed: int = 7) -> None:
    rng = random.Random(seed)
    counties = ["330402", "330402001", "330411", "330421"]
    for _ in range(n):
        kind = rng.choice(Platform.Kind.values)
        location = "local" if kind not in ("enclave", "overseas_station") else rng.choice(["domestic", "overseas"])
        fields = {"kind": kind, "level": rng.choice(Platform.Level.values), "location": location}
        if location != "local":
            fields.update(city=rng.choice(["上海", "北京", "Paris"]), country=rng.choice(["CN", "FR"]))
        owner = factories.platform(units[rng.choice(counties)], **fields)
        if rng.random() < 0.2:
            Platform.objects.filter(pk=owner.pk).update(status="revoked", revoked_on="2025-01-01")


def test_kind_by_level_counts_equal_the_database_and_link_to_the_list(client, people, units):
    generate(units)
    client.force_login(people["a_viewer"])
    response = client.get("/platforms/overview/")
    scope = Platform.objects.filter(org_unit__path__startswith=units["330402"].path, status="active")
    for row in response.context["table"]:
        for level, n in row["counts"]:
            assert n == scope.filter(kind=row["kind"], level=level).count()
    assert response.context["grand_total"] == scope.count()
    html = response.content.decode()
    link = re.search(
        r'href="(/platforms/platforms/\?kind=(\w+)&(?:amp;)?level=(\w+)&(?:amp;)?status=active)">(\d+)<', html
    )
    assert link
    url, kind, level, shown = link.groups()
    listed = client.get(url.replace("&amp;", "&") + "&per_page=100").context["page"].paginator.count
    assert listed == int(shown) == scope.filter(kind=kind, level=level).count()


def test_places_away_from_home_and_enterprises_that_moved_on(client, people, units):
    enclave = factories.platform(units["330402"], kind="enclave", location="domestic", city="上海", country="CN")
    factories.platform(units["330411"], kind="enclave", location="domestic", city="北京", country="CN")
    moved = talent_factories.enterprise(units["330402"], name="飞地转化企业")
    staying = talent_factories.enterprise(units["330402"], name="仍在孵化企业")
    factories.residency(enclave, enterprise=moved, since="2021-01-01", until="2023-06-30")
    factories.residency(enclave, enterprise=staying, since="2024-01-01")
    client.force_login(people["a_viewer"])
    response = client.get("/platforms/overview/")
    assert [(row["city"], row["n"]) for row in response.context["away"]] == [("上海", 1)]
    assert [stay.enterprise.name for stay in response.context["moved"]] == ["飞地转化企业"]
    listed = client.get(
        "/platforms/residencies/", {"platform_kind": "enclave", "resident_type": "enterprise", "ended": "true"}
    )
    assert [r.enterprise_id for r in listed.context["page"].object_list] == [moved.pk]


def test_overview_queries_do_not_grow(client, people, units):
    client.force_login(people["city_admin"])
    generate(units, 10, seed=1)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/platforms/overview/").status_code == 200
        return len(queries)

    small = count()
    generate(units, 80, seed=2)
    assert count() == small


def test_overview_chart_counts_in_whole_numbers_and_each_segment_opens_its_list(client, people, units):
    factories.platform(units["330402"], kind="incubator", level="national")
    factories.platform(units["330402"], kind="incubator", level="national")
    factories.platform(units["330402"], kind="key_lab", level="provincial")
    client.force_login(people["a_viewer"])
    chart = client.get("/platforms/overview/").context["chart"]
    assert chart["yAxis"]["minInterval"] == 1 and chart["grid"]["containLabel"] is True
    levels = dict(zip(Platform.Level.values, (s["data"] for s in chart["series"]), strict=True))
    national, provincial = levels["national"], levels["provincial"]
    assert national[1] is None and provincial[0] is None  # no empty segment for a zero
    assert national[0]["value"] == 2
    listed = client.get(national[0]["link"]).context["page"].paginator.count
    assert listed == 2
