"""No page may load anything from another host: government intranets have no internet.

Every page a persona reaches from the navigation (followed link by link from the home page), the pages of
org units and user accounts, the job and audit pages, the API documentation, the login, error and lock-out
pages are parsed, and every URL they would load or send to — src, href, action, srcset, htmx attributes,
url(...) in style attributes, <style> blocks and the linked stylesheets, absolute URLs in inline scripts —
must stay on the portal's own origin. Referenced static files must exist, too.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve, reverse

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, record
from talentportal.jobs.models import Job
from talentportal.orgs.registries import org_units, users

from .talents import factories

HOST = "testserver"
# Attributes whose value is a URL the browser loads, navigates to or sends to.
URL_ATTRIBUTES = {
    "src",
    "href",
    "action",
    "formaction",
    "poster",
    "data",
    "background",
    "manifest",
    "xlink:href",
    "ping",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
}
SRCSET_ATTRIBUTES = {"srcset", "imagesrcset"}
HARMLESS_SCHEMES = {"data", "mailto", "tel"}  # load nothing from a server
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL)
SCRIPT_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)]*""")
MAX_PAGES = 200
VISITS_PER_KIND = 2  # a kind of page is its URL name, query keys and tab: enough to see every template

PAGE_PERSONAS = ["city_admin", "city_viewer", "reviewer", "a_admin", "a_editor", "a_viewer", "b_editor"]


def offends(url: str) -> bool:
    """True unless the URL stays on this origin (relative, rooted at "/", or absolute to this host)."""
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    if url.startswith(("//", "\\\\", "/\\", "\\/")):  # scheme-relative: another host over whatever scheme
        return True
    parts = urlsplit(url)
    if parts.scheme in HARMLESS_SCHEMES:
        return False
    if parts.scheme in {"http", "https"}:
        return parts.hostname != HOST
    return bool(parts.scheme or parts.netloc)  # javascript:, ftp:, …


class References(HTMLParser):
    """Collects every URL of a page, the stylesheets it links and the links to follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, url)
        self.stylesheets: list[str] = []
        self.links: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            where = f"<{tag} {name}>"
            if name in URL_ATTRIBUTES:
                self.urls.append((where, value))
            elif name in SRCSET_ATTRIBUTES:
                self.urls += [(where, item.strip().split()[0]) for item in value.split(",") if item.strip()]
            elif name == "style":
                self.urls += [(where, url) for url in css_urls(value)]
            elif name == "content" and values.get("http-equiv", "").lower() == "refresh" and "url=" in value.lower():
                self.urls.append((where, value[value.lower().index("url=") + 4 :].strip("'\" ")))
        rel = values.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel:
            self.stylesheets.append(values.get("href", ""))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag in {"style", "script"}:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.urls += [("<style>", url) for url in css_urls(data)]
        elif self._in == "script":
            self.urls += [("<script> text", url) for url in SCRIPT_URL.findall(data)]


def css_urls(css: str) -> Iterator[str]:
    for match in CSS_URL.finditer(css):
        yield match.group(2) if match.group(2) is not None else match.group(4)


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def is_html(response: Any) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class Checker:
    """Checks pages and remembers what offended, which pages it saw and which static files are missing."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.offences: list[str] = []
        self.pages: dict[str, int] = {}  # URL -> status
        self.fetched: dict[str, tuple[str | None, str | None]] = {}  # URL -> (redirect, HTML)
        self.checked_css: set[str] = set()

    def check_html(self, page: str, html: str) -> References:
        refs = References()
        refs.feed(html)
        refs.close()
        for where, url in refs.urls:
            if offends(url):
                self.offences.append(f"{page}: {where} {url}")
            else:
                self.check_static(page, where, urljoin(page, url))
        for href in refs.stylesheets:
            if not offends(href):
                self.check_css(urljoin(page, href))
        return refs

    def check_static(self, page: str, where: str, url: str) -> None:
        path = urlsplit(url).path
        if path.startswith(settings.STATIC_URL) and not finders.find(path[len(settings.STATIC_URL) :]):
            self.offences.append(f"{page}: {where} {url} (no such static file)")

    def check_css(self, url: str) -> None:
        if url in self.checked_css:
            return
        self.checked_css.add(url)
        path = urlsplit(url).path
        found = finders.find(path[len(settings.STATIC_URL) :]) if path.startswith(settings.STATIC_URL) else None
        if not found:
            self.offences.append(f"{url}: stylesheet not found")
            return
        with open(found, encoding="utf-8") as css:
            for ref in css_urls(css.read()):
                if offends(ref):
                    self.offences.append(f"{url}: url({ref})")
                else:
                    self.check_static(url, "url()", urljoin(url, ref))

    def get(self, url: str, **extra: Any) -> Any:
        response = self.client.get(url, **extra)
        self.pages[url] = response.status_code
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        html = body_of(response).decode(response.charset or "utf-8") if is_html(response) else None
        self.fetched[url] = (response.get("Location"), html)
        if html is not None:
            self.check_html(url, html)
        return response

    def crawl(self, start: list[str]) -> None:
        """Follows same-origin links breadth-first, visiting a few pages of each kind."""
        queue = deque(start)
        seen: set[str] = set(start)
        kinds: Counter[tuple[Any, ...]] = Counter()
        while queue and len(self.pages) < MAX_PAGES:
            url = queue.popleft()
            if url not in self.fetched:
                kind = page_kind(url)
                if kind is None or kinds[kind] >= VISITS_PER_KIND:
                    continue
                kinds[kind] += 1
                self.get(url)
            location, html = self.fetched[url]
            targets = [location] if location else []
            if html is not None:
                refs = References()
                refs.feed(html)
                targets += refs.links
            for href in targets:
                target = urljoin(url, href).split("#")[0]
                parts = urlsplit(target)
                if not target or offends(target) or parts.scheme in HARMLESS_SCHEMES:
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    seen.add(target)
                    queue.append(target)


