"""Every page, as every role, in a real browser: no server error, and nothing English in the Chinese interface.

The cast opens each page of the permission matrix (every registry's list, form, detail with each of its tabs,
edit and delete pages, for a record in county A and one in county B) and the workflow pages. Pages a role may
not open answer the portal's own 403/404 page, which must be Chinese too.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.test import Client
from django.urls import get_resolver

from talentportal.audit.models import Action
from talentportal.audit.services import Actor, record
from talentportal.orgs.models import OrgUnit
from talentportal.registry.base import REGISTRIES
from tests.conftest import PERSONAS
from tests.plans import factories as plan_factories
from tests.plans.test_pages import make_plan
from tests.platforms import factories as platform_factories
from tests.programs import factories as program_factories
from tests.talents import factories as talent_factories

WORKFLOW_PAGES = [
    "/",
    "/platforms/overview/",
    "/programs/funding/",
    "/registry/service-queue/",
    "/jobs/",
    "/jobs/imports/",
    "/jobs/imports/new/",
    "/audit/",
    "/accounts/password/",
]

# Words that are the same in Chinese text: names of formats, standards and products, and the language switch.
ALLOWED = {
    "API", "ID", "ISO", "Excel", "OpenAPI", "CSV", "csv", "xlsx", "xlsm", "xls", "ods", "GB", "GBK", "UTF", "REST",
    "Token", "PDF", "English", "HTTP", "URL", "JSON", "ECharts", "WPS",
}  # fmt: skip
# Text that is data, not interface: e-mail addresses, web addresses, user names, codes with digits.
DATA = re.compile(r"\S+@\S+|https?://\S+|\b\w*_\w*\b|[\w-]*\d[\w-]*")
WORD = re.compile(r"\b[A-Za-z]{2,}\b")

# Every visible text node, and the text of attributes people read (placeholders, titles, options, labels).
VISIBLE_TEXT = """
() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, code, pre, .font-monospace, [translate=no]")) continue;
    if (parent.tagName === "OPTION" ? !parent.parentElement.closest("body") : !parent.checkVisibility()) continue;
    if (node.textContent.trim()) texts.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], input[type=submit][value]")) {
    if (el.closest("[translate=no]")) continue;
    for (const name of ["placeholder", "title", "aria-label"]) if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    if (el.type === "submit") texts.push(el.value);
  }
  return texts;
}
"""


def english_words(texts: list[str], names: set[str]) -> set[str]:
    found = set()
    for text in texts:
        for word in WORD.findall(DATA.sub(" ", text)):
            if word not in ALLOWED and word not in names:
                found.add(word)
    return found


def build_city(units: dict[str, OrgUnit]) -> dict[str, list[object]]:
    """One record of every registry in county A and in county B, each with an entry in its history."""
    records: dict[str, list[object]] = {}
    for code in ("330402", "330411"):
        unit = units[code]
        company = talent_factories.enterprise(unit, name=f"{unit.name}智能制造有限公司")
        person = talent_factories.talent(unit, name=f"{unit.name}王博士", employer=company, email="wang@example.cn")
        team = talent_factories.team(unit, person, name=f"{unit.name}新材料团队")
        team.members.add(talent_factories.talent(unit, name=f"{unit.name}李工"))
        platform = platform_factories.platform(unit, name=f"{unit.name}院士专家工作站", kind="academician_station")
        program = program_factories.program(unit, name=f"{unit.name}英才计划")
        batch = program_factories.batch(program, year=datetime.date.today().year)
        selection = program_factories.selected(batch, unit, talent=person, award="200")
        records[code] = [
            unit,
            company,
            talent_factories.enterprise_year(company),
            person,
            team,
            talent_factories.service_request(person),
            platform,
            platform_factories.platform_year(platform),
            platform_factories.residency(platform, talent=person),
            program,
            batch,
            selection,
            program_factories.tranche(selection, amount=Decimal("50")),
            *plan_records(unit),
        ]
        for item in records[code]:
            field = next(f for f in item._meta.concrete_fields if not f.is_relation and f.name not in ("id", "code"))
            record(Actor(), Action.UPDATE, item, {field.name: [None, str(field.value_from_object(item))]})
    return records


def plan_records(unit: OrgUnit) -> list[object]:
    """The county's plan with an indicator, the county's own target and an actual of it."""
    plan = plan_factories.plan(unit, name=f"{unit.name}十四五人才发展规划")
    indicator = plan_factories.rate(plan, "1")
    target = plan_factories.target(indicator, unit, "36", baseline_value=Decimal("32"))
    return [plan, indicator, target, plan_factories.actual(indicator, unit, 2023, "50", numerator=1, denominator=2)]


def pages_of(records: dict[str, list[object]]) -> list[str]:
    """The workflow pages; each registry's list and form; county A's record with every tab, its edit and delete
    pages; county B's record (the 404 page for county A's roles)."""
    urls = list(WORKFLOW_PAGES)
    get_resolver().url_patterns  # noqa: B018 - the URLconf registers the registries it serves
    for registry in list(REGISTRIES.values()):
        urls += [str(registry.url("list")), str(registry.url("create"))]
        own = [item for item in records["330402"] if type(item) is registry.model]
        other = [item for item in records["330411"] if type(item) is registry.model]
        for item in own:
            detail = str(registry.url("detail", item))
            urls += [f"{detail}?tab={slug}" for slug in ["profile", *(t.slug for t in registry.tabs), "history"]]
            urls += [str(registry.url("edit", item)), str(registry.url("delete", item))]
        urls += [str(registry.url("detail", item)) for item in other]
    return urls


def plan_pages(units: dict[str, OrgUnit]) -> list[str]:
    """The city's plan: its indicator table for a year and for another county, and each indicator's page."""
    plan = make_plan(units)
    urls = ["/plans/", f"/plans/{plan.pk}/table/", f"/plans/{plan.pk}/table/?year=2023&org_unit=330411"]
    return urls + [f"{i.get_absolute_url()}?year=2023" for i in plan.indicators.all()]


# The roles each of the two test modules crawls as: together, every persona.
CITY_ROLES = [name for name, (code, _role) in PERSONAS.items() if code == "330400"]
COUNTY_ROLES = [name for name in PERSONAS if name not in CITY_ROLES]


def crawl(page, live_server, people, units, persona: str) -> None:
    """Every page as ``persona``: none fails, and none shows English in the Chinese interface. The tests of the
    city's and the counties' roles are two modules, so that the test processes share them."""
    urls = pages_of(build_city(units)) + plan_pages(units)
    client = Client()
    client.force_login(people[persona])
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    failures, english = [], {}
    for url in urls:
        response = page.goto(url, wait_until="domcontentloaded")
        if response is None or response.status >= 500:
            failures.append(f"{url}: {response.status if response else 'no answer'}")
            continue
        words = english_words(page.evaluate(VISIBLE_TEXT), set(PERSONAS))
        if words:
            english[url] = sorted(words)
    assert not failures, failures
    assert not english, "\n".join(f"{url}: {words}" for url, words in english.items())
