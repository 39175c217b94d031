"""Signing in with the work identity, against a real OpenID Provider (tests/sso/oidc_provider.py): the
whole code flow over HTTP, who the person becomes, and every refusal."""

import html
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts import invitations
from marketplace.accounts import services as accounts
from marketplace.accounts.models import LoginSession, Role, User
from marketplace.api import services as api
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.sso import oidc, services
from marketplace.sso import sign_in as sign_in_service
from marketplace.sso.models import ExternalIdentity, ProviderSession
from tests.conftest import fresh, login

BASE = "http://127.0.0.1:5000"
CALLBACK = f"{BASE}/login/sso/callback"
SECRET = "the-client-secret-9f2c"
PEOPLE = {
    "ola": {"email": "ola@a.example", "email_verified": True, "name": "Ola Nordmann", "groups": ["g-staff"]},
    "kari": {"preferred_username": "Kari@A.example", "name": "Kari Vaktmester", "groups": ["g-caretakers"]},
    "member": {"email": "member@a.example", "name": "Member A"},
    "outsider": {"email": "per@b.example", "email_verified": True, "name": "Per Utenfor"},
    "unverified": {"email": "eva@a.example", "email_verified": False, "name": "Eva"},
}


@pytest.fixture
def idp(oidc_provider, app, region):
    """A provider for municipality A (domain a.example, new people at A skole), its client registered."""
    oidc_provider.configure(
        clients=[{"client_id": "ombruk", "client_secret": SECRET, "redirect_uris": [CALLBACK],
                  "post_logout_redirect_uris": [f"{BASE}/login"]}],
        accounts=PEOPLE)
    oidc.forget(oidc_provider.issuer)
    provider = services.add_provider(None, services.ProviderSettings(
        name="Logg inn med A kommune", issuer=oidc_provider.issuer, client_id="ombruk", client_secret=SECRET,
        served=[services.Served(region.a, ["a.example"], region.school_a)]))
    db.session.commit()
    oidc_provider.provider_id = provider.id
    return oidc_provider


def start(client, provider_id, **query):
    response = client.get(f"/login/sso/{provider_id}", query_string=query)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def come_back(client, url):
    assert url.startswith(CALLBACK), url
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, idp, who, **query):
    return come_back(client, idp.sign_in(start(client, idp.provider_id, **query), who))


def person(email):
    fresh()
    return db.session.scalar(select(User).where(User.email == email))


def test_the_authorization_request_uses_pkce_state_and_nonce(client, idp):
    query = parse_qs(urlsplit(start(client, idp.provider_id)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [CALLBACK] and query["client_id"] == ["ombruk"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["scope"] == ["openid email profile"]


def test_a_first_sign_in_creates_the_person_in_the_right_municipality_and_unit(client, idp, region):
    response = sign_in(client, idp, "ola", next="/search")
    assert response.status_code == 303 and response.headers["Location"] == "/search"
    home = client.get("/").get_data(as_text=True)
    assert "Ola Nordmann" in home and "A kommune" in home
    ola = person("ola@a.example")
    membership = ola.organisation_membership
    assert (membership.organisation_id, membership.unit_id, membership.role) == (region.a.id, region.school_a.id,
                                                                               Role.MEMBER)
    assert ola.password_hash is None and ola.last_login_via == "Logg inn med A kommune"
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == ola.id))
    assert identity.issuer == idp.issuer and identity.subject == "ola"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == ola.id)).all()
    assert "user_created_by_sign_in" in actions and "login" in actions


def test_the_person_is_known_by_issuer_and_subject_at_the_next_sign_in(client, idp, region):
    sign_in(client, idp, "ola")
    client.post("/logout")
    first = person("ola@a.example").id
    assert sign_in(client, idp, "ola").status_code == 303
    assert person("ola@a.example").id == first
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "ola@a.example")) == 1


def test_entra_sends_the_address_as_preferred_username(client, idp, region):
    assert sign_in(client, idp, "kari").status_code == 303
    assert person("kari@a.example").name == "Kari Vaktmester"


def test_an_existing_account_of_the_municipality_is_linked_and_keeps_its_role(client, idp, region):
    region.caretaker_a.email = "member-old@a.example"  # (only member@a.example is the account to link)
    db.session.commit()
    assert sign_in(client, idp, "member").status_code == 303
    member = person("member@a.example")
    assert member.id == region.member_a.id and member.organisation_membership.role == Role.MEMBER
    assert db.session.scalar(select(ExternalIdentity.user_id).where(ExternalIdentity.subject == "member")) == member.id


def test_an_account_of_another_municipality_is_not_taken_over(client, idp, region):
    region.member_b.email = "member@a.example"
    region.member_a.email = "someone-else@a.example"
    db.session.commit()
    response = sign_in(client, idp, "member")
    assert response.status_code == 403 and "B kommune" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0
    assert client.get("/account/password").status_code == 302  # not signed in


def test_a_domain_the_provider_does_not_serve_is_refused(client, idp, region):
    response = sign_in(client, idp, "outsider")
    assert response.status_code == 403 and "b.example" in response.get_data(as_text=True)
    assert person("per@b.example") is None


