"""The pages and the API answer alike: every registry, every persona, a record of county A and one of county B.

Both doors read the registry's one declaration of rights; a kind written through one door only says so
(``Registry.written_through``), and the other door then reads it and refuses every write (403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from talentportal.api import router
from talentportal.orgs.models import Membership, Role, User
from talentportal.registry.base import API, PAGES, REGISTRIES, Registry
from tests.assessments import conftest as af
from tests.conftest import PERSONAS
from tests.plans import factories as plf
from tests.platforms import factories as pf
from tests.programs import factories as gf
from tests.talents import factories as tf

pytestmark = pytest.mark.django_db


def member(unit: Any) -> User:
    user = User.objects.create_user(username=f"clerk{unit.code}", password="Clerk-pass-2026")
    Membership.objects.create(user=user, org_unit=unit, role=Role.VIEWER)
    return user


def selection(unit: Any) -> Any:
    return gf.selected(gf.batch(gf.program(unit)), unit)


def assessed(unit: Any) -> Any:
    """``unit`` assessed in an open scheme of the city, with a target."""
    return af.assessee_of(af.make_scheme({}, assessees=(unit,), targets={"1.1": "5"}), unit.code)


def mark(unit: Any) -> Any:
    from assessments.models import Mark

    reviewer = User.objects.create_user(username=f"reviewer{unit.code}", password="Clerk-pass-2026")
    submission = assessed(unit).submission
    indicator = af.indicator_of(submission.assessee.scheme, "1.2")
    return Mark.objects.create(submission=submission, indicator=indicator, reviewer=reviewer, points=2)


def event(unit: Any) -> Any:
    import datetime

    from assessments.models import Event

    assessee = assessed(unit)
    indicator = af.indicator_of(assessee.scheme, "B")
    return Event.objects.create(
        scheme=assessee.scheme, assessee=assessee, indicator=indicator, level="national",
        occurred_on=datetime.date(2026, 3, 1), description="入选国家级人才计划",
    )  # fmt: skip


# A record owned by ``unit`` (a town of a county), per registry.
MAKE: dict[str, Callable[[Any], Any]] = {
    "orgs.orgunit": lambda unit: unit,
    "orgs.user": member,
    "talents.talent": tf.talent,
    "talents.enterprise": tf.enterprise,
    "talents.enterpriseyear": lambda unit: tf.enterprise_year(tf.enterprise(unit)),
    "talents.team": lambda unit: tf.team(unit, tf.talent(unit)),
    "talents.servicerequest": lambda unit: tf.service_request(tf.talent(unit)),
    "platforms.platform": pf.platform,
    "platforms.platformyear": lambda unit: pf.platform_year(pf.platform(unit)),
    "platforms.residency": lambda unit: pf.residency(pf.platform(unit), talent=tf.talent(unit)),
    "programs.program": gf.program,
    "programs.batch": lambda unit: gf.batch(gf.program(unit)),
    "programs.selection": selection,
    "programs.tranche": lambda unit: gf.tranche(selection(unit)),
    "assessments.scheme": lambda unit: af.make_scheme({}, office=unit, assessees=(), status="draft"),
    "assessments.indicator": lambda unit: af.indicator_of(af.make_scheme({}, office=unit, assessees=()), "1.1"),
    "assessments.assessee": assessed,
    "assessments.target": lambda unit: assessed(unit).targets.get(),
    "assessments.submission": lambda unit: assessed(unit).submission,
    "assessments.mark": mark,
    "assessments.event": event,
    "plans.plan": plf.plan,
    "plans.planindicator": lambda unit: plf.indicator(plf.plan(unit)),
    "plans.plantarget": lambda unit: plf.target(plf.indicator(plf.plan(unit)), unit),
    "plans.planactual": lambda unit: plf.actual(plf.indicator(plf.plan(unit)), unit, 2023, "1"),
}
VIEWSETS = {viewset.registry.model._meta.label_lower: (viewset, basename) for _, viewset, basename in router.registry
            if hasattr(viewset, "registry")}  # fmt: skip


def test_every_registry_has_its_api_and_the_viewset_reads_it() -> None:
    assert set(VIEWSETS) == set(MAKE) == set(REGISTRIES)
    for label, (viewset, _basename) in VIEWSETS.items():
        assert viewset.registry is REGISTRIES[label]
        assert viewset.queryset.model is REGISTRIES[label].model


def answer(status: int) -> str:
    """What a door's status code says about the user's rights."""
    if status in (401, 403):
        return "refused"
    if status == 404:
        return "hidden"
    assert status < 500, status
    return "allowed"  # done, or a form / payload the door would take once filled in correctly


def page_answers(client: Any, registry: Registry, obj: Any) -> dict[str, str]:
    return {
        "list": answer(client.get(registry.url("list")).status_code),
        "detail": answer(client.get(registry.url("detail", obj)).status_code),
        "create": answer(client.get(registry.url("create")).status_code),
        "update": answer(client.get(registry.url("edit", obj)).status_code),
        "delete": answer(client.get(registry.url("delete", obj)).status_code),
    }


def api_answers(api_client: Any, basename: str, obj: Any) -> dict[str, str]:
    detail = reverse(f"{basename}-detail", args=[obj.pk])
    # A write the door refuses is refused before the payload is read, so an empty one tells the right apart (the
    # update changes nothing); a delete is decided by the same object permission as the update.
    update = answer(api_client.patch(detail, {}, format="json").status_code)
    return {
        "list": answer(api_client.get(reverse(f"{basename}-list")).status_code),
        "detail": answer(api_client.get(detail).status_code),
        "create": answer(api_client.post(reverse(f"{basename}-list"), {}, format="json").status_code),
        "update": update,
        "delete": update,
    }


@pytest.mark.parametrize("label", sorted(MAKE))
def test_pages_and_api_agree(label, client, api_client, people, units) -> None:
    registry = REGISTRIES[label]
    _viewset, basename = VIEWSETS[label]
    records = {"own": MAKE[label](units["330402001"]), "other": MAKE[label](units["330411001"])}
    for persona in PERSONAS:
        client.force_login(people[persona])
        api_client.force_authenticate(people[persona])
        for which, obj in records.items():
            pages, api = page_answers(client, registry, obj), api_answers(api_client, basename, obj)
            for name, door in ((PAGES, pages), (API, api)):
                if name not in registry.written_through:
                    # Declared read-only at this door: every write refused where the record can be seen at all.
                    assert door["create"] == "refused", (persona, which, name)
                    hidden = door["detail"] == "hidden"
                    assert door["update"] == door["delete"] == ("hidden" if hidden else "refused"), (persona, which)
                    for action in ("create", "update", "delete"):
                        pages[action] = api[action] = "read-only at one door"
            assert pages == api, (persona, which)
