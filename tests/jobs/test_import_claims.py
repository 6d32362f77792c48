"""Starting an import's apply or undo claims it: of two requests that both saw it ready (two clicks, two API
calls), one queues the step and the other is told it cannot, with nothing queued twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from talentportal.jobs.importing import services
from talentportal.jobs.importing.services import ImportStateError
from talentportal.jobs.models import Import, Job
from talents.models import Talent

from .test_imports import person, roster

pytestmark = pytest.mark.django_db

IMPORTING = Path(settings.BASE_DIR) / "talentportal" / "jobs" / "importing"


def checked(tmp_path: Path, admin: Any) -> Import:
    path = roster(tmp_path / "r.xlsx", [person(1), person(2)])
    with path.open("rb") as stream:
        imp = services.import_start(kind="talents", upload=stream, name=path.name, size=1, acting_user=admin)
    services.run(imp, services.CHECK)
    assert imp.status == Import.Status.CHECKED, imp.message
    return imp


def refusal_on_page(client: Any, name: str, imp: Import) -> list[str]:
    """The messages the page shows after the POST, put back in English."""
    response = client.post(reverse(name, args=[imp.pk]), follow=True)
    assert response.status_code == 200
    english = {}
    for text in (
        "Only a checked import that has not been applied can be applied.",
        "Only an applied import can be undone.",
    ):
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                english[translation.gettext(text)] = text
    return [english.get(str(m), str(m)) for m in get_messages(response.wsgi_request)]


def test_two_applies_queue_one(tmp_path, people, api_client, client) -> None:
    admin = people["a_admin"]
    imp = checked(tmp_path, admin)
    first, second = Import.objects.get(pk=imp.pk), Import.objects.get(pk=imp.pk)  # what two requests read
    jobs = Job.objects.count()
    services.import_apply(imp=first, keep_valid=False, acting_user=admin)
    with translation.override("en"), pytest.raises(ImportStateError) as refused:
        services.import_apply(imp=second, keep_valid=True, acting_user=admin)
    assert refused.value.message == "Only a checked import that has not been applied can be applied."
    assert Job.objects.count() == jobs + 1
    imp.refresh_from_db()
    assert (imp.status, imp.keep_valid, imp.job) == (Import.Status.APPLYING, False, first.job)

    api_client.force_authenticate(admin)
    answer = api_client.post(f"/api/v1/imports/{imp.pk}/apply/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409 and answer.json()["detail"] == refused.value.message
    client.force_login(admin)
    assert refusal_on_page(client, "jobs:import_apply", imp) == [refused.value.message]
    assert Job.objects.count() == jobs + 1


def test_two_undos_queue_one(tmp_path, people, api_client, client) -> None:
    admin = people["a_admin"]
    imp = checked(tmp_path, admin)
    services.run(imp, services.APPLY)
    assert imp.status == Import.Status.APPLIED and Talent.objects.count() == 2
    first, second = Import.objects.get(pk=imp.pk), Import.objects.get(pk=imp.pk)
    jobs = Job.objects.count()
    services.import_undo(imp=first, acting_user=admin)
    with translation.override("en"), pytest.raises(ImportStateError) as refused:
        services.import_undo(imp=second, acting_user=admin)
    assert refused.value.message == "Only an applied import can be undone."
    assert Job.objects.count() == jobs + 1
    imp.refresh_from_db()
    assert imp.status == Import.Status.UNDOING

    api_client.force_authenticate(admin)
    answer = api_client.post(f"/api/v1/imports/{imp.pk}/undo/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409 and answer.json() == {"detail": refused.value.message}
    client.force_login(admin)
    assert refusal_on_page(client, "jobs:import_undo", imp) == [refused.value.message]
    assert Job.objects.count() == jobs + 1 and Talent.objects.count() == 2


def test_undo_conflicts_stop_the_undo_at_every_door(tmp_path, people, api_client, client) -> None:
    admin = people["a_admin"]
    imp = checked(tmp_path, admin)
    services.run(imp, services.APPLY)
    Talent.objects.filter(name="人才1").update(tier="youth")  # a change the audit log did not see
    jobs = Job.objects.count()
    with pytest.raises(ImportStateError) as refused:
        services.import_undo(imp=imp, acting_user=admin)
    assert len(refused.value.conflicts) == 1
    api_client.force_authenticate(admin)
    answer = api_client.post(f"/api/v1/imports/{imp.pk}/undo/")
    assert answer.status_code == 409 and len(answer.json()["conflicts"]) == 1
    client.force_login(admin)
    imp.refresh_from_db()
    assert refusal_on_page(client, "jobs:import_undo", imp) == [imp.message]
    assert len(imp.conflicts) == 1 and imp.status == Import.Status.APPLIED  # kept for the page to list
    assert Job.objects.count() == jobs


@pytest.mark.parametrize("module", sorted(p.stem for p in IMPORTING.glob("*.py") if p.stem != "__init__"))
def test_each_import_module_imports_on_its_own(module: str) -> None:
    """Each stage imports alone, first in a fresh interpreter: a cycle among them would fail one of these."""
    code = f"import django; django.setup(); import talentportal.jobs.importing.{module}"
    env = {"DJANGO_SETTINGS_MODULE": "talentportal.settings.test", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