def test_a_minimal_id_token_takes_the_person_from_userinfo_as_feide_does(client, idp, region):
    idp.tamper("minimal")  # a valid ID token with only the protocol's claims; email_verified false at userinfo
    assert sign_in(client, idp, "unverified").status_code == 303
    eva = person("eva@a.example")
    assert eva.name == "Eva" and eva.organisation_membership.organisation_id == region.a.id


def test_a_site_admin_is_never_signed_in_by_a_municipalitys_provider(client, idp, region):
    region.site_admin.email = "member@a.example"
    region.member_a.email = "member-old@a.example"
    db.session.commit()
    response = sign_in(client, idp, "member")
    assert response.status_code == 403
    assert client.get("/admin/municipalities").status_code in (302, 403)
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_a_deactivated_person_cannot_get_back_in_and_their_tokens_stop(client, idp, region):
    sign_in(client, idp, "ola")
    ola = person("ola@a.example")
    token = api.create_token(ola, "Integrasjon").secret
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    accounts.set_active(region.admin_a, ola, False)
    db.session.commit()
    assert client.get("/account/password").status_code == 302  # the session ended
    response = sign_in(client, idp, "ola")
    text = response.get_data(as_text=True).lower()
    assert response.status_code == 403 and ("deaktivert" in text or "deactivated" in text)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("mode", ["wrong_issuer", "bad_signature", "wrong_audience", "expired", "nonce_mismatch"])
def test_an_id_token_that_fails_a_check_signs_no_one_in(client, idp, region, mode):
    idp.tamper(mode)
    response = sign_in(client, idp, "ola")
    assert response.status_code == 403
    assert person("ola@a.example") is None
    reason = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "login_failed"))["reason"]
    assert reason == {"wrong_issuer": "claim iss", "bad_signature": "signature", "wrong_audience": "claim aud",
                      "expired": "token expired", "nonce_mismatch": "claim nonce"}[mode]
    assert client.get("/account/password").status_code == 302


def test_a_missing_or_replayed_state_is_refused(client, idp, region):
    back = idp.sign_in(start(client, idp.provider_id), "ola")
    without_state = back.replace("state=", "other=")
    assert come_back(client, without_state).status_code == 403
    assert come_back(client, back).status_code == 303  # the real answer, once
    client.post("/logout")
    replayed = come_back(client, back)
    assert replayed.status_code == 403
    assert client.get("/account/password").status_code == 302
    fresh()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_a_state_from_another_browser_is_refused(client, web_app, idp, region):
    other_browser = web_app.test_client()
    back = idp.sign_in(start(other_browser, idp.provider_id), "ola")
    assert come_back(client, back).status_code == 403
    assert person("ola@a.example") is None


def test_the_provider_saying_no_is_a_clear_refusal(client, idp, region):
    state = parse_qs(urlsplit(start(client, idp.provider_id)).query)["state"][0]
    response = client.get("/login/sso/callback", query_string={"error": "access_denied", "state": state})
    assert response.status_code == 403 and "A kommune" in response.get_data(as_text=True)


def test_a_provider_that_is_down_gets_a_clear_message(client, app, region):
    provider = services.add_provider(None, services.ProviderSettings(
        name="Logg inn med Nede", issuer="http://127.0.0.1:9", client_id="x", client_secret="y",
        served=[services.Served(region.b, ["b.example"])]))
    db.session.commit()
    response = client.get(f"/login/sso/{provider.id}")
    assert response.status_code == 503 and "Logg inn med Nede" in response.get_data(as_text=True)


def test_an_unknown_provider_is_a_404(client, idp):
    assert client.get("/login/sso/999999").status_code == 404


def test_groups_give_roles_capped_at_municipal_admin_and_follow_the_provider(client, idp, region):
    provider = services.provider_for(None, idp.provider_id)
    settings = services.ProviderSettings(
        name=provider.name, issuer=provider.issuer, client_id="ombruk", client_secret=None,
        served=services.served_as_is(provider), role_claim="groups",
        role_map={"g-caretakers": "caretaker", "g-admins": "municipal_admin"})
    services.change_provider(None, provider.id, settings)
    db.session.commit()
    sign_in(client, idp, "kari")
    assert person("kari@a.example").organisation_membership.role == Role.CARETAKER
    client.post("/logout")
    idp.add_account("kari", {**PEOPLE["kari"], "groups": ["g-caretakers", "g-admins"]})
    sign_in(client, idp, "kari")
    assert person("kari@a.example").organisation_membership.role == Role.MUNICIPAL_ADMIN
    client.post("/logout")
    idp.add_account("kari", {key: value for key, value in PEOPLE["kari"].items() if key != "groups"})
    sign_in(client, idp, "kari")  # no groups in the token (Entra above 200 groups): the role stays
    assert person("kari@a.example").organisation_membership.role == Role.MUNICIPAL_ADMIN
    client.post("/logout")
    idp.add_account("kari", {**PEOPLE["kari"], "groups": []})
    sign_in(client, idp, "kari")
    assert person("kari@a.example").organisation_membership.role == Role.MEMBER  # the default again


