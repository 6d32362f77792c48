"""The page shell in a real browser: sign in, Chinese by default with real Chinese glyphs, switch to English,
sign out; a wrong password gets a clear message. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from talentportal.orgs.demo import seed
from talentportal.orgs.models import User

from .conftest import NetworkLog

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")
NAVIGATION = ["Home", "Org units", "Background jobs", "API documentation"]

# Draws strings on a canvas in the page's own font stack. Without a CJK font every ideograph is drawn as the
# same "tofu" box, so two different Chinese strings give identical pixels; a CJK font also gives ideographs a
# full-width advance (one em), which a fallback box does not have.
GLYPH_PROBE = """
() => {
  const family = getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 48;
  const ctx = canvas.getContext("2d");
  ctx.font = "32px " + family;
  const draw = (text) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000"; ctx.textBaseline = "top";
    ctx.fillText(text, 0, 4);
    return canvas.toDataURL();
  };
  return {
    family: family,
    jiaxing: draw("嘉兴"),
    rencai: draw("人才"),
    tofu: draw("\\u0378\\u0379"),
    blank: draw(""),
    width: ctx.measureText("嘉").width,
  };
}
"""


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def nav_name(label: str) -> re.Pattern[str]:
    # The icon font's private-use glyph ends up in the accessible name (the <i> has no aria-hidden).
    return re.compile(rf"^[\s\ue000-\uf8ff]*{re.escape(label)}$")


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-button")


def assert_assets_loaded(page: Page, network_log: NetworkLog) -> None:
    """Bootstrap's stylesheet applied and the icon font loaded, all from the portal itself."""
    page.evaluate("document.fonts.ready")
    sheets = page.evaluate("[...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])")
    assert any("bootstrap.min.css" in href and rules > 100 for href, rules in sheets), sheets
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/\"/g, '') === 'bootstrap-icons' && f.status === 'loaded')"
    ), "the bootstrap-icons font did not load"
    assert network_log.problems() == []


@pytest.mark.browser
def test_sign_in_chinese_then_english_then_sign_out(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("#id_username", "admin")  # a clerk's home (a lead's is the cockpit)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")

    # Chinese by default: the scope line names the city, the navigation speaks Chinese.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#scope")).to_contain_text("嘉兴市")
    expect(page.locator("#scope")).to_contain_text(zh("Your scope:"))
    expect(page).to_have_title(f"{zh('Home')} · {zh('Talent Portal')}")
    expect(page.locator("h1")).to_contain_text("市人才办管理员")
    sidebar = page.locator("aside.sidebar")
    for label in NAVIGATION:
        assert CJK.search(zh(label)), f"{label!r} has no Chinese translation"
        expect(sidebar.get_by_role("link", name=nav_name(zh(label)))).to_be_visible()
    expect(page.locator("#language-form button[aria-pressed=true]")).to_have_text("简体中文")

    probe = page.evaluate(GLYPH_PROBE)
    draws_nothing = probe["jiaxing"] == probe["blank"]
    same_boxes = probe["jiaxing"] == probe["rencai"]
    like_tofu = probe["jiaxing"] == probe["tofu"]
    assert not draws_nothing, "Chinese text draws nothing"
    assert not same_boxes, f"different Chinese strings render identically: no CJK font for {probe['family']}"
    assert not like_tofu, "Chinese glyphs render like unassigned code points"
    assert probe["width"] == pytest.approx(32, rel=0.1), "an ideograph is not full-width: no CJK font"
    assert_assets_loaded(page, network_log)
    page.screenshot(path=screenshots / "home-zh.png", full_page=True)

    # The language switch in the top bar.
    page.click("#language-form button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#scope")).to_contain_text("Your scope")
    expect(page).to_have_title("Home · Talent Portal")
    expect(page.locator("#scope")).to_contain_text("嘉兴市")  # names of units are data, not translated
    expect(page.locator("h1")).to_have_text(re.compile(r"^Welcome, "))
    for label in NAVIGATION:
        expect(sidebar.get_by_role("link", name=nav_name(label))).to_be_visible()
    expect(page.locator("#language-form button[aria-pressed=true]")).to_have_text("English")
    assert_assets_loaded(page, network_log)
    page.screenshot(path=screenshots / "home-en.png", full_page=True)

    # Sign out through the user menu.
    logout = page.locator("#logout-button")
    expect(logout).to_be_hidden()
    page.click("#user-menu")
    expect(logout).to_be_visible()
    expect(logout).to_have_text("Sign out")
    logout.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#login-button")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice outlives the session

    # The switch works before signing in too; the login page is shown as most users see it, in Chinese.
    page.click("#language-form button[value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#login-button")).to_have_text(zh("Sign in"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # really signed out
    assert_assets_loaded(page, network_log)
    page.screenshot(path=screenshots / "login.png", full_page=True)


@pytest.mark.browser
def test_wrong_password_gets_a_clear_message(page: Page, network_log: NetworkLog, transactional_db) -> None:
    seed()
    sign_in(page, "admin", "not-the-password")
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    with translation.override("zh-hans"):
        username_label = User._meta.get_field("username").verbose_name
        expected = AuthenticationForm.error_messages["invalid_login"] % {"username": username_label}
    assert CJK.search(expected), "Django's login error has no Chinese translation"
    expect(error).to_have_text(expected)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#user-menu")).to_have_count(0)
    expect(page.locator("#id_username")).to_have_value("admin")  # the user need not type it again
    assert network_log.problems() == []

    # The right password still works afterwards (one failure locks nobody out).
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")
    expect(page.locator("#scope")).to_contain_text("嘉兴市")


@pytest.mark.browser
def test_api_docs_load_only_local_assets(page: Page, network_log: NetworkLog, transactional_db) -> None:
    """Swagger UI fetches its scripts, styles and the schema at run time; none of that may leave the intranet."""
    seed()
    sign_in(page, "leader", settings.DEMO_PASSWORD)
    expect(page.locator("h1")).to_contain_text("领导驾驶舱")  # a lead's home
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(settings.SPECTACULAR_SETTINGS["TITLE"])
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert network_log.problems() == []


@pytest.mark.browser
def test_a_request_to_another_host_is_recorded_and_goes_nowhere(
    page: Page, network_log: NetworkLog, live_server
) -> None:
    """What the other browser tests rely on: a page that asks another host (by name or by address) is caught."""
    urls = ["https://cdn.example.com/bootstrap.min.js", "http://203.0.113.7/logo.png"]
    for url in urls:
        with pytest.raises(PlaywrightError, match="ERR_PROXY_CONNECTION_FAILED"):
            page.goto(url)
    assert network_log.foreign == urls
    assert network_log.problems() == [f"other host: {url}" for url in urls]
