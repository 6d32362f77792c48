"""Browser fixtures: one headless Chromium per test session, a fresh context and page per test.

The page runs against pytest-django's ``live_server`` (which makes the test transactional). Every request the
``page`` makes is recorded: the portal must load nothing from another host, and no asset may be missing
(``bare_page`` records nothing, for the crawl of every page, which reads statuses and text only).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # An intranet has no internet: every request to another host goes to a proxy that is not there and never
    # leaves the machine (the live server, on the loopback address, is reached directly). Pages record such
    # requests (``NetworkLog.foreign``). Unlike intercepting each request, this keeps the browser's cache.
    "--proxy-server=http://127.0.0.1:9",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class NetworkLog:
    """What a page asked for that it should not have: other hosts, failures and error answers."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"other host: {url}" for url in self.foreign]
            + [f"failed: {item}" for item in self.failed]
            + [f"console: {text}" for text in self.console_errors]
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):  # CI: browser tests must run, never be skipped
            pytest.fail(f"Chromium not found at {CHROMIUM}, and REQUIRE_BROWSER is set")
        pytest.skip(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def network_log(live_server) -> NetworkLog:
    return NetworkLog(origin=live_server.url)


@pytest.fixture
def bare_page(browser, live_server) -> Iterator[object]:
    """A page of a fresh context in the city's time zone. The browser asks for English (Accept-Language en-US)
    on purpose: the portal opens in Chinese until the user switches, whatever the browser prefers. Nothing is
    recorded: a test that reads only the pages themselves (the crawl of every page) saves the browser and this
    process an event per request."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(bare_page, live_server, network_log: NetworkLog) -> object:
    """``bare_page``, with every request it makes recorded in ``network_log``."""
    page, context = bare_page, bare_page.context
    origin = urlsplit(live_server.url)

    def on_request(request) -> None:
        url = urlsplit(request.url)
        if url.scheme not in {"data", "blob"} and (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            network_log.foreign.append(request.url)

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            network_log.failed.append(f"{response.status} {response.url}")

    def on_request_failed(request) -> None:
        # ERR_ABORTED: the page navigated away before the request finished (a favicon, typically).
        if urlsplit(request.url).netloc == origin.netloc and request.failure != "net::ERR_ABORTED":
            network_log.failed.append(f"{request.failure} {request.url}")

    def on_console(message) -> None:
        if message.type == "error":
            network_log.console_errors.append(message.text)

    context.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    return page


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
