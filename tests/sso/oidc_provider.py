"""A real OpenID Provider for the SSO tests: the certified `oidc-provider` npm package, run by Node.js on a
free loopback port (tests/sso/oidc-provider/server.mjs), configured and tampered with over its test-control
API.

Registered as a pytest plugin from tests/conftest.py, so every test can ask for the session-scoped
``oidc_provider`` fixture and call ``configure`` (cheap: a new Provider inside the same process) to set its
own clients and accounts. Two pytest processes (SQLite and PostgreSQL) each start their own provider.

Accounts are ``{"<sub>": {claims}}``: the claims as the ID token and userinfo carry them, e.g.
``{"ola": {"email": "ola@kommune.no", "email_verified": True, "name": "Ola Nordmann", "groups": ["g1"]}}``.
The login form's username is the sub.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

NODE_PROJECT = Path(__file__).resolve().parent / "oidc-provider"
START_TIMEOUT = 20.0
INSTALL_HINT = "run `make install-test` (npm ci in tests/sso/oidc-provider)"
# "minimal" is no forgery: a valid ID token with only the protocol's claims, the person's at userinfo (Feide).
TAMPER_MODES = (None, "wrong_issuer", "bad_signature", "wrong_audience", "expired", "nonce_mismatch", "minimal")
MAX_REDIRECTS = 20
AUTO_SUBMIT = "document.forms[0].submit()"  # oidc-provider's form_post pages


class _Forms(HTMLParser):
    """The forms of a page: action, method, the named inputs' values and the named submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.alerts: list[str] = []
        self._in_alert = False
        self._form_ids: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("role") == "alert" or attributes.get("id") in ("error-code", "error-description"):
            self._in_alert = True
        if tag == "form":
            form = {"action": attributes.get("action", ""), "method": attributes.get("method", "get").lower(),
                    "fields": {}, "buttons": []}
            self.forms.append(form)
            if attributes.get("id"):
                self._form_ids[attributes["id"]] = form
            return
        owner = self._form_ids.get(attributes.get("form", "")) or (self.forms[-1] if self.forms else None)
        if owner is None or tag not in ("input", "button") or "name" not in attributes:
            return
        if tag == "input" and attributes.get("type", "text") not in ("submit", "button", "image"):
            owner["fields"][attributes["name"]] = attributes.get("value", "")
        else:
            owner["buttons"].append((attributes["name"], attributes.get("value", "")))

    def handle_endtag(self, tag):
        self._in_alert = False

    def handle_data(self, data):
        if self._in_alert and data.strip():
            self.alerts.append(data.strip())


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


