"""Browser tests: the real app served over HTTP on 127.0.0.1, driven by the system Chromium through Playwright,
checked with axe-core for WCAG 2.1 A/AA.

Chromium is the Debian package at /usr/bin/chromium (or MARKETPLACE_CHROMIUM); Playwright never downloads one.
Without it the browser tests are skipped, unless MARKETPLACE_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import served_over_http

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("MARKETPLACE_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_CARETAKER = ("vaktmester@dulten.example", "Kari Nilsen")

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

# How long Playwright waits for anything: the server is local, so a slow step is a bug, not the network.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in tests/browser ``browser`` (this hook sees the whole session's items)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """Skip, or fail loudly when the run requires a browser (MARKETPLACE_REQUIRE_BROWSER=1, as in CI)."""
    if os.environ.get("MARKETPLACE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (MARKETPLACE_REQUIRE_BROWSER=1, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not installed at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(make_app) -> Iterator[str]:
    """The app with CSRF on, the demo region loaded, served on a free port; yields the base URL."""
    from marketplace.db import db
    from marketplace.devdata import demo
    from marketplace.impact.services import install_default_factors

    app = make_app(WTF_CSRF_ENABLED=True)  # static files come fingerprinted: a context fetches each once
    with app.app_context():
        install_default_factors()
        demo.load(with_listings=False)  # organisations and people; each test lists what it needs
        db.session.commit()

    with served_over_http(app, threaded=True) as base_url:
        app.config["BASE_URL"] = base_url  # absolute links (an identity provider's redirect URI) lead back here
        yield base_url


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., object]]:
    """``new_page("desktop" | "phone")`` opens a fresh context (own cookies) with that viewport; keyword
    arguments change the context's options (``device_scale_factor=1``).

    The page's ``base_url`` is the live server, so ``page.goto("/login")`` works. Console errors about the
    Content-Security-Policy and uncaught page errors are collected in ``page.problems``.
    """
    contexts = []

    def factory(viewport: str = "desktop", **options):
        context = browser.new_context(base_url=live_server, locale="nb-NO", **{**VIEWPORTS[viewport], **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None,
        )
        page.problems = problems  # type: ignore[attr-defined]
        return page

    yield factory
    for context in contexts:
        context.close()


# The SQLite run is the quicker of the two side by side (PostgreSQL's statements cross a socket): it takes
# this share of the walks, so that both runs end at about the same time.
FIRST_RUN_SHARE = 0.7


def this_run_s_roles(roles: dict[str, str | None]) -> dict[str, str | None]:
    """The roles a role-by-role walk (the crawl, the phone menu) takes in this run. When `make test` runs both
    engines side by side it shares those walks between them (MARKETPLACE_TEST_ROLE_SHARE "1/2" on SQLite, "2/2"
    on PostgreSQL): they test pages and layout, not SQL, which every other test runs on both engines, so
    together the two runs walk every role once. The first run takes FIRST_RUN_SHARE of them, spread over the
    list (the second takes the others, and at least one of two). Run alone (the variable unset), a run walks
    them all."""
    share = os.environ.get("MARKETPLACE_TEST_ROLE_SHARE", "")
    if not share:
        return roles
    part = share.split("/")[0]
    if part not in ("1", "2"):
        raise ValueError(f"MARKETPLACE_TEST_ROLE_SHARE is {share!r}: it is 1/2 (the first run) or 2/2 (the second)")

    def first_run_s(index: int) -> bool:
        return int((index + 1) * FIRST_RUN_SHARE) > int(index * FIRST_RUN_SHARE)

    return {name: email for index, (name, email) in enumerate(roles.items()) if first_run_s(index) == (part == "1")}


def login(page, email: str = DEMO_CARETAKER[0], password: str = "ombruk-demo") -> None:
    """Sign in through the real login form (fill both fields, press Enter) and wait for the next page."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    password_field = page.locator("input[name=password]")
    password_field.fill(password)
    with page.expect_navigation():
        password_field.press("Enter")


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def assert_no_axe_violations(page, context: str | dict | None = None) -> None:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page and fail with a report a developer can act on."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options=WCAG_21_AA)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe-core WCAG 2.1 A/AA violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    at {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    pytest.fail("\n".join(lines), pytrace=False)


def assert_no_horizontal_scroll(page) -> None:
    """Nothing sticks out sideways (WCAG 1.4.10 Reflow): the page is no wider than the screen."""
    sizes = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " body: document.body.scrollWidth})"
    )
    width = page.viewport_size["width"]
    if sizes["scroll"] > min(sizes["inner"], width):
        pytest.fail(
            f"horizontal scrolling on {page.url}: {sizes}, viewport {width}px; wider than the screen: "
            + ", ".join(_wider_than_viewport(page)),
            pytrace=False,
        )


def _wider_than_viewport(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
            .slice(0, 10)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '')
                      + ' right=' + Math.round(e.getBoundingClientRect().right))"""
    )
