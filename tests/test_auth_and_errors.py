"""Sign-in, throttling and the answers to bad requests: clear pages, never a stack trace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from talentportal.audit.models import Action, AuditEntry

from .conftest import PASSWORD, choose_language

ROOT = Path(__file__).resolve().parent.parent


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_wrong_password_gives_clear_message_and_is_audited(client, people):
    choose_language(client, "en")
    response = client.post("/accounts/login/", {"username": "a_editor", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="login-error"' in html and "Please enter a correct username and password" in html
    assert "_auth_user_id" not in client.session
    failed = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert failed.username == "a_editor" and failed.source == "auth"


def test_successful_login_is_audited(client, people):
    response = client.post("/accounts/login/", {"username": "a_editor", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.LOGIN, user=people["a_editor"]).exists()


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "a_editor", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "a_editor", "password": PASSWORD})
    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, username="a_editor").exists()
    # Another account from the same address is not locked.
    assert client.post("/accounts/login/", {"username": "a_viewer", "password": PASSWORD}).status_code == 302


def test_token_auth(api_client, people):
    response = api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = api_client.get("/api/v1/org-units/")
    assert listing.status_code == 200
    assert {row["code"] for row in listing.json()["results"]} >= {"330402"}


def test_token_with_wrong_password_is_refused(api_client, people):
    response = api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Token", "Token a b", "Bearer xyz"])
def test_malformed_token_is_a_clean_401(api_client, people, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/org-units/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_anonymous_api_throttled(api_client, monkeypatch, people):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    codes = [
        api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": "x"}).status_code for _ in range(5)
    ]
    assert codes[:3] == [400, 400, 400]
    assert codes[-1] == 429


def test_expired_session_redirects_to_login(client, people):
    client.force_login(people["a_viewer"])
    client.session.flush()  # the server forgets the session, as after expiry
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=session_key).delete()
    response = client.get("/orgs/units/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    api = client.get("/api/v1/org-units/")
    assert api.status_code in (401, 403) and "detail" in api.json()


def test_post_without_csrf_token_is_a_clean_403(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["city_admin"])
    response = client.post("/orgs/units/new/", {"code": "1", "name": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-page"' in html and "Traceback" not in html


@pytest.mark.parametrize(("language", "text"), [("en", "Page not found"), ("zh-hans", "页面不存在")])
def test_unknown_url_is_a_styled_404_in_the_users_language(client, people, language, text):
    client.force_login(people["a_viewer"])
    choose_language(client, language)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-page"' in html and text in html


def test_pages_open_in_chinese_even_for_an_english_browser_and_the_api_follows_accept_language(
    client, api_client, people
):
    client.force_login(people["a_editor"])  # a viewer's home is the cockpit
    assert "欢迎" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    english = api_client.get("/api/v1/org-units/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.get("/api/v1/org-units/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.json()["detail"] == "Invalid token."
    assert english.json()["detail"] != chinese.json()["detail"]


def test_language_switch(client, people):
    client.force_login(people["a_editor"])  # a viewer's home is the cockpit
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Welcome" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "欢迎" in client.get("/").content.decode()


def test_deploy_check_is_clean_with_debug_off_and_a_secret_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "talentportal.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-real-deployment-key-" + "k" * 40 + "-9f8e7d6c5b4a",
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "TALENTPORTAL_VAR_DIR": str(tmp_path),
    }
    for name in (
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_SECURE_COOKIES",
        "DJANGO_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr.upper().replace("NO ISSUES", "")


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "talentportal.settings.base",
        "DJANGO_DEBUG": "0",
        "TALENTPORTAL_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_openapi_schema_and_docs(client, people):
    client.force_login(people["a_viewer"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/org-units/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_api_pages_past_a_capped_count(api_client, people, units, monkeypatch):
    from talentportal.orgs.models import OrgUnit
    from talentportal.registry.pagination import Pagination

    monkeypatch.setattr(Pagination, "cap", 5)
    api_client.force_authenticate(people["city_admin"])
    total = OrgUnit.objects.count()
    first = api_client.get("/api/v1/org-units/", {"page_size": 4}).json()
    assert first["count"] == 5 and first["count_capped"] is True and first["previous"] is None
    seen = [row["code"] for row in first["results"]]
    url = first["next"]
    while url:
        body = api_client.get(url).json()
        seen += [row["code"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == total
    small = api_client.get("/api/v1/org-units/", {"q": "南湖"}).json()
    assert small["count"] == 1 and small["count_capped"] is False and small["next"] is None
    assert api_client.get("/api/v1/org-units/", {"page": "0"}).status_code == 404
    assert api_client.get("/api/v1/org-units/", {"page": "999"}).status_code == 404


@pytest.fixture
def debug_on(settings):
    """As `make run` has it: the developer's debug mode."""
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "页面不存在"), ("en", "Page not found")])
def test_out_of_scope_record_in_debug_is_the_portals_404_in_the_users_language(
    client, people, units, debug_on, language, text
):
    from tests.talents.factories import talent

    other = talent(units["330411"], name="秀洲人才")
    client.force_login(people["a_viewer"])
    choose_language(client, language)
    for url in (f"/registry/talents/{other.pk}/", "/no/such/page/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404
        assert 'id="error-page"' in html and text in html and f'lang="{language}"' in html
        assert "Using the URLconf" not in html and "DEBUG = True" not in html and "秀洲人才" not in html
    if language == "zh-hans":
        assert "Page not found" not in html


def test_forbidden_page_in_debug_is_the_portals_403(client, people, debug_on):
    client.force_login(people["a_viewer"])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert 'id="error-page"' in response.content.decode() and "Traceback" not in response.content.decode()


def test_a_crash_in_debug_shows_the_portals_500_and_logs_the_traceback(client, people, debug_on, caplog):
    debug_on.ROOT_URLCONF = "tests.crashing_urls"
    client.force_login(people["a_viewer"])
    choose_language(client, "zh-hans")
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/crash/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出现错误" in html and "Traceback" not in html and "crash on purpose" not in html
    assert any(record.exc_info and "crash on purpose" in str(record.exc_info[1]) for record in caplog.records)


def test_the_api_keeps_json_errors_in_debug(api_client, people, units, debug_on):
    from tests.talents.factories import talent

    other = talent(units["330411"])
    api_client.force_authenticate(people["a_viewer"])
    response = api_client.get(f"/api/v1/talents/{other.pk}/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