class OidcProvider:
    """One running provider process. ``start()`` it, ``configure`` it per test, ``stop()`` it at the end."""

    def __init__(self, process: subprocess.Popen, issuer: str, log_path: Path) -> None:
        self.process = process
        self.issuer = issuer  # "http://127.0.0.1:<port>", no trailing slash
        self.log_path = log_path  # the provider's stderr
        self.clients: list[dict] = []
        self.accounts: dict[str, dict] = {}
        self.browser = requests.Session()  # the cookies of the last sign_in, for end_session
        self.startup_seconds = 0.0  # from starting node to its READY line

    # -- process ---------------------------------------------------------------------------------------------

    @classmethod
    def start(cls) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("The SSO tests need Node.js 20+ (`node` on PATH): install it (apt-get install "
                               f"nodejs npm), then {INSTALL_HINT}")
        if not (NODE_PROJECT / "node_modules" / "oidc-provider" / "package.json").exists():
            raise RuntimeError(f"oidc-provider is not installed in {NODE_PROJECT / 'node_modules'}: "
                               f"{INSTALL_HINT}")
        log = tempfile.NamedTemporaryFile(prefix="oidc-provider-", suffix=".log", delete=False)  # noqa: SIM115
        log_path = Path(log.name)
        started = time.monotonic()
        process = subprocess.Popen([node, "server.mjs", "--port", "0"], cwd=NODE_PROJECT,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        log.close()
        try:
            issuer = cls._read_ready(process, started + START_TIMEOUT)
        except RuntimeError as error:
            process.kill()
            process.wait()
            raise RuntimeError(f"{error}\n{INSTALL_HINT}; the provider's log ({log_path}):\n"
                               f"{log_path.read_text(errors='replace')[-3000:]}") from None
        provider = cls(process, issuer, log_path)
        provider.startup_seconds = time.monotonic() - started
        return provider

    @staticmethod
    def _read_ready(process: subprocess.Popen, deadline: float) -> str:
        output = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"\n" not in output:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(f"the OpenID Provider printed no READY within {START_TIMEOUT:.0f} s")
                if not selector.select(remaining):
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError(f"the OpenID Provider exited (code {process.wait()}) before READY")
                output += chunk
        line = output.split(b"\n", 1)[0].decode()
        if not line.startswith("READY http://127.0.0.1:"):
            raise RuntimeError(f"the OpenID Provider printed {line!r} instead of READY <issuer>")
        return line.split(" ", 1)[1].strip()

    def stop(self) -> None:
        self.browser.close()
        if self.process.poll() is None:
            self.process.stdin.close()  # it exits when its stdin closes; SIGTERM in case it does not
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.log_path.unlink(missing_ok=True)

    # -- test-control API ------------------------------------------------------------------------------------

    def _control(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.issuer}/__test__/{path}", json=body, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"OpenID Provider refused {path}: {response.status_code} {response.text}")
        return response.json()

    def configure(self, clients: list[dict], accounts: dict[str, dict], tamper: str | None = None) -> None:
        """Replace the whole state: a new Provider with these clients and accounts; sessions, codes and tokens
        of the previous one are gone. A client is ``{"client_id", "client_secret", "redirect_uris": [...],
        "post_logout_redirect_uris": [...]}`` and may add other client metadata, e.g.
        ``"token_endpoint_auth_method": "client_secret_post"`` (the default is client_secret_basic)."""
        if tamper not in TAMPER_MODES:
            raise ValueError(f"unknown tamper mode {tamper!r}")
        self._control("configure", {"clients": clients, "accounts": accounts, "tamper": tamper})
        self.clients = [dict(client) for client in clients]
        self.accounts = {sub: dict(claims) for sub, claims in accounts.items()}
        self.browser.close()
        self.browser = requests.Session()

    def add_account(self, sub: str, claims: dict) -> None:
        """Add (or replace) one account, keeping the clients and the other accounts (it re-configures, so
        sessions and the tamper mode are reset)."""
        self.configure(self.clients, {**self.accounts, sub: claims})

    def tamper(self, mode: str | None) -> None:
        """Alter the id_token of the next token responses until changed (None: honest) or re-configured."""
        if mode not in TAMPER_MODES:
            raise ValueError(f"unknown tamper mode {mode!r}")
        self._control("tamper", {"mode": mode})

    def state(self) -> dict:
        return requests.get(f"{self.issuer}/__test__/state", timeout=10).json()

    # -- a person at the provider ----------------------------------------------------------------------------

    def _inside(self, url: str) -> bool:
        return urlsplit(url)[:2] == urlsplit(self.issuer)[:2]

    def _walk(self, response: requests.Response) -> requests.Response | str:
        """Follow redirects while they stay at the provider; a Location leaving it is returned unrequested.
        oidc-provider's own auto-submitting forms (e.g. ending the previous session when another account signs
        in within the same browser) are submitted as a browser would."""
        for _ in range(MAX_REDIRECTS):
            if not response.is_redirect:
                forms = _parse(response.text).forms if AUTO_SUBMIT in response.text else []
                action = urljoin(response.url, forms[0]["action"]) if forms else ""
                if not (forms and forms[0]["method"] == "post" and self._inside(action)):
                    return response
                response = self.browser.post(action, data=forms[0]["fields"], allow_redirects=False,
                                             timeout=10)
                continue
            location = urljoin(response.url, response.headers["Location"])
            if not self._inside(location):
                return location
            response = self.browser.get(location, allow_redirects=False, timeout=10)
        raise RuntimeError(f"more than {MAX_REDIRECTS} redirects at the OpenID Provider")

    def _page_error(self, what: str, response: requests.Response) -> RuntimeError:
        alerts = _parse(response.text).alerts
        return RuntimeError(f"{what}: the OpenID Provider answered {response.status_code} at {response.url}"
                            + (f": {' '.join(alerts)}" if alerts else f"\n{response.text[:2000]}"))

    def sign_in(self, authorize_url: str, login: str) -> str:
        """Sign in as the account ``login`` (its sub) in a fresh browser: GET the authorize URL, fill in the
        login form, and return the first redirect that leaves the provider (the client's redirect_uri with
        code and state, or with error) without requesting it. Raises RuntimeError when the provider shows an
        error page or refuses the login (unknown account)."""
        self.browser.close()
        self.browser = requests.Session()
        result = self._walk(self.browser.get(authorize_url, allow_redirects=False, timeout=10))
        if isinstance(result, str):
            return result
        forms = [form for form in _parse(result.text).forms if "login" in form["fields"]]
        if result.status_code != 200 or not forms:
            raise self._page_error("no login form", result)
        action = urljoin(result.url, forms[0]["action"])
        response = self.browser.post(action, data={**forms[0]["fields"], "login": login},
                                     allow_redirects=False, timeout=10)
        result = self._walk(response)
        if isinstance(result, str):
            return result
        raise self._page_error(f"signing in as {login!r} did not return to the client", result)

    def end_session(self, url: str) -> str:
        """GET the end-session URL in the browser of the last sign_in, say yes on the logout page, and return
        the URL the provider sends the browser to (the post_logout_redirect_uri with state, or its own
        signed-out page) without requesting it."""
        result = self._walk(self.browser.get(url, allow_redirects=False, timeout=10))
        if isinstance(result, str):
            return result
        forms = _parse(result.text).forms
        if result.status_code != 200 or not forms:
            raise self._page_error("no logout form", result)
        form = forms[0]
        data = {**form["fields"], **dict(button for button in form["buttons"] if button[0] == "logout")}
        data.setdefault("logout", "yes")
        response = self.browser.post(urljoin(result.url, form["action"]), data=data, allow_redirects=False,
                                     timeout=10)
        if not response.is_redirect:
            raise self._page_error("the logout form did not redirect", response)
        return urljoin(response.url, response.headers["Location"])


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """One real OpenID Provider for the test session; each test calls ``configure`` with what it needs."""
    provider = OidcProvider.start()
    try:
        yield provider
    finally:
        provider.stop()
