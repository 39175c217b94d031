"""A crawl of the demo region at 390×844 for every role (issue 18): from the home page, follow the same-origin
links breadth-first and check each kind of page once or twice: it answers below 400, nothing on it scrolls
sideways (WCAG 1.4.10 Reflow), and axe-core finds no WCAG 2.1 A/AA violation.

The whole demo region is loaded (listings with photos, a year of hand-overs, reservations in every state, wanted
notices and needs), so the pages people meet exist with real content. Pages are deduplicated by their path with
numbers replaced by ``{n}`` (so ``/items/12`` and ``/items/40`` are one kind), each kind visited at most twice
per role, the query string only telling the two visits apart (reservations and items a few times more: their
pages differ by state). axe-core runs once per kind of page and structure of its content. Logout is a POST form, so the crawl never follows
it; downloads (CSV, Excel, PDF, JSON, calendar files, photos) are not pages and are left out.

Every problem of every role is collected and reported together, so one run shows the whole list. When `make test`
runs both engines side by side, they share the roles between them (``this_run_s_roles``)."""

from __future__ import annotations

import re
import time
from collections import deque
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import TIMEOUT_MS, VIEWPORTS, assert_no_axe_violations, login, this_run_s_roles

ROLES = {
    "anonymous": None,
    "member": "skole@nordvik.example",  # the asker of the demo's reservations in every state
    "caretaker": "vaktmester@dulten.example",
    "store keeper": "lager@dulten.example",  # the stores and the items standing in them (issue 19)
    "municipal admin": "admin@dulten.example",
    "network admin": "nettverk@dulten-regionen.example",
    "site admin": "drift@ombruksmarkedet.example",
    "partner member": "frivillig@dulten-frivilligsentral.example",
    "transport coordinator": "transport@dulten.example",  # the queue, the requests and the run sheet
}
# The phone of the other browser tests, drawn at one device pixel per CSS pixel: the layout (and so the width
# and axe's verdict) is the same, and painting a ninth of the pixels keeps the crawl quick.
PHONE = {**VIEWPORTS["phone"], "device_scale_factor": 1}
VISITS_PER_KIND = 2
# Kinds whose pages differ by what they show, not by their address: a reservation in each state (requested,
# approved, rejected, cancelled, expired, collected), an item that is one's own or another's, shared or not.
MORE_VISITS = {"/reservations/{n}": 6, "/items/{n}": 3}
MAX_PAGES_PER_ROLE = 80  # a safety net: a role that reaches more kinds of page than this is a crawl bug

# Not pages: files to download, images, the machine API, and the way out.
SKIPPED_PATH = re.compile(
    r"""(\.(csv|xlsx|pdf|json|ics|png|jpe?g|webp|txt|xml)$)
      | (/export(\.|$))
      | (/(erasure-)?certificate$)
      | (^/photos/) | (^/static/) | (^/api/v\d) | (^/logout$) | (/print$)
      | (^/items/labels$)  # a sheet is the label page's macro, repeated (up to 50 QR codes: axe takes long)""",
    re.VERBOSE,
)
# A 404 a link may legitimately lead to: none so far. Add the path pattern with the reason if one turns up.
EXPECTED_404: dict[str, str] = {}

WIDEST = """() => {
    const limit = document.documentElement.clientWidth + 0.5;
    const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > limit);
    // The innermost culprits: an element sticking out none of whose children sticks out as far.
    const culprits = wide.filter(e => ![...e.children].some(
        c => c.getBoundingClientRect().right >= e.getBoundingClientRect().right - 0.5));
    culprits.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
    return culprits.slice(0, 3).map(e => {
        const id = e.id ? '#' + e.id : '';
        const cls = typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
        const text = (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
        return `${e.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(e.getBoundingClientRect().right)} px`
            + (text ? `, "${text}"` : '') + ')';
    });
}"""


# What axe-core judges on a page: the elements of its main part with their classes, types, roles and ARIA attributes. Two pages of
# one kind with the same structure (the same template showing another item, or the same page for another role)
# get the same verdict, so axe runs once per kind and structure; a role that sees other buttons or fields gets
# its own run.
STRUCTURE = """() => [...new Set([...document.querySelectorAll('main *')].map(e => [e.tagName,
    typeof e.className === 'string' ? e.className : '', e.getAttribute('type'), e.getAttribute('role'),
    ...[...e.attributes].filter(a => a.name.startsWith('aria-')).map(a => a.name)].join(' ')))].sort().join('|')"""


def kind_of(path: str) -> str:
    """The kind of page a path shows: numbers become ``{n}``, and the slug after a collection of organisations
    ``{slug}`` (``/admin/organisations/dulten/users`` is the same page as Nordvik's)."""
    path = re.sub(r"/\d+(?=/|$)", "/{n}", path.rstrip("/") or "/")
    return re.sub(r"/(organisations|networks|municipalities|members|partners)/[^/{]+", r"/\1/{slug}", path)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
            continue  # mailto:, tel:, other sites
        if SKIPPED_PATH.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _sideways(page) -> str | None:
    """A phone browser zooms out a page that is too wide, so ``innerWidth`` grows with it: the page is measured
    against the screen's width (the layout viewport) instead."""
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
                          " client: document.documentElement.clientWidth})")
    screen = min(sizes["inner"], sizes["client"], page.viewport_size["width"])
    if sizes["scroll"] <= screen:
        return None
    return (f"scrolls sideways: {sizes['scroll']} px wide on a {screen} px screen; widest: "
            + "; ".join(page.evaluate(WIDEST)))