def test_the_organisation_claim_chooses_among_the_municipalities_a_shared_provider_serves(oidc_provider, client,
                                                                                            app, region):
    oidc_provider.configure(
        clients=[{"client_id": "feide", "client_secret": SECRET, "redirect_uris": [CALLBACK]}],
        accounts={"lise": {"email": "lise@skole.example", "name": "Lise Lærer",
                           "https://n.feide.no/claims/eduPersonPrincipalName": "lise@b.kommune.example"}})
    oidc.forget(oidc_provider.issuer)
    provider = services.add_provider(None, services.ProviderSettings(
        name="Logg inn med Feide", issuer=oidc_provider.issuer, client_id="feide", client_secret=SECRET,
        organisation_claim="https://n.feide.no/claims/eduPersonPrincipalName",
        served=[services.Served(region.a, ["skole.example"], organisation_values=["a.kommune.example"]),
                services.Served(region.b, ["b-skole.example"], region.school_b, ["b.kommune.example"])]))
    db.session.commit()
    start_url = start(client, provider.id)
    assert come_back(client, oidc_provider.sign_in(start_url, "lise")).status_code == 303
    lise = person("lise@skole.example")
    assert lise.organisation_membership.organisation_id == region.b.id
    assert lise.organisation_membership.unit_id == region.school_b.id


def test_sign_out_ends_the_providers_session_too(client, idp, region):
    sign_in(client, idp, "ola")
    out = client.post("/logout")
    assert out.status_code == 200
    end_session = html.unescape(re.search(r'content="0; url=([^"]+)"', out.get_data(as_text=True))[1])
    query = parse_qs(urlsplit(end_session).query)
    assert end_session.startswith(idp.issuer) and query["post_logout_redirect_uri"] == [f"{BASE}/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert idp.end_session(end_session) == f"{BASE}/login"
    fresh()
    assert db.session.scalars(select(ProviderSession)).all() == []


def test_a_password_session_signs_out_here_only(client, idp, region):
    login(client, "member@a.example")
    assert client.post("/logout").headers["Location"].startswith("/login")


def test_password_sign_in_is_refused_where_the_provider_says_so(client, idp, region, web_app):
    provider = services.provider_for(None, idp.provider_id)
    provider.password_sign_in = False
    db.session.commit()
    response = login(client, "member@a.example")
    assert response.status_code == 403 and "Logg inn med A kommune" in response.get_data(as_text=True)
    assert login(client, "member@b.example").status_code == 302
    # Nor does a password come in by the side doors: no reset link, no invitation taken up with one.
    accounts.send_password_reset("member@a.example", "127.0.0.1")
    assert list((Path(web_app.config["MAIL_OUTBOX"])).glob("*.eml")) == []
    _invitation, token = invitations.invite(region.admin_a, region.a, email="ny@a.example", name="Ny",
                                            role="member", unit_id=None)
    with pytest.raises(accounts.AccountError, match="Logg inn med A kommune"):
        invitations.accept(token, signed_in=None, name="Ny", password="et langt passord her")


def test_the_work_email_finds_its_provider(client, idp, region):
    found = client.post("/login/sso", data={"work_email": "Ola@A.example", "next": "/search"})
    # A page that refreshes on to the provider: a form's redirect may not leave the site (CSP form-action).
    target = f"/login/sso/{idp.provider_id}?next=/search&amp;login_hint=Ola@A.example"
    assert found.status_code == 200 and f'content="0; url={target}"' in found.get_data(as_text=True)
    unknown = client.post("/login/sso", data={"work_email": "per@b.example"})
    assert unknown.status_code == 303 and unknown.headers["Location"].startswith("/login")
    assert client.post("/login/sso", data={"work_email": ""}).status_code == 303


def test_the_login_page_offers_the_providers(client, idp):
    html = client.get("/login").get_data(as_text=True)
    assert f'href="/login/sso/{idp.provider_id}"' in html and "Logg inn med A kommune" in html


def test_failed_sso_answers_are_throttled_per_address(make_app, idp, region):
    client = make_app(LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes").test_client()
    answers = [client.get("/login/sso/callback?state=nothing&code=x") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [403, 403, 429]
    assert int(answers[2].headers["Retry-After"]) > 0


def test_an_outage_does_not_count_against_the_office(make_app, region):
    app = make_app(LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
    with app.app_context():
        provider = services.add_provider(None, services.ProviderSettings(
            name="Nede", issuer="http://127.0.0.1:9", client_id="x", client_secret="y",
            served=[services.Served(db.session.merge(region.b), ["b.example"])]))
        pending = sign_in_service.Pending(provider_id=provider.id, nonce="n", code_verifier="v" * 43,
                                          next_url="/", started=time.time())
        for _ in range(3):
            with pytest.raises(sign_in_service.SignInRefused) as refused:
                sign_in_service.finish(pending, {"code": "x"}, "10.0.0.1")
            assert refused.value.reason.startswith("unavailable")
        db.session.rollback()


def test_the_secret_is_not_in_the_logs(client, idp, region, caplog):
    caplog.set_level("DEBUG")
    sign_in(client, idp, "ola")
    assert SECRET not in caplog.text
