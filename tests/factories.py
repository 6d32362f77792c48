"""Factories of the cast every test shares: org units and user accounts with their membership (factory_boy).

The records of each registry have their factories beside their tests (``tests/<app>/factories.py``).
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from talentportal.orgs.models import Membership, OrgUnit, Role, User

PASSWORD = "Persona-pass-2026"


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"990{n:06d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrgUnit.Kind.TOWN
    parent = None


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda user: user.username)
    password = Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = Role.VIEWER


def org_tree() -> dict[str, OrgUnit]:
    """The demo city's org tree (the city, its counties, some towns and the departments), by code."""
    from talentportal.orgs.demo import seed_org_units

    seed_org_units()
    return {unit.code: unit for unit in OrgUnit.objects.all()}


def persona(username: str, unit: OrgUnit, role: str) -> User:
    """An account named ``username`` with ``role`` in ``unit``, signing in with ``PASSWORD``."""
    return MembershipFactory(user__username=username, org_unit=unit, role=role).user
