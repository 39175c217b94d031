"""Phone screenshots for the user guide (docs/brukerveiledning.md), made from a fresh demo region.

    .venv/bin/python docs/screenshots/make_guide_screenshots.py

Creates a demo instance in a temporary folder (`marketplace init` and `marketplace demo`), serves it on a free
local port, signs in as the demo caretaker, school secretary and municipal administrator in Chromium
(390×844, bokmål) and saves one PNG per step into docs/brukerveiledning/. Nothing outside that folder and the
temporary instance is touched; rerun it after any change to the pages the guide shows.

A step whose page has changed so that its button or field is not found is reported and skipped, and the
script ends with status 1, so a rerun after a change shows which pictures (and which guide text) to look at.

Chromium: /usr/bin/chromium (or MARKETPLACE_CHROMIUM), as for the browser tests. Options: --only GROUP
(skole, vaktmester, admin; repeatable) makes just that person's pictures (the caretaker's answer to a request
needs the school's reservation: give both); --keep leaves the temporary instance.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "brukerveiledning"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("MARKETPLACE_CHROMIUM") or "/usr/bin/chromium"
PASSWORD = "ombruk-demo"
CARETAKER = "vaktmester@dulten.example"
SCHOOL = "skole@nordvik.example"
ADMIN = "admin@dulten.example"
STORE_KEEPER = "lager@dulten.example"
TRANSPORT = "transport@dulten.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True,
         "has_touch": True, "locale": "nb-NO", "timezone_id": "Europe/Oslo"}


class Missing(Exception):
    """A step's page no longer has what the step looks for."""