def page_kind(url: str) -> tuple[Any, ...] | None:
    """What kind of page a URL opens, or None for what the crawler does not follow."""
    parts = urlsplit(url)
    skip = (settings.STATIC_URL, settings.MEDIA_URL, "/i18n/", "/accounts/logout/", "/django-admin/", "/api/")
    if parts.path.startswith(skip):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return ("404",)
    if match.url_name.endswith(("_export", "download")):
        return None  # files, not pages
    query = dict(parse_qsl(parts.query))
    return (match.view_name, tuple(sorted(query)), query.get("tab"))


@pytest.fixture
def records(units, people) -> dict[str, Any]:
    """A finished job per persona, some history and one record of each registry model in county A, so that
    the crawler also reaches detail, edit and delete pages with content."""
    for name, user in people.items():
        Job.objects.create(
            kind="export",
            title=f"导出 {name}",
            status=Job.Status.SUCCEEDED,
            created_by=user,
            org_unit=user.membership.org_unit,
            progress_done=3,
            progress_total=3,
        )
    actor = Actor(user=people["city_admin"], source=Source.FORM)
    town = units["330402001"]
    record(actor, Action.UPDATE, town, {"name": ["旧名", town.name]})
    record(actor, Action.UPDATE, people["a_viewer"], {"display_name": ["旧名", "a_viewer"]})
    company = factories.enterprise(units["330402"])
    person = factories.talent(units["330402"], employer=company, email="talent@example.org")
    factories.enterprise_year(company)
    factories.team(units["330402"], person)
    factories.service_request(person)
    return {"town": town, "other_town": units["330411001"], "account": people["a_viewer"]}


def explicit_urls(records: dict[str, Any]) -> list[str]:
    town, account = records["town"], records["account"]
    pages = [reverse("home")]
    for registry, obj in ((org_units, town), (users, account)):
        detail = registry.url("detail", obj)
        pages += [
            registry.url("list"),
            registry.url("create"),
            detail,
            f"{detail}?tab=history",
            registry.url("edit", obj),
            registry.url("delete", obj),
        ]
    pages += [
        org_units.url("detail", town) + "?tab=structure",
        org_units.url("detail", records["other_town"]),  # out of scope for county A: the 404 page
        reverse("orgs:user_password", args=[account.pk]),
        reverse("password_change"),
        reverse("password_change_done"),
        reverse("jobs:list"),
        reverse("audit:search"),
        reverse("api-docs"),
        "/no-such-page/",
    ]
    return pages


