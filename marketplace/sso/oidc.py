"""The OpenID Connect protocol: Authlib runs the authorization code flow with PKCE, joserfc checks the ID
token. Nothing here knows about people or municipalities (see sign_in.py).

Discovery documents and key sets are kept per process for an hour; a token signed with a key we do not have
yet (the provider rotated its keys) fetches the key set once more before it is refused.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

TIMEOUT = 5  # seconds for each call to the provider
CACHE_SECONDS = 3600
LEEWAY = 60  # seconds of clock difference allowed on exp, iat and nbf
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


class ProviderUnavailable(Exception):
    """The provider cannot be reached, or answers with something that is not OpenID Connect."""


class TokenRefused(Exception):
    """The provider's answer fails a check. ``reason`` is a short code for the audit trail and the logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    userinfo_endpoint: str | None


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str | None


@dataclass(frozen=True)
class Client:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str


_cache: dict[str, tuple[float, object]] = {}
_cache_lock = threading.Lock()


def issuer_problem(issuer: str) -> str | None:
    """Why ``issuer`` cannot be an issuer URL, or None. HTTPS only, except on this machine (tests, development)."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        return "not an https URL"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "http is allowed only on this machine (127.0.0.1, localhost); use https"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error.__class__.__name__}") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return document


def _cached(key: str, load, refresh: bool = False):
    now = time.monotonic()
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and not refresh and now - entry[0] < CACHE_SECONDS:
        return entry[1]
    value = load()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def forget(issuer: str) -> None:
    """Drop what is kept of ``issuer`` (after its configuration changes)."""
    with _cache_lock:
        for key in [key for key in _cache if key.endswith(issuer)]:
            del _cache[key]


def metadata(issuer: str) -> Metadata:
    """The provider's discovery document, which must name exactly the configured issuer (OIDC Discovery 4.3:
    otherwise a look-alike could hand out tokens in its name)."""
    def load() -> Metadata:
        document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if document.get("issuer") != issuer:
            raise ProviderUnavailable(f"the discovery document names the issuer {document.get('issuer')!r}")
        try:
            return Metadata(issuer=issuer, authorization_endpoint=document["authorization_endpoint"],
                            token_endpoint=document["token_endpoint"], jwks_uri=document["jwks_uri"],
                            end_session_endpoint=document.get("end_session_endpoint"),
                            userinfo_endpoint=document.get("userinfo_endpoint"))
        except KeyError as missing:
            raise ProviderUnavailable(f"the discovery document lacks {missing}") from missing
    return _cached(f"metadata {issuer}", load)


def _keys(provider: Metadata, refresh: bool = False) -> KeySet:
    def load() -> KeySet:
        try:
            return KeySet.import_key_set(_get_json(provider.jwks_uri))
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise ProviderUnavailable(f"{provider.jwks_uri}: not a key set") from error
    return _cached(f"keys {provider.issuer}", load, refresh)


def authorization_url(client: Client, provider: Metadata, *, state: str, nonce: str, code_verifier: str,
                      login_hint: str | None = None) -> str:
    session = OAuth2Session(client.client_id, scope=client.scopes, redirect_uri=client.redirect_uri,
                            code_challenge_method="S256")
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _state = session.create_authorization_url(provider.authorization_endpoint, state=state, nonce=nonce,
                                                   code_verifier=code_verifier, **extra)
    return url


def redeem_code(client: Client, provider: Metadata, *, code: str, code_verifier: str) -> Tokens:
    """Exchange the authorization code for tokens (client_secret_basic)."""
    session = OAuth2Session(client.client_id, client.client_secret, redirect_uri=client.redirect_uri)
    try:
        token = session.fetch_token(provider.token_endpoint, grant_type="authorization_code", code=code,
                                    code_verifier=code_verifier, timeout=TIMEOUT)
    except OAuthError as error:
        raise TokenRefused(f"token endpoint: {error.error}") from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{provider.token_endpoint}: {error.__class__.__name__}") from error
    id_token, access_token = token.get("id_token"), token.get("access_token")
    if not isinstance(id_token, str):
        raise TokenRefused("no id_token")
    return Tokens(id_token=id_token, access_token=access_token if isinstance(access_token, str) else None)


def userinfo(provider: Metadata, access_token: str, subject: str) -> dict:
    """The person's claims from the userinfo endpoint, for providers whose ID token carries few (Feide). Its
    ``sub`` must be the ID token's (OIDC Core 5.3.2), or the answer is someone else's."""
    if not provider.userinfo_endpoint:
        return {}
    try:
        response = requests.get(provider.userinfo_endpoint, timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        response.raise_for_status()
        claims = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{provider.userinfo_endpoint}: {error.__class__.__name__}") from error
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise TokenRefused("userinfo sub")
    return claims


def verified_claims(id_token: str, client: Client, provider: Metadata, *, nonce: str) -> dict:
    """The ID token's claims, once its signature (the provider's key set), issuer, audience, expiry and nonce
    hold (OIDC Core 3.1.3.7)."""
    try:
        try:
            token = jwt.decode(id_token, _keys(provider), algorithms=ALGORITHMS)
        except (BadSignatureError, ValueError):  # a key we do not know yet: the provider may have rotated
            token = jwt.decode(id_token, _keys(provider, refresh=True), algorithms=ALGORITHMS)
    except BadSignatureError as error:
        raise TokenRefused("signature") from error
    except (JoseError, ValueError, TypeError) as error:
        raise TokenRefused(f"malformed: {error.__class__.__name__}") from error
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": client.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise TokenRefused("token expired") from error
    except JoseError as error:
        raise TokenRefused(f"claim {getattr(error, 'claim', '') or error.error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client.client_id:
        raise TokenRefused("claim azp")
    return claims


def end_session_url(provider: Metadata, client: Client, *, id_token: str | None, after: str) -> str | None:
    """Where the browser ends its session at the provider (RP-initiated logout), or None if it has no such
    endpoint."""
    if not provider.end_session_endpoint:
        return None
    parameters = {"client_id": client.client_id, "post_logout_redirect_uri": after}
    if id_token:
        parameters["id_token_hint"] = id_token
    separator = "&" if "?" in provider.end_session_endpoint else "?"
    return provider.end_session_endpoint + separator + urlencode(parameters)
