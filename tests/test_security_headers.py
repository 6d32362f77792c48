"""Security headers: a Content-Security-Policy that allows only the portal's own files (no inline script, no
inline style, no other host), pages that keep to it, and the API schema and docs for signed-in users only."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from .test_same_origin import Checker

TEMPLATES = Path(settings.BASE_DIR) / "templates"
EXPECTED_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never run


def directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' refuses: inline scripts, on* handlers, javascript: URLs, style
    attributes and <style> blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            elif name == "style":
                self.found.append(f"<{tag} style>")
            elif value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not values.get("src") and values.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self._script = ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if self._script.strip():
                self.found.append(f"<script>{self._script.strip()[:80]}")
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_every_page_has_the_content_security_policy(client, people):
    for url in ("/accounts/login/", "/no-such-page/"):
        response = client.get(url)
        assert directives(response) == EXPECTED_DIRECTIVES, url
    client.force_login(people["a_editor"])
    for url in ("/", "/orgs/units/", "/no-such-page/", "/jobs/"):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html")
        assert directives(response) == EXPECTED_DIRECTIVES, url
    # The lock-out page too.
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "a_viewer", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "a_viewer", "password": "wrong"})
    assert locked.status_code == 429 and directives(locked) == EXPECTED_DIRECTIVES


@pytest.mark.parametrize("path", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_script_or_style(path):
    # Template tags inside attribute values ({% if %}…) are kept; the parser sees them as text.
    html = re.sub(r"{#.*?#}", "", (TEMPLATES / path).read_text(encoding="utf-8"))
    assert inline_code(html) == [], f"{path}: move these into static/js or static/css"


def test_pages_of_the_demo_city_keep_to_the_policy(demo_city):
    from talentportal.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    checker = Checker(client)
    checker.crawl([reverse("home")])
    for template in ("errors/400.html", "errors/500.html"):
        checker.fetched[template] = (None, render_to_string(template, request=RequestFactory().get("/")))
    pages = {url: html for url, (_, html) in checker.fetched.items() if html}
    assert len(pages) > 50, "the crawl saw too little to prove anything"
    offences = {url: found for url, html in pages.items() if (found := inline_code(html))}
    assert offences == {}
    # Charts carry their options as data (json_script), which the policy does not run.
    charted = [html for html in pages.values() if "data-chart=" in html]
    assert charted and all('type="application/json"' in html for html in charted)


def test_api_schema_is_for_signed_in_users_only(client, api_client, people):
    assert api_client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/schema/").status_code in (401, 403)
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/org-units/" in response.content


def test_api_docs_send_anonymous_users_to_sign_in(client, people):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/api/docs/"
    assert client.get("/api/docs/?script=").status_code == 302


def test_api_docs_work_for_signed_in_users_within_the_policy(client, people):
    client.force_login(people["a_viewer"])
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and directives(page) == EXPECTED_DIRECTIVES
    assert inline_code(html) == []
    # Swagger UI's start-up script comes from the same view, as a script file.
    src = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', html)
    assert src is not None, html
    script = client.get(src.group(1).replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content and b"/api/schema/" in script.content


def test_the_icon_is_where_browsers_look_for_it(client) -> None:
    """Anyone, signed in or not, asking /favicon.ico is sent to the portal's icon, which is served."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/img/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
