"""The portal's form renderer writes what Django's own does, faster: every registry's list (its filter bar), new
record and edit pages, compared with Django's renderer."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from talentportal.registry.base import REGISTRIES
from tests.e2e.every_page import build_city

pytestmark = pytest.mark.django_db

# What differs between two requests: the CSRF token, the signed version of the record the edit page shows.
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|name="_version" value=")[^"]+')


def pages(records: dict[str, list[object]]) -> list[str]:
    urls = []
    for registry in list(REGISTRIES.values()):
        urls += [str(registry.url("list")), str(registry.url("create"))]
        urls += [str(registry.url("edit", item)) for item in records["330402"] if type(item) is registry.model]
    return urls


def test_forms_render_as_djangos_own_renderer_renders_them(client, people, units) -> None:
    client.force_login(people["city_admin"])
    urls = pages(build_city(units))
    assert len(urls) > 40
    ours = {url: client.get(url) for url in urls}
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        django = {url: client.get(url) for url in urls}
    selects = 0
    for url in urls:
        assert ours[url].status_code == django[url].status_code, url
        mine, theirs = (TOKEN.sub(r"\1", r.content.decode()) for r in (ours[url], django[url]))
        assert mine == theirs, url
        selects += mine.count("<option")
    assert sum(r.status_code == 200 for r in ours.values()) > 40
    assert selects > 500  # the comparison saw the options it is about
