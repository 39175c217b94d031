"""The site's own address: which Host headers it answers to, and absolute links made from MARKETPLACE_BASE_URL.

A link that leaves the page (an API's ``web_url``, a photo URL, a QR label, an e-mail) is built from the
configured base URL, never from the request's Host header, which the client chooses. Requests naming a host the
site does not know are refused with 400 before any view runs, so nothing downstream ever sees a forged one.
The health checks answer whatever the Host: load balancers probe a worker by its IP address.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import click
from flask import Flask, abort, current_app, has_request_context, request, url_for
from flask import cli as flask_cli
from werkzeug.sansio.utils import host_is_trusted

HOST_INDEPENDENT_ENDPOINTS = frozenset({"site.liveness", "site.readiness"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def trusted_hosts(config) -> list[str]:
    """The base URL's host name, the loopback names when that is one of them (a developer's browser says
    either), and MARKETPLACE_TRUSTED_HOSTS (more names, or ``.example.no`` for every subdomain)."""
    own = urlsplit(config["BASE_URL"]).hostname or ""
    hosts = [own, *config["TRUSTED_HOSTS_EXTRA"]]
    if own in LOOPBACK_NAMES:
        hosts.extend(LOOPBACK_NAMES)
    return [host for host in dict.fromkeys(hosts) if host]


def absolute_url(path: str) -> str:
    """``path`` (such as ``/items/7``, as stored on notifications) under MARKETPLACE_BASE_URL."""
    if path.startswith(("https://", "http://")):
        return path
    return f"{current_app.config['BASE_URL']}/{path.lstrip('/')}"


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute link under MARKETPLACE_BASE_URL, which already says
    where the app is mounted (so the request's script root is not repeated)."""
    path = url_for(endpoint, **values)
    if has_request_context():
        path = path.removeprefix(request.script_root)
    return absolute_url(path)


def _refuse_unknown_host() -> None:
    if request.endpoint in HOST_INDEPENDENT_ENDPOINTS:
        return
    if not host_is_trusted(request.host, current_app.config["TRUSTED_HOSTS_LIST"]):
        current_app.logger.warning("Refused a request for the unknown host %r", request.host[:100])
        abort(400)


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS_LIST"] = trusted_hosts(app.config)
    # First of all request hooks: nothing (sign-in, throttle, language) works for a host the site is not.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)


# --- The development server ------------------------------------------------------------------------------

def served_base_url(host: str, port: int, https: bool = False) -> str:
    """The address a development server on ``host``:``port`` is reached at (all interfaces: the loopback)."""
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"{'https' if https else 'http'}://{f'[{host}]' if ':' in host else host}:{port}"


def run_command() -> click.Command:
    """Flask's `run` (`marketplace run --port N`), except that when MARKETPLACE_BASE_URL is not set, the links
    the app makes (e-mails, QR labels, the API's URLs) point where it serves, not at the default port 5000.
    Set in the environment before the app is created, so the reloader's process has it too."""
    flask_run = flask_cli.run_command

    @click.pass_context
    def run(context: click.Context, **options) -> None:
        if not os.environ.get("MARKETPLACE_BASE_URL"):
            os.environ["MARKETPLACE_BASE_URL"] = served_base_url(options["host"], options["port"],
                                                                 options.get("cert") is not None)
        context.invoke(flask_run, **options)

    return click.Command("run", callback=run, params=flask_run.params, help=flask_run.help,
                         short_help=flask_run.short_help)
