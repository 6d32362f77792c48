"""Every request is answered in its own language: nothing translated is forced once and kept for everyone."""

from __future__ import annotations

import re

import pytest

from talentportal.registry.base import REGISTRIES

from ..conftest import choose_language

LABEL = re.compile(r'<label class="form-label[^"]*" for="[^"]*">([^<]*)</label>')
EMPTY_OPTION = re.compile(r'<option value=""[^>]*>([^<]*)</option>')
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _schema_generated_here():
    """Each test generates the schema itself: one generated earlier in the process would be served from memory."""
    from talentportal.registry.schema import GENERATED

    GENERATED.clear()


def filter_bar(client, url: str) -> tuple[list[str], set[str]]:
    html = client.get(url).content.decode()
    return LABEL.findall(html), set(EMPTY_OPTION.findall(html))


def list_urls() -> list[str]:
    return [str(registry.url("list")) for registry in REGISTRIES.values()]


def test_the_schema_leaves_talent_filters_in_chinese(client, people, units):
    client.force_login(people["a_editor"])
    choose_language(client, "en")
    assert client.get("/api/schema/").status_code == 200
    choose_language(client, "zh-hans")
    labels, empty = filter_bar(client, "/registry/talents/")
    for label in ("人才类别", "人才层次", "产业领域", "最高学历"):
        assert label in labels, labels
    assert not {"Category", "Tier", "Industry", "Highest degree"} & set(labels)
    assert empty == {"全部"}


@pytest.mark.parametrize("first", ["en", "zh-hans"])
def test_every_list_page_keeps_its_language_after_the_schema(client, people, units, first):
    client.force_login(people["city_admin"])
    pages = {}
    for language in ("zh-hans", "en"):
        choose_language(client, language)
        pages[language] = {url: filter_bar(client, url) for url in list_urls()}
    choose_language(client, first)
    assert client.get("/api/schema/").status_code == 200
    for language in ("zh-hans", "en"):
        choose_language(client, language)
        for url in list_urls():
            assert filter_bar(client, url) == pages[language][url], (language, url)
    for labels, empty in pages["zh-hans"].values():
        assert all(CJK.search(label) for label in labels), labels
        assert empty <= {"全部"}, empty


def test_the_schema_does_not_widen_filter_choices(client, people, units):
    """Choices built once for the schema would list every county's records in every later filter bar."""
    from tests.programs import factories as program_factories

    program_factories.program(units["330411"], name="秀洲专属计划")
    client.force_login(people["city_admin"])
    assert client.get("/api/schema/").status_code == 200
    client.force_login(people["a_editor"])
    for url in ("/registry/talents/", "/programs/batches/", "/programs/selections/", "/programs/tranches/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "秀洲专属计划" not in response.content.decode(), url