def _axe(page) -> str | None:
    try:
        assert_no_axe_violations(page)
    except pytest.fail.Exception as failure:
        return str(failure)
    return None


def crawl(page, origin: str, role: str, judged: set[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Visit the role's pages breadth-first from the home page; return the paths visited and the problems.
    ``judged`` holds the (kind, structure) pairs axe has checked already, for every role."""
    queue: deque[str] = deque(["/"])
    found_on: dict[str, str] = {"/": "(start)"}
    visits: dict[str, list[str]] = {}
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        target = queue.popleft()
        response = page.goto(target)
        path = urlsplit(page.url).path
        landed = path + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else "")
        visited.append(target)
        status = response.status if response else 0
        if status >= 400 and not (status == 404 and kind_of(path) in EXPECTED_404):
            problems.append(f"{role}: {target} (linked from {found_on[target]}) answered {status}")
            continue
        if landed != target:  # a redirect (to the login page, say): check that page as the kind it is
            kind = kind_of(path)
            if len(visits.setdefault(kind, [])) >= VISITS_PER_KIND or landed in visits[kind]:
                continue
            visits[kind].append(landed)
        structure = (kind_of(path), page.evaluate(STRUCTURE))
        for problem in (_sideways(page), None if structure in judged else _axe(page)):
            if problem:
                problems.append(f"{role}: {target}: {problem}")
        judged.add(structure)
        if page.problems:  # type: ignore[attr-defined]
            problems.append(f"{role}: {target}: {page.problems}")  # type: ignore[attr-defined]
            page.problems.clear()  # type: ignore[attr-defined]
        for link in _links(page, origin):
            kind = kind_of(urlsplit(link).path)
            seen = visits.setdefault(kind, [])
            if link in found_on or len(seen) >= MORE_VISITS.get(kind, VISITS_PER_KIND):
                continue
            if seen and kind not in MORE_VISITS and urlsplit(seen[0]).query == urlsplit(link).query == "":
                continue  # a second page of a kind only when it differs in its query (a filter, a tab)
            seen.append(link)
            found_on[link] = target
            queue.append(link)
    return visited, problems


class PhotoCache:
    """Each photo fetched once for the whole crawl, not once per role: the pages still load and lay out their
    real pictures, without the server resizing the same ones seven times over (the crawl checks pages, not
    who may see a photo, which tests/listings does). Static files likewise: a routed context has no HTTP
    cache (Playwright turns it off), so each page asked again for the style sheet, the script and the
    icons, four requests of five."""

    def __init__(self) -> None:
        self.responses: dict[str, object] = {}

    def serve(self, route) -> None:
        url = route.request.url
        if url not in self.responses:
            response = route.fetch()
            if response.status != 200:
                route.fulfill(response=response)
                return
            # Never the session cookie: a response replayed to the next role would sign it in as this one.
            headers = {name: value for name, value in response.headers.items() if name.lower() != "set-cookie"}
            self.responses[url] = {"status": 200, "headers": headers, "body": response.body()}
        route.fulfill(**self.responses[url])


@pytest.fixture
def demo_server(make_app):
    """The whole demo region (listings, photos, reservations, history, wanted notices), served with CSRF on."""
    from marketplace.db import db
    from marketplace.devdata import demo
    from marketplace.impact.services import install_default_factors
    from tests.conftest import served_over_http

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        install_default_factors()
        demo.load()
        db.session.commit()
    with served_over_http(app, threaded=True) as base_url:
        yield base_url


def test_every_page_each_role_reaches_fits_a_phone_and_passes_axe(browser, demo_server):
    problems: list[str] = []
    counts: dict[str, int] = {}
    judged: set[tuple[str, str]] = set()
    photos = PhotoCache()
    started = time.monotonic()
    for role, email in this_run_s_roles(ROLES).items():
        context = browser.new_context(base_url=demo_server, locale="nb-NO", **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/photos/**", photos.serve)
        context.route("**/static/**", photos.serve)
        try:
            page = context.new_page()
            page.problems = []  # type: ignore[attr-defined]
            page.on("pageerror", lambda error, page=page: page.problems.append(f"page error: {error}"))
            if email:
                login(page, email)
            visited, found = crawl(page, demo_server, role, judged)
        finally:
            context.close()
        counts[role] = len(visited)
        problems += found
        assert len(visited) < MAX_PAGES_PER_ROLE, f"{role}: the crawl did not end: {visited}"
        assert len(visited) >= (3 if email is None else 8), f"{role}: the crawl reached only {visited}"
    print(f"\ncrawl at 390 px: {sum(counts.values())} pages ({len(judged)} checked by axe) in "
          f"{time.monotonic() - started:.0f} s; "
          + ", ".join(f"{role} {count}" for role, count in counts.items()))
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