def report(checker: Checker) -> str:
    return "URLs that leave the portal's origin or point at nothing:\n" + "\n".join(sorted(set(checker.offences)))


@pytest.mark.parametrize("persona", PAGE_PERSONAS)
def test_signed_in_pages_load_only_from_the_portal(client, people, records, persona) -> None:
    client.force_login(people[persona])
    checker = Checker(client)
    for url in explicit_urls(records):
        checker.get(url)
    own_job = Job.objects.get(created_by=people[persona])
    checker.get(own_job.get_absolute_url())
    # The browsable API is HTML too.
    checker.get("/api/v1/", HTTP_ACCEPT="text/html")
    checker.get(reverse("orgunit-list"), HTTP_ACCEPT="text/html")
    checker.get(reverse("cockpit:dashboard"))
    checker.crawl([reverse("home")])

    assert not checker.offences, report(checker)
    # Pages every persona may open did open, so the check above looked at real content.
    assert checker.pages[reverse("home")] == (302 if persona.endswith("_viewer") else 200)  # a lead's is the cockpit
    for url in [
        reverse("cockpit:dashboard"),
        org_units.url("list"),
        reverse("jobs:list"),
        reverse("api-docs"),
        own_job.get_absolute_url(),
    ]:
        assert checker.pages[url] == 200, f"{url} answered {checker.pages[url]}"
    assert checker.pages["/no-such-page/"] == 404
    if persona == "city_admin":
        missing = [url for url in explicit_urls(records) if url != "/no-such-page/" and checker.pages[url] != 200]
        assert not missing, f"the city admin could not open {missing}"
    nav_kinds = {page_kind(url)[0] for url, status in checker.pages.items() if status == 200 and page_kind(url)}
    home = "cockpit:dashboard" if persona.endswith("_viewer") else "home"
    assert {home, "orgs:orgunit_list", "jobs:list"} <= nav_kinds


def test_api_docs_use_the_bundled_swagger_ui(client, people) -> None:
    client.force_login(people["city_viewer"])
    checker = Checker(client)
    response = checker.get(reverse("api-docs"))
    assert response.status_code == 200
    refs = checker.check_html("/api/docs/", response.content.decode())
    scripts = [url for where, url in refs.urls if where == "<script src>"]
    assert any("swagger-ui-bundle" in url for url in scripts), scripts
    # The bundled files, and Swagger UI's start-up script from the docs view itself (no inline script: CSP).
    assert all(url.startswith((settings.STATIC_URL, reverse("api-docs"))) for url in scripts), scripts
    assert not checker.offences, report(checker)


def test_anonymous_pages_load_only_from_the_portal(people) -> None:
    client = Client()
    checker = Checker(client)
    login = reverse("login")
    checker.get(login)
    checker.get(reverse("home"))  # redirects to the login page
    checker.get("/no-such-page/")
    checker.get(reverse("api-docs"))

    # A failed sign-in, then the lock-out page.
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(login, {"username": "a_viewer", "password": "wrong-password"})
        assert response.status_code < 500
        checker.check_html(f"{login} (POST)", response.content.decode())
    assert response.status_code != 302  # still refused

    # The CSRF failure page.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(login, {"username": "a_viewer", "password": "x"})
    assert response.status_code == 403
    checker.check_html(f"{login} (POST without CSRF token)", response.content.decode())

    # The 400 and 500 pages have no URL to reach them by.
    request = RequestFactory().get("/")
    for template in ("errors/400.html", "errors/500.html"):
        checker.check_html(template, render_to_string(template, request=request))

    assert checker.pages[login] == 200
    assert checker.pages["/no-such-page/"] == 404
    assert not checker.offences, report(checker)
