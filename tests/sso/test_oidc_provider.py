"""The SSO tests' OpenID Provider is real: oidc-provider runs, publishes its discovery document and keys,
does the authorization code flow with PKCE for an Authlib client, alters its ID tokens when told to, and ends
sessions. These fail loudly (never skip) when Node.js or the provider is missing, so CI cannot pass without
it."""

from __future__ import annotations

import secrets
import time
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():  # Authlib 1.6+ deprecates authlib.jose (for joserfc); it stays until 2.0
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import BadSignatureError

REDIRECT_URI = "http://127.0.0.1:5000/login/sso/callback"
POST_LOGOUT_URI = "http://127.0.0.1:5000/"
CLIENT = {"client_id": "marketplace", "client_secret": "s3cret-for-tests", "redirect_uris": [REDIRECT_URI],
          "post_logout_redirect_uris": [POST_LOGOUT_URI]}
FEIDE_PRINCIPAL = "https://n.feide.no/claims/eduPersonPrincipalName"
OLA = {"email": "ola.nordmann@kommune.no", "email_verified": True, "name": "Ola Nordmann",
       "given_name": "Ola", "family_name": "Nordmann", "preferred_username": "ola.nordmann@kommune.no",
       "tid": "8a2f6c2e-0000-4000-8000-000000000001", "groups": ["reuse-admins", "staff"],
       FEIDE_PRINCIPAL: "ola@kommune.no"}


@pytest.fixture
def op(oidc_provider):
    oidc_provider.configure([CLIENT], {"ola": OLA})
    return oidc_provider


def _metadata(op) -> dict:
    return requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=10).json()


def _client() -> OAuth2Session:
    return OAuth2Session(CLIENT["client_id"], CLIENT["client_secret"], scope="openid email profile",
                         redirect_uri=REDIRECT_URI, code_challenge_method="S256")


def _code_flow(op) -> tuple[dict, str]:
    """Sign in as ola with Authlib; the token response and the nonce sent."""
    metadata = _metadata(op)
    client = _client()
    nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(metadata["authorization_endpoint"], nonce=nonce,
                                                 code_verifier=verifier)
    callback = op.sign_in(url, "ola")
    query = parse_qs(urlsplit(callback).query)
    assert callback.startswith(REDIRECT_URI + "?"), callback
    assert query["state"] == [state] and query["code"], callback
    token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    return token, nonce


def _claims(op, id_token: str) -> dict:
    keys = JsonWebKey.import_key_set(requests.get(_metadata(op)["jwks_uri"], timeout=10).json())
    return dict(jwt.decode(id_token, keys))


def test_the_discovery_document_is_the_providers(op):
    metadata = _metadata(op)
    assert op.issuer.startswith("http://127.0.0.1:") and not op.issuer.endswith("/")
    assert metadata["issuer"] == op.issuer
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert metadata["end_session_endpoint"].startswith(op.issuer)
    keys = requests.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    assert any(key["kty"] == "RSA" and key.get("kid") for key in keys)
    assert all("d" not in key for key in keys)  # public halves only


def test_a_code_flow_with_pkce_gives_an_id_token_with_the_accounts_claims(op):
    token, nonce = _code_flow(op)
    claims = _claims(op, token["id_token"])
    assert claims["iss"] == op.issuer and claims["aud"] == CLIENT["client_id"] and claims["sub"] == "ola"
    assert claims["nonce"] == nonce
    assert claims["exp"] > time.time() > claims["iat"] - 5
    assert {name: claims[name] for name in OLA} == OLA
    assert "roles" not in claims and "upn" not in claims  # only the claims the account has


def test_an_unknown_user_is_refused_at_the_login_form(op):
    url, _ = _client().create_authorization_url(_metadata(op)["authorization_endpoint"], nonce="n",
                                                code_verifier=secrets.token_urlsafe(48))
    with pytest.raises(RuntimeError, match="Unknown user"):
        op.sign_in(url, "nobody")


def test_prompt_select_account_as_entra_id_clients_send_it_shows_the_login_form(op):
    url, _ = _client().create_authorization_url(_metadata(op)["authorization_endpoint"], nonce="n",
                                                code_verifier=secrets.token_urlsafe(48),
                                                prompt="select_account")
    assert "code" in parse_qs(urlsplit(op.sign_in(url, "ola")).query)


def test_pkce_is_required(op):
    metadata = _metadata(op)
    without_challenge = OAuth2Session(CLIENT["client_id"], CLIENT["client_secret"],
                                      scope="openid email profile", redirect_uri=REDIRECT_URI)
    url, _ = without_challenge.create_authorization_url(metadata["authorization_endpoint"], nonce="n")
    refused = parse_qs(urlsplit(op.sign_in(url, "ola")).query)
    assert refused["error"] == ["invalid_request"] and "code" not in refused

    client = _client()
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], nonce="n",
                                             code_verifier=secrets.token_urlsafe(48))
    callback = op.sign_in(url, "ola")
    with pytest.raises(AuthlibBaseError) as refusal:  # the code, but no code_verifier
        client.fetch_token(metadata["token_endpoint"], authorization_response=callback)
    assert refusal.value.error == "invalid_grant"


@pytest.mark.parametrize("mode", ["wrong_issuer", "bad_signature", "wrong_audience", "expired",
                                  "nonce_mismatch"])
def test_a_tamper_mode_alters_the_next_id_tokens(op, mode):
    op.tamper(mode)
    token, nonce = _code_flow(op)
    if mode == "bad_signature":
        with pytest.raises(BadSignatureError):
            _claims(op, token["id_token"])
        return
    claims = _claims(op, token["id_token"])
    now = time.time()
    altered = {"wrong_issuer": claims["iss"] == op.issuer + "/other",
               "wrong_audience": claims["aud"] == "someone-else",
               "expired": claims["exp"] < now - 500 and claims["iat"] < now - 4000,
               "nonce_mismatch": claims["nonce"] == "not-the-nonce"}
    assert altered[mode], claims
    assert (claims["iss"] == op.issuer) is (mode != "wrong_issuer")
    assert (claims["nonce"] == nonce) is (mode != "nonce_mismatch")
    assert claims["email"] == OLA["email"]

    op.tamper(None)
    honest, nonce = _code_flow(op)
    claims = _claims(op, honest["id_token"])
    assert claims["iss"] == op.issuer and claims["aud"] == "marketplace" and claims["nonce"] == nonce


def test_ending_the_session_returns_to_the_registered_post_logout_uri(op):
    token, _ = _code_flow(op)
    end_session = _metadata(op)["end_session_endpoint"]
    params = {"id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT_URI, "state": "bye"}
    url = requests.Request("GET", end_session, params=params).prepare().url
    assert op.end_session(url) == POST_LOGOUT_URI + "?state=bye"


def test_configure_replaces_the_clients_and_accounts(op):
    op.add_account("kari", {"email": "kari@kommune.no"})
    assert set(op.state()["accounts"]) == {"ola", "kari"}
    op.configure([], {})
    url, _ = _client().create_authorization_url(_metadata(op)["authorization_endpoint"], nonce="n",
                                                code_verifier=secrets.token_urlsafe(48))
    with pytest.raises(RuntimeError, match="invalid_client"):
        op.sign_in(url, "ola")
