"""The identity providers' administration pages and the command line."""

from sqlalchemy import select

from marketplace.db import db
from marketplace.sso import services
from marketplace.sso.models import IdentityProvider
from tests.conftest import fresh, login

FORM = {"name": "Logg inn med A kommune (Microsoft)",
        "issuer": "https://login.microsoftonline.com/1b2c3d4e-0000-4000-8000-000000000001/v2.0",
        "client_id": "client-a", "client_secret": "web-secret-1234", "scopes": "openid email profile",
        "domains": "a.example, skole.a.example", "default_role": "member", "password_sign_in": "y"}


def test_a_municipal_admin_sets_up_changes_and_removes_their_provider(client, region):
    login(client, "admin@a.example")
    assert client.get("/admin/sign-in").status_code == 200
    assert client.get("/admin/sign-in/new").status_code == 200
    saved = client.post("/admin/sign-in/new", data={**FORM, "municipality": str(region.a.id),
                                                    "default_unit": str(region.school_a.id)})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    fresh()
    provider = db.session.scalar(select(IdentityProvider))
    assert [row.domain for row in provider.domains] == ["a.example", "skole.a.example"]
    assert provider.municipalities[0].default_unit_id == region.school_a.id
    page = client.get(f"/admin/sign-in/{provider.id}").get_data(as_text=True)
    assert "client-a" in page and "web-secret-1234" not in page and "/login/sso/callback" in page
    changed = client.post(f"/admin/sign-in/{provider.id}", data={
        **FORM, "client_secret": "", "municipality": str(region.a.id), "password_sign_in": "",
        "role_claim": "groups", "role_map": "g-vaktmestere = caretaker"})
    assert changed.status_code == 303, changed.get_data(as_text=True)
    fresh()
    provider = db.session.get(IdentityProvider, provider.id)
    assert not provider.password_sign_in and provider.role_map == {"g-vaktmestere": "caretaker"}
    assert services.client_secret(provider) == "web-secret-1234"
    assert "new invitation" in client.get(f"/admin/sign-in/{provider.id}/remove").get_data(as_text=True) \
        or "ny invitasjon" in client.get(f"/admin/sign-in/{provider.id}/remove").get_data(as_text=True)
    assert client.post(f"/admin/sign-in/{provider.id}/remove").status_code == 303
    fresh()
    assert db.session.scalar(select(IdentityProvider)) is None


def test_bad_input_gets_a_form_message_and_saves_nothing(client, region):
    login(client, "admin@a.example")
    for changes in ({"issuer": "http://idp.example"}, {"domains": "not a domain"}, {"domains": ""},
                    {"role_map": "no equals sign"}, {"role_map": "g = site_admin"}, {"municipality": "x"},
                    {"default_role": "site_admin"}, {"client_secret": ""}):
        response = client.post("/admin/sign-in/new", data={**FORM, "municipality": str(region.a.id), **changes})
        assert response.status_code == 400, changes
        assert 'class="error-summary"' in response.get_data(as_text=True), changes
    fresh()
    assert db.session.scalar(select(IdentityProvider)) is None


def test_only_admins_reach_the_pages_and_only_their_own_providers(client, region):
    provider = services.add_provider(None, services.ProviderSettings(
        name="B", issuer="https://idp.b.example", client_id="b", client_secret="s",
        served=[services.Served(region.b, ["b.example"])]))
    db.session.commit()
    login(client, "caretaker@a.example")
    assert client.get("/admin/sign-in").status_code == 403
    assert client.get("/admin/sign-in/new").status_code == 403
    client.post("/logout")
    login(client, "admin@a.example")
    assert "idp.b.example" not in client.get("/admin/sign-in").get_data(as_text=True)
    assert client.get(f"/admin/sign-in/{provider.id}").status_code == 404
    assert client.post(f"/admin/sign-in/{provider.id}/remove").status_code == 404
    assert client.get(f"/admin/sign-in/{provider.id}/remove").status_code == 404
    forged = client.post("/admin/sign-in/new", data={**FORM, "domains": "x.example", "municipality": str(region.b.id)})
    assert forged.status_code == 400  # B is not among the admin's choices
    fresh()
    assert db.session.scalar(select(IdentityProvider).where(IdentityProvider.client_id == "client-a")) is None


def test_the_command_line_adds_lists_and_removes_a_provider_for_several_municipalities(runner, region):
    added = runner.invoke(args=[
        "sso", "add", "--name", "Logg inn med Feide", "--issuer", "https://auth.dataporten.no",
        "--client-id", "feide-client", "--client-secret-env", "SSO_FEIDE_SECRET",
        "--municipality", "kommune-a", "--domains", "skole.a.example,a.example",
        "--municipality", "kommune-b", "--domains", "b.example", "--default-role", "member"])
    assert added.exit_code == 0, added.output
    assert "/login/sso/callback" in added.output
    listed = runner.invoke(args=["sso", "list"])
    assert "Logg inn med Feide" in listed.output and "kommune-b: b.example" in listed.output
    assert "env SSO_FEIDE_SECRET" in listed.output
    provider_id = db.session.scalar(select(IdentityProvider.id))
    removed = runner.invoke(args=["sso", "remove", str(provider_id)])
    assert removed.exit_code == 0, removed.output
    assert "No identity providers" in runner.invoke(args=["sso", "list"]).output


def test_the_command_line_refuses_bad_input_with_what_to_do(runner, region):
    base = ["sso", "add", "--name", "X", "--issuer", "https://idp.example", "--client-id", "x"]
    cases = [
        (["--client-secret", "s", "--municipality", "kommune-a"], "--domains"),
        (["--municipality", "kommune-a", "--domains", "a.example"], "--client-secret"),
        (["--client-secret", "s", "--municipality", "nowhere", "--domains", "a.example"], "nowhere"),
        (["--client-secret", "s", "--municipality", "kommune-a", "--domains", "a.example", "--default-unit", "Ingen"],
         "Ingen"),
        (["--client-secret", "s", "--municipality", "kommune-a", "--domains", "a.example",
          "--role-map", "admins=site_admin"], "admins"),
    ]
    for extra, hint in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code == 2 and hint in result.output, (extra, result.output)
    assert runner.invoke(args=["sso", "remove", "12345"]).exit_code == 2
    assert db.session.scalar(select(IdentityProvider)) is None
