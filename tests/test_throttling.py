"""Rate limits and sign-in lock-outs key on the client's real address: X-Forwarded-For is believed only from
the configured proxies, a locked-out token call says so, and spraying many user names from one address is
stopped too."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from talentportal.audit.models import Action, AuditEntry
from talentportal.security import client_ip

from .conftest import PASSWORD, choose_language

LOW_RATES = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute"}}
PROXY = "10.0.0.5"


class FakeRequest:
    def __init__(self, remote: str, forwarded: str | None = None) -> None:
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # no proxy configured: the header is ignored
        (["10.0.0.0/8"], "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from a proxy: ignored
        (["10.0.0.0/8"], PROXY, "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the client's own entry is left
        (["10.0.0.0/8"], PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies
        (["10.0.0.5", "10.0.0.9"], PROXY, "198.51.100.1,10.0.0.9", "198.51.100.1"),
        (["10.0.0.0/8"], PROXY, "", PROXY),  # a proxy that sent no header is the client
        (["10.0.0.0/8"], PROXY, "not-an-address", PROXY),
        (["10.0.0.0/8"], PROXY, "10.0.0.1, 10.0.0.2", "10.0.0.1"),  # only proxies: the farthest of them
        (["fd00::/8"], "fd00::1", "2001:db8::7", "2001:db8::7"),
        ([], "", None, ""),
    ],
)
def test_client_address_behind_trusted_proxies_only(proxies, remote, forwarded, expected):
    with override_settings(TRUSTED_PROXIES=proxies):
        assert client_ip(FakeRequest(remote, forwarded)) == expected


def _token_codes(api_client: APIClient, forwarded_for: list[str], **extra: str) -> list[int]:
    return [
        api_client.post(
            "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR=address, **extra
        ).status_code
        for address in forwarded_for
    ]


@override_settings(REST_FRAMEWORK=LOW_RATES)
def test_rotating_forwarded_for_does_not_reset_the_api_throttle(api_client, people):
    codes = _token_codes(api_client, [f"198.51.100.{n}" for n in range(1, 7)])
    assert codes[:3] == [400, 400, 400]
    assert codes[3:] == [429, 429, 429]


@override_settings(REST_FRAMEWORK=LOW_RATES)
def test_rotating_forwarded_for_does_not_reset_the_signed_in_throttle(api_client, people):
    api_client.force_authenticate(people["a_viewer"])
    codes = [api_client.get("/api/v1/org-units/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@override_settings(REST_FRAMEWORK=LOW_RATES, TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(api_client, people):
    # Three clients behind the proxy; the client's own left-hand entries change nothing.
    first = _token_codes(api_client, [f"{n}.1.1.1, 198.51.100.1" for n in range(1, 5)], REMOTE_ADDR=PROXY)
    assert first == [400, 400, 400, 429]
    assert _token_codes(api_client, ["198.51.100.2"], REMOTE_ADDR=PROXY) == [400]
    # The proxy's own address is not one client: another proxy in the trusted network forwards a third one.
    assert _token_codes(api_client, ["198.51.100.3"], REMOTE_ADDR="10.0.0.6") == [400]


def _sign_in(client: Client, username: str, password: str = "wrong", **extra: str) -> int:  # noqa: S107
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra).status_code


def test_rotating_forwarded_for_does_not_escape_a_sign_in_lock_out(client, people):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "a_editor", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _sign_in(client, "a_editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99") == 429


@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_behind_a_trusted_proxy_lock_outs_and_the_audit_log_use_the_forwarded_address(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "a_editor", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _sign_in(client, "a_editor", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1") == 429
    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).first()
    assert failed is not None and failed.ip_address == "198.51.100.1"
    # The same user at another desk behind the same proxy is not locked out.
    assert _sign_in(client, "a_editor", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2") == 302
    signed_in = AuditEntry.objects.get(action=Action.LOGIN)
    assert signed_in.ip_address == "198.51.100.2"


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Sign-in is locked for 15 minutes"), ("zh-hans", "登录已被锁定 15 分钟")]
)
def test_a_locked_out_token_call_gets_the_lock_out_message(api_client, people, language, text):
    choose_language(api_client, language)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": "wrong"})
        assert response.status_code in (400, 429)
    response = api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": PASSWORD})
    assert response.status_code == 429
    assert "token" not in response.json()
    assert text in response.json()["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, username="a_viewer").exists()
    # The sign-in page says the same, word for word.
    client = Client()
    choose_language(client, language)
    page = client.post("/accounts/login/", {"username": "a_viewer", "password": PASSWORD})
    assert page.status_code == 429 and response.json()["detail"] in page.content.decode()


def test_failed_token_calls_count_towards_the_sign_in_lock_out(api_client, client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_client.post("/api/v1/auth/token/", {"username": "a_editor", "password": "x"}).status_code == 400
    assert _sign_in(client, "a_editor") == 429
    assert _sign_in(client, "a_editor", PASSWORD) == 429


def test_spraying_user_names_from_one_address_is_locked_out(client, people):
    codes = [_sign_in(client, f"guess{n}") for n in range(30)]
    assert codes[: settings.AXES_ADDRESS_FAILURE_LIMIT - 1] == [200] * (settings.AXES_ADDRESS_FAILURE_LIMIT - 1)
    assert codes[-1] == 429
    # A real user from the same address waits too; from another address nothing changed.
    assert _sign_in(client, "a_viewer", PASSWORD) == 429
    assert _sign_in(client, "a_viewer", PASSWORD, REMOTE_ADDR="198.51.100.8") == 302


def test_spraying_user_names_through_the_token_endpoint_is_locked_out(api_client, people):
    codes = [
        api_client.post("/api/v1/auth/token/", {"username": f"guess{n}", "password": "x"}).status_code
        for n in range(30)
    ]
    assert codes[0] == 400 and codes[-1] == 429
    assert api_client.post("/api/v1/auth/token/", {"username": "a_viewer", "password": PASSWORD}).status_code == 429


def test_a_few_colleagues_mistyping_behind_one_gateway_are_not_locked_out(client, people):
    for name in ("a_viewer", "a_editor", "a_admin", "b_editor"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _sign_in(client, name) == 200
        assert _sign_in(client, name, PASSWORD) == 302
        client.logout()
