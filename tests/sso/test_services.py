"""Setting up identity providers: who may, what is refused, and the secret that is never shown again."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.sso import services, sign_in
from marketplace.sso.models import ExternalIdentity, IdentityProvider


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):  # the messages are matched in English
        yield


ISSUER = "https://login.microsoftonline.com/1b2c3d4e-0000-4000-8000-000000000001/v2.0"


def settings(municipality, domains=("a.example",), **fields):
    values = {"name": "Logg inn med A kommune (Microsoft)", "issuer": ISSUER, "client_id": "client-a",
              "client_secret": "s3cret-value", "served": [services.Served(municipality, list(domains))]}
    values.update(fields)
    return services.ProviderSettings(**values)


def test_a_municipal_admin_sets_up_a_provider_for_their_own_municipality_only(app, region):
    provider = services.add_provider(region.admin_a, settings(region.a))
    assert [row.domain for row in provider.domains] == ["a.example"]
    assert provider.client_secret_encrypted and "s3cret-value" not in provider.client_secret_encrypted
    assert services.client_secret(provider) == "s3cret-value"
    with pytest.raises(Forbidden):
        services.add_provider(region.admin_a, settings(region.b, domains=["b.example"]))
    with pytest.raises(Forbidden):
        services.add_provider(region.caretaker_a, settings(region.a, domains=["skole.a.example"]))
    with pytest.raises(NotVisible):
        services.provider_for(region.member_b, provider.id)
    assert services.providers_for(region.admin_a) == [provider] and services.providers_for(region.caretaker_b) == []


def test_the_secret_stays_out_of_the_audit_trail(app, region):
    services.add_provider(region.site_admin, settings(region.a))
    db.session.flush()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "identity_provider_added")).all()
    assert len(events) == 1 and "s3cret-value" not in str(events[0].details)


def test_two_providers_cannot_claim_one_domain(app, region):
    services.add_provider(region.site_admin, settings(region.a, domains=["a.example", "skole.a.example"]))
    with pytest.raises(services.ProviderError, match="skole.a.example"):
        services.add_provider(region.site_admin, settings(region.b, domains=["b.example", "Skole.A.example"]))
    assert db.session.scalar(select(IdentityProvider).where(IdentityProvider.client_id == "client-a")) is not None
    assert len(services.providers_for(None)) == 1


@pytest.mark.parametrize("fields, message", [
    ({"issuer": "http://idp.example"}, "https"),
    ({"issuer": "ftp://idp.example"}, "https"),
    ({"client_id": " "}, "client id"),
    ({"client_secret": None}, "secret"),
    ({"client_secret": None, "client_secret_env": "lower-case"}, "A–Z"),
    ({"scopes": "email profile"}, "openid"),
    ({"default_role": Role.SITE_ADMIN}, "roles"),
    ({"role_map": {"admins": "site_admin"}}, "admins"),
    ({"served": []}, "municipality"),
])
def test_bad_settings_are_refused_with_a_reason(app, region, fields, message):
    with pytest.raises(services.ProviderError, match=message):
        services.add_provider(region.site_admin, settings(region.a, **fields))
    assert services.providers_for(None) == []


@pytest.mark.parametrize("text", ["not a domain", "a..example", "-a.example", "a.example/x"])
def test_domains_must_be_domains(text):
    with pytest.raises(services.ProviderError):
        services.parse_domains(text)


def test_domains_forgive_capitals_at_signs_and_repeats():
    assert services.parse_domains("@A.example, b.example\nb.example") == ["a.example", "b.example"]


def test_the_secret_can_live_in_the_environment(app, region, monkeypatch):
    provider = services.add_provider(region.site_admin, settings(region.a, client_secret=None,
                                                                  client_secret_env="SSO_A_SECRET"))
    assert provider.client_secret_encrypted is None
    with pytest.raises(services.ProviderError, match="SSO_A_SECRET"):
        services.client_secret(provider)
    monkeypatch.setenv("SSO_A_SECRET", "from-the-environment")
    assert services.client_secret(provider) == "from-the-environment"


def test_a_changed_secret_key_asks_for_the_secret_again(app, region):
    provider = services.add_provider(region.site_admin, settings(region.a))
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-for-production"
    with pytest.raises(services.ProviderError, match="MARKETPLACE_SECRET_KEY"):
        services.client_secret(provider)


def test_editing_keeps_the_secret_when_none_is_given(app, region):
    provider = services.add_provider(region.site_admin, settings(region.a))
    services.change_provider(region.admin_a, provider.id, settings(region.a, name="Dulten (Microsoft)",
                                                                    client_secret=None))
    assert provider.name == "Dulten (Microsoft)" and services.client_secret(provider) == "s3cret-value"


def test_removing_a_provider_unlinks_its_people_and_keeps_their_accounts(app, region):
    provider = services.add_provider(region.site_admin, settings(region.a))
    db.session.add(ExternalIdentity(provider=provider, user=region.member_a, issuer=ISSUER, subject="abc"))
    db.session.flush()
    services.remove_provider(region.admin_a, provider.id)
    db.session.expire_all()
    assert db.session.scalars(select(ExternalIdentity)).all() == []
    assert region.member_a.active


def test_password_sign_in_is_refused_only_where_the_provider_says_so(app, region):
    provider = services.add_provider(region.site_admin, settings(region.a, password_sign_in=False))
    assert services.password_sign_in_refused("member@A.example") == provider
    assert services.password_sign_in_refused("member@b.example") is None
    assert "A kommune (Microsoft)" in sign_in.password_refusal("member@a.example")


def test_a_municipal_admin_cannot_claim_the_addresses_of_other_organisations(app, region):
    for domain in ("b.example", "site.example", "vest.example"):  # B's people, the site admin, a network admin
        with pytest.raises(services.ProviderError, match=domain):
            services.add_provider(region.admin_a, settings(region.a, domains=["a.example", domain]))
    assert services.providers_for(None) == []
    assert services.add_provider(region.site_admin, settings(region.a, domains=["a.example", "b.example"]))