# --- The demo server ---------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(instance: Path) -> tuple[subprocess.Popen, str]:
    environment = dict(os.environ, MARKETPLACE_INSTANCE_PATH=str(instance))
    for name in ("DATABASE_URL", "MARKETPLACE_DATABASE_URL", "MARKETPLACE_UPLOAD_DIR", "MARKETPLACE_MAIL_OUTBOX"):
        environment.pop(name, None)  # everything in the temporary instance
    environment["MARKETPLACE_ENV"] = "development"
    for command in ("init", "demo"):
        print(f"marketplace {command} …", flush=True)
        subprocess.run([str(BIN / "marketplace"), command], env=environment, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment["MARKETPLACE_BASE_URL"] = base
    server = subprocess.Popen([str(BIN / "marketplace"), "run", "--port", str(port)], env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the demo server did not start")


# --- Pictures ----------------------------------------------------------------------------------------------

def save(page, name: str, *, at: str | None = None, offset: int = 8) -> None:
    """Save the screen as docs/brukerveiledning/NAME.png, scrolled so that ``at`` (a selector) is at the top
    (less ``offset`` pixels), or from the top of the page.

    The PNG is reduced to a 256-colour palette: a phone screen of text and buttons stays sharp and small."""
    if at is not None:
        target = page.locator(at).first
        if target.count() == 0:
            raise Missing(f"{name}: nothing matches {at!r} on {page.url}")
        target.evaluate("(element, offset) => window.scrollTo(0, element.getBoundingClientRect().top"
                        " + window.scrollY - offset)", offset)
    page.wait_for_timeout(150)
    image = Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide")))
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    OUT.mkdir(parents=True, exist_ok=True)
    image.save(OUT / f"{name}.png", optimize=True)
    print(f"  {name}.png", flush=True)


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def click_text(page, selector: str, text: str) -> None:
    """Click the first ``selector`` whose text matches ``text`` (a regular expression, case-insensitive)."""
    target = page.locator(selector).filter(has_text=re.compile(text, re.IGNORECASE)).first
    if target.count() == 0:
        raise Missing(f"no {selector} reading {text!r} on {page.url}")
    target.click()


def open_link(page, text: str, *, within: str = "main") -> None:
    with page.expect_navigation():
        click_text(page, f"{within} a", text)


def reservation_links(page) -> list[str]:
    return page.eval_on_selector_all("main a[href^='/reservations/']", "links => links.map(l => l.getAttribute('href'))")


def find_reservation(page, wanted: str) -> str:
    """The first reservation on the signed-in user's reservations page whose page says ``wanted``."""
    page.goto("/reservations?view=incoming")
    links = reservation_links(page)
    page.goto("/reservations?view=mine")
    links += [link for link in reservation_links(page) if link not in links]
    for href in links:
        page.goto(href)
        if page.locator("main").filter(has_text=re.compile(wanted, re.IGNORECASE)).count():
            return href
    raise Missing(f"no reservation whose page says {wanted!r}")


def demo_photo(folder: Path) -> list[Path]:
    from marketplace.devdata import photos

    paths = []
    for view in (0, 1):
        path = folder / f"stol-{view + 1}.jpg"
        path.write_bytes(photos.render("office_chair", colour="blå", seed="guide", view=view))
        paths.append(path)
    return paths


# --- The steps: one function per picture (or two), in order; each opens the page it shows ---------------------
# A step that fails is reported and the next one runs. The school secretary goes first: her reservation of a
# Dulten item is the request the caretaker answers.

ACTIONS = "section[aria-labelledby=actions-heading]"


def school_search(page, _scratch) -> None:
    page.goto("/items?q=stol")
    save(page, "10-sok")
    page.goto("/items?q=stoll")  # a typo: the search says what was meant, where it can
    save(page, "11-sok-skrivefeil", at="main h1")
    page.goto("/items?q=stol")
    save(page, "12-lagre-sok", at="main .save-search", offset=300)


def school_reserve(page, _scratch) -> None:
    page.goto("/items?q=stablestoler")
    card = page.locator("main li.item-card").filter(has_text="Dulten").first  # Dulten's caretaker answers next
    if card.count() == 0:
        raise Missing("no stacking chairs from Dulten in the search")
    with page.expect_navigation():
        card.locator("a").first.click()
    page.fill("#reserve input[name=quantity]", "2")
    page.locator("#reserve input[name=would_buy_new]").first.check()
    page.fill("#reserve textarea", "Til personalrommet på Nordvik skole.")
    save(page, "14-reserver", at="#reserve", offset=16)
    with page.expect_navigation():
        page.locator("#reserve button[type=submit]").last.click()


def school_reservations(page, _scratch) -> None:
    find_reservation(page, "godkjent")
    save(page, "16-avtal-henting", at=ACTIONS)


def school_wanted(page, _scratch) -> None:
    page.goto("/wanted")
    save(page, "17-onskes")


def caretaker_list(page, scratch) -> None:
    page.goto("/items/new")
    page.set_input_files("input#photos", [str(path) for path in demo_photo(scratch)])
    page.fill("input#title", "Kontorstoler, blå")
    page.locator("input#title").dispatch_event("input")
    save(page, "02-ny-annonse-bilder", at="main form section")
    category = page.locator("select#category")
    choice = next((text for text in category.locator("option").all_inner_texts() if "kontorstol" in text.lower()),
                  None)
    if choice is None:
        raise Missing("no category 'Kontorstol' in the listing form")
    category.select_option(label=choice)
    page.fill("input#quantity", "12")
    save(page, "03-ny-annonse-hva", at="section[aria-labelledby=what-heading]")
    with page.expect_navigation():
        click_text(page, "button", "^\\s*Publiser")
    page.wait_for_load_state()


def caretaker_answer(page, _scratch) -> None:
    page.goto("/reservations")
    save(page, "05-reservasjoner-innkommende")
    find_reservation(page, "venter på svar")
    save(page, "06-reservasjon-svar", at=ACTIONS)


def caretaker_hand_over(page, _scratch) -> None:
    find_reservation(page, "(?<!ikke )godkjent")  # not "Reservasjonen er ikke godkjent ennå"
    save(page, "07-reservasjon-henting", at=ACTIONS)
    button = page.locator("main").get_by_role("button", name=re.compile("Bekreft overlevering", re.IGNORECASE))
    link = page.locator("main").get_by_role("link", name=re.compile("Bekreft overlevering", re.IGNORECASE))
    target = link if link.count() else button
    if target.count() == 0:
        raise Missing("no 'Bekreft overlevering' on an approved reservation")
    with page.expect_navigation():
        target.first.click()  # the confirmation step, where there is one; else the hand-over is recorded
    save(page, "08-bekreft-overlevering", at="main h1")


def caretaker_label(page, _scratch) -> None:
    page.goto("/items/ours")
    open_link(page, ".", within="main li.item-card")
    open_link(page, "etikett med QR")
    save(page, "09-etikett", at="main h1")


def store_stock(page, _scratch) -> None:
    page.goto("/store")
    open_link(page, "Ombrukslageret")
    save(page, "30-lager", at="main h1")
    open_link(page, ".", within="main li")
    save(page, "31-lager-gjenstand", at="section[aria-labelledby=store-heading]", offset=16)


def transport_queue(page, _scratch) -> None:
    page.goto("/transport")
    save(page, "32-transport", at="main h1")
    open_link(page, "kjøreliste")
    save(page, "33-kjoreliste", at="main h1")


def admin_users(page, _scratch) -> None:
    page.goto("/admin/users")
    save(page, "20-brukere", at="main h1")
    open_link(page, "Inviter")
    save(page, "21-inviter", at="main h1")


def admin_settings(page, _scratch) -> None:
    page.goto("/admin/units")
    save(page, "22-enheter", at="main h1")
    page.goto("/admin/sharing")
    save(page, "23-deling", at="main h1")
    page.goto("/admin/factors")
    save(page, "24-faktorer", at="main h1")
    page.goto("/admin/locations")
    save(page, "27-hentesteder", at="main h1")


def admin_report(page, _scratch) -> None:
    page.goto("/report")
    save(page, "25-klimarapport", at="main h1")
    save(page, "26-rapport-eksport", at="main a[href*='/report/export.']", offset=240)


STEPS: dict[str, tuple[str, list[Callable]]] = {
    "skole": (SCHOOL, [school_search, school_reserve, school_reservations, school_wanted]),
    "vaktmester": (CARETAKER, [caretaker_list, caretaker_answer, caretaker_hand_over, caretaker_label]),
    "lager": (STORE_KEEPER, [store_stock]),
    "transport": (TRANSPORT, [transport_queue]),
    "admin": (ADMIN, [admin_users, admin_settings, admin_report]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(STEPS), help="make only these groups")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    options = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or MARKETPLACE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="guide-screenshots-"))
    server, base = start_demo(scratch / "instance")
    failures = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--lang=nb-NO"])
            for name, (email, steps) in STEPS.items():
                if options.only and name not in options.only:
                    continue
                print(f"{name}:", flush=True)
                context = browser.new_context(base_url=base, **PHONE)
                context.set_default_timeout(15_000)
                page = context.new_page()
                sign_in(page, email)
                for step in steps:
                    try:
                        step(page, scratch)
                    except Exception as error:  # noqa: BLE001 - report, then go on with the next step
                        failures.append(f"{name}, {step.__name__}: {error}")
                        traceback.print_exc()
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if options.keep:
            print(f"instance kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        print("\nNot made (the page changed; look at the step and the guide's text):\n  " + "\n  ".join(failures))
        return 1
    print(f"\nPictures in {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
