"""Links are scoped without a line of form or serializer code, and a write that leaves the user's scope is
rolled back (403) at both doors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.forms import modelform_factory
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from platforms.models import Platform, Residency
from platforms.registries import platforms as platform_registry
from platforms.registries import residencies as residency_registry
from talentportal.audit.models import AuditEntry
from talentportal.orgs.forms import ScopedFormMixin
from talentportal.registry.api import ScopedModelViewSet
from tests.platforms import factories as platform_factories
from tests.talents import factories as talent_factories

pytestmark = pytest.mark.django_db

OWN, OTHER = "330402", "330411"  # county A (a_editor's), county B


@pytest.fixture
def links(units: dict[str, Any]) -> dict[str, Any]:
    return {
        "platform": platform_factories.platform(units[OWN]),
        "own_talent": talent_factories.talent(units[OWN]),
        "other_talent": talent_factories.talent(units[OTHER]),
        "own_enterprise": talent_factories.enterprise(units[OWN]),
        "other_enterprise": talent_factories.enterprise(units[OTHER]),
    }


def test_a_form_built_on_the_fly_offers_only_linked_records_in_scope(people, links) -> None:
    base = type("Scoped", (ScopedFormMixin, forms.ModelForm), {})
    form_class = modelform_factory(Residency, form=base, fields=["platform", "talent", "enterprise", "since"])
    form = form_class(user=people["a_editor"])
    offered = {name: set(form.fields[name].queryset) for name in ("platform", "talent", "enterprise")}
    assert offered["talent"] == {links["own_talent"]}
    assert offered["enterprise"] == {links["own_enterprise"]}
    assert offered["platform"] == {links["platform"]}
    # A record of another county is refused as an invalid choice, not linked.
    data = {"platform": links["platform"].pk, "talent": links["other_talent"].pk, "since": "2024-01-01"}
    bound = form_class(data, user=people["a_editor"])
    assert not bound.is_valid() and "talent" in bound.errors
    # The city sees both counties.
    assert set(form_class(user=people["city_admin"]).fields["talent"].queryset) >= {
        links["own_talent"],
        links["other_talent"],
    }


class PlainResidencySerializer(serializers.ModelSerializer):
    """No declared links: every relation is DRF's own ``PrimaryKeyRelatedField``."""

    class Meta:
        model = Residency
        fields = ["id", "platform", "talent", "enterprise", "since"]
        validators: list[Any] = []


class PlainResidencyViewSet(ScopedModelViewSet):
    registry = residency_registry
    queryset = Residency.objects.all()
    serializer_class = PlainResidencySerializer


def post_residency(user: Any, data: dict[str, Any]) -> Any:
    request = APIRequestFactory().post("/api/v1/residencies/", data, format="json")
    force_authenticate(request, user)
    return PlainResidencyViewSet.as_view({"post": "create"})(request)


def test_a_serializer_without_link_code_accepts_only_records_in_scope(people, links) -> None:
    user = people["a_editor"]
    refused = post_residency(user, {"platform": links["platform"].pk, "enterprise": links["other_enterprise"].pk})
    assert refused.status_code == 400 and "enterprise" in refused.data
    assert not Residency.objects.exists()
    taken = post_residency(
        user, {"platform": links["platform"].pk, "enterprise": links["own_enterprise"].pk, "since": "2024-01-01"}
    )
    assert taken.status_code == 201, taken.data
    assert Residency.objects.get().enterprise == links["own_enterprise"]


def moving_form(units: dict[str, Any]) -> Any:
    """The platform form with a save that hands the record to county B, out of the editor's reach."""

    class MovingForm(platform_registry.form_class):  # type: ignore[name-defined,misc]
        def save(self, commit: bool = True) -> Any:
            self.instance.org_unit = units[OTHER]
            return super().save(commit)

    return MovingForm


def test_a_page_save_that_leaves_the_scope_is_rolled_back(client, people, units, monkeypatch) -> None:
    monkeypatch.setattr(platform_registry, "form_class", moving_form(units))
    client.force_login(people["a_editor"])
    created = client.post(
        platform_registry.url("create"),
        {"code": "MOVE-1", "name": "新平台", "kind": "maker_space", "level": "county", "org_unit": units[OWN].pk,
         "location": "local", "star_rating": 3},
    )  # fmt: skip
    assert created.status_code == 403
    assert not Platform.objects.filter(code="MOVE-1").exists()

    owned = platform_factories.platform(units[OWN])
    url = platform_registry.url("edit", owned)
    version = re.search(r'name="_version" value="([^"]+)"', client.get(url).content.decode())
    assert version is not None
    edited = client.post(
        url,
        {"code": owned.code, "name": "已修改", "kind": owned.kind, "level": owned.level, "org_unit": units[OWN].pk,
         "location": owned.location, "star_rating": 0, "_version": version.group(1)},
    )  # fmt: skip
    assert edited.status_code == 403
    owned.refresh_from_db()
    assert owned.org_unit_id == units[OWN].pk and owned.name != "已修改"
    assert not AuditEntry.objects.for_object(owned).exists()


class MovingPlatformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Platform
        fields = ["id", "code", "name", "kind", "level", "location", "star_rating"]

    def save(self, **kwargs: Any) -> Any:
        return super().save(org_unit=self.context["county_b"], **kwargs)


class MovingPlatformViewSet(ScopedModelViewSet):
    registry = platform_registry
    queryset = Platform.objects.all()
    serializer_class = MovingPlatformSerializer
    county_b: Any = None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "county_b": self.county_b}


def test_an_api_save_that_leaves_the_scope_is_rolled_back(people, units) -> None:
    owned = platform_factories.platform(units[OWN])
    view = MovingPlatformViewSet.as_view({"patch": "partial_update"}, county_b=units[OTHER])
    request = APIRequestFactory().patch(f"/api/v1/platforms/{owned.pk}/", {"name": "已修改"}, format="json")
    force_authenticate(request, people["a_editor"])
    assert view(request, pk=str(owned.pk)).status_code == 403
    owned.refresh_from_db()
    assert owned.org_unit_id == units[OWN].pk and owned.name != "已修改"
    assert not AuditEntry.objects.for_object(owned).exists()


def test_every_registry_form_with_links_scopes_them() -> None:
    import talentportal.urls  # noqa: F401  (every app's registries)
    from talentportal.registry.base import REGISTRIES

    assert len(REGISTRIES) >= 14
    for label, registry in REGISTRIES.items():
        fields = registry.form_class.base_fields.values()
        if any(isinstance(field, forms.ModelChoiceField) for field in fields):
            assert issubclass(registry.form_class, ScopedFormMixin), label
