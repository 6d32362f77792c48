"""The sidebar is rendered once per process for each page name, section, role and language, and kept: what each
page shows is still its own (the active item, the links the role has, the language)."""

from __future__ import annotations

import re

import pytest
from django.test.signals import template_rendered
from django.urls import reverse, set_script_prefix

from talentportal.registry.templatetags.portal import _nav

pytestmark = pytest.mark.django_db


def active(html: str) -> list[str]:
    return re.findall(r'class="nav-link active" href="(/[^"]*)"', html)


@pytest.fixture
def nav_renders():
    """How often ``partials/nav.html`` is rendered, from an empty store."""
    _nav.cache_clear()
    renders: list[str] = []

    def count(sender, template, **kwargs):
        if template.name == "partials/nav.html":
            renders.append(template.name)

    template_rendered.connect(count)
    yield renders
    template_rendered.disconnect(count)
    _nav.cache_clear()


def test_a_page_opened_again_reuses_its_sidebar(client, people, nav_renders) -> None:
    client.force_login(people["a_editor"])
    talents = reverse("talents:talent_list")
    first = client.get(talents).content.decode()
    assert client.get(talents).content.decode().count('class="nav-link') == first.count('class="nav-link')
    assert client.get(talents, {"q": "王"}).status_code == 200  # the same page with a query: the same sidebar
    assert len(nav_renders) == 1
    assert active(first) == [talents]
    platforms = reverse("platforms:platform_list")
    assert active(client.get(platforms).content.decode()) == [platforms]  # another page, its own item active
    assert len(nav_renders) == 2


def test_each_role_gets_its_own_links(client, people, nav_renders) -> None:
    users = f'href="{reverse("orgs:user_list")}"'
    queue = f'href="{reverse("talents:service_queue")}"'
    page = reverse("talents:talent_list")
    shown = {}
    for persona in ("city_admin", "a_viewer", "a_editor", "city_admin"):
        client.force_login(people[persona])
        shown[persona] = client.get(page).content.decode()
    assert users in shown["city_admin"] and queue in shown["city_admin"]
    assert users not in shown["a_viewer"] and queue not in shown["a_viewer"]
    assert users not in shown["a_editor"] and queue in shown["a_editor"]
    assert len(nav_renders) == 3  # the admin's second visit found the admin's sidebar


def test_the_sidebar_follows_the_language(client, people, nav_renders) -> None:
    client.force_login(people["a_viewer"])
    page = reverse("talents:talent_list")
    assert "人才" in client.get(page).content.decode().split('class="offcanvas-body')[1][:3000]
    client.post(reverse("set_language"), {"language": "en", "next": page})
    english = client.get(page).content.decode().split('class="offcanvas-body')[1][:3000]
    assert "Talents" in english and "人才" not in english
    assert len(nav_renders) == 2


def test_error_pages_have_the_sidebar_with_nothing_active(client, people, nav_renders) -> None:
    client.force_login(people["a_viewer"])
    response = client.get("/registry/no-such-registry/")
    html = response.content.decode()
    assert response.status_code == 404 and reverse("talents:talent_list") in html and active(html) == []


def test_another_language_list_or_script_prefix_gets_its_own_sidebar(client, people, nav_renders, settings) -> None:
    client.force_login(people["a_viewer"])
    page = reverse("talents:talent_list")
    client.get(page)
    settings.TIME_ZONE = "UTC"  # nothing the sidebar is made of
    client.get(page)
    assert len(nav_renders) == 1
    settings.LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
    client.get(page)
    assert len(nav_renders) == 2
    set_script_prefix("/portal/")  # the portal served under a path of its host: every link under it
    try:
        html = client.get(page).content.decode().split('class="offcanvas-body')[1]
    finally:
        set_script_prefix("/")
    assert f'href="/portal{page}"' in html and f'href="{page}"' not in html


def test_a_page_under_another_urlconf_gets_its_own_sidebar(client, people, nav_renders, monkeypatch) -> None:
    """Another URLconf put in force without a signal (as ``pytest.mark.urls`` does) is a sidebar of its own."""
    from django.conf import settings as django_settings
    from django.urls import clear_url_caches

    client.force_login(people["a_viewer"])
    page = reverse("talents:talent_list")
    client.get(page)
    monkeypatch.setattr(django_settings, "ROOT_URLCONF", "tests.crashing_urls")
    clear_url_caches()
    try:
        assert client.get(page).status_code == 200
    finally:
        monkeypatch.undo()
        clear_url_caches()
    assert len(nav_renders) == 2
