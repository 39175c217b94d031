"""Signing in with the work identity in a real browser, against a real OpenID Provider: the login page, the
provider's form, back signed in in the right municipality, and signed out at the provider too; the
administration pages meet WCAG."""

from marketplace.db import db
from marketplace.organisations.services import find_municipality
from marketplace.sso import oidc, services
from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login

SECRET = "browser-client-secret"


def _set_up(make_app, oidc_provider, live_server) -> int:
    oidc_provider.configure(
        clients=[{"client_id": "ombruk", "client_secret": SECRET,
                  "redirect_uris": [f"{live_server}/login/sso/callback"],
                  "post_logout_redirect_uris": [f"{live_server}/login"]}],
        accounts={"sofie": {"email": "sofie.berg@dulten.example", "email_verified": True,
                            "name": "Sofie Berg", "groups": ["ombruk-vaktmestere"]}})
    oidc.forget(oidc_provider.issuer)
    app = make_app()
    with app.app_context():
        dulten = find_municipality("dulten")
        provider = services.add_provider(None, services.ProviderSettings(
            name="Logg inn med Dulten kommune (Microsoft)", issuer=oidc_provider.issuer, client_id="ombruk",
            client_secret=SECRET, role_claim="groups", role_map={"ombruk-vaktmestere": "caretaker"},
            served=[services.Served(dulten, ["dulten.example"], next(iter(dulten.units)))]))
        db.session.commit()
        return provider.id


def test_a_new_caretaker_signs_in_with_the_work_account_on_a_phone_and_out_again(new_page, live_server, make_app,
                                                                                   oidc_provider):
    _set_up(make_app, oidc_provider, live_server)
    page = new_page("phone")
    page.goto("/login")
    assert page.get_by_role("link", name="Logg inn med Dulten kommune (Microsoft)").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label("Usikker på hvilken? Skriv jobb-e-posten din").fill("sofie.berg@dulten.example")
    with page.expect_navigation(url=f"{oidc_provider.issuer}/**", timeout=20_000):
        page.keyboard.press("Enter")
    page.locator("#login").fill("sofie")
    with page.expect_navigation(url=f"{live_server}/"):
        page.keyboard.press("Enter")
    page.locator("details.user-menu summary").click()
    panel = page.locator(".user-menu__panel")
    assert "Dulten kommune" in panel.inner_text()
    assert panel.get_by_role("link", name="Importer fra regneark").count() == 1  # a caretaker, by group
    with page.expect_navigation(url=f"{live_server}/login**", timeout=20_000):
        panel.get_by_role("button", name="Logg ut").click()
    assert "Du er logget ut" in page.inner_text("main")
    assert page.problems == []


def test_a_refused_sign_in_says_why_and_the_admin_pages_meet_wcag(new_page, live_server, make_app, oidc_provider):
    provider_id = _set_up(make_app, oidc_provider, live_server)
    page = new_page("phone")
    page.goto("/login/sso/callback?state=not-started-here&code=x")
    assert "Innloggingen ble ikke startet her" in page.inner_text("main")
    assert_no_axe_violations(page)
    login(page, "admin@dulten.example")
    for path in ("/admin/sign-in", f"/admin/sign-in/{provider_id}", "/admin/sign-in/new",
                 f"/admin/sign-in/{provider_id}/remove"):
        for viewport in ("phone", "desktop"):
            page.set_viewport_size({"width": 390, "height": 844} if viewport == "phone"
                                   else {"width": 1280, "height": 900})
            page.goto(path)
            assert SECRET not in page.content()
            assert_no_axe_violations(page)
            assert_no_horizontal_scroll(page)
    page.goto("/admin/sign-in/new")
    page.get_by_label("Navn på innloggingsknappen").fill("Logg inn med Feide")
    page.get_by_label("Utsteder-URL (issuer)").fill("https://auth.dataporten.no")
    page.get_by_label("Klient-ID").fill("feide-klient")
    page.get_by_label("Klienthemmelighet").fill("hemmelig")
    page.get_by_label("E-postdomener den kan logge inn").fill("dulten.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre").click()
    assert "Domenet dulten.example logger allerede inn gjennom" in page.inner_text("main")
    assert_no_axe_violations(page)
    assert page.problems == []
