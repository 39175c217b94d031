"""Configuration: documented defaults, overridden by environment variables.

Every setting can be given as ``MARKETPLACE_<NAME>`` in the environment (``DATABASE_URL`` is also read as is,
as most hosting platforms set it). ``docs/operations.md`` lists them for operators.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production", "testing")
MAIL_BACKENDS = ("smtp", "outbox")


class ConfigurationError(RuntimeError):
    """The app cannot start safely with the configuration it was given."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MARKETPLACE_{name}", default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ConfigurationError(f"MARKETPLACE_{name} must be a whole number, not {value!r}") from error


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key(instance_path: Path) -> str:
    """A random key kept in instance/, so sessions survive restarts of a development server."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for ``create_app``; ``overrides`` win over the environment."""
    overrides = dict(overrides or {})
    environment = overrides.get("ENV") or _env("ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(f"MARKETPLACE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    production = environment == "production"

    database_url = _env("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'marketplace.db'}"
    if database_url.startswith("postgres://"):  # the spelling some hosts use
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    config = {
        "ENV": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": _env("SECRET_KEY") or os.environ.get("SECRET_KEY"),
        "DATABASE_URL": database_url,
        # Sessions are signed cookies; the server-side session row makes logout and revocation real.
        "SESSION_COOKIE_NAME": "ombruk_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", production),
        "REMEMBER_COOKIE_SECURE": _env_bool("SECURE_COOKIES", production),
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_HOURS", 12) * 3600,
        # The server-side row ends SESSION_HOURS after the sign-in, however active the person is, so sliding the
        # cookie's expiry on every response would buy nothing; the cookie is sent again only when it changes.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Days an invitation link works before the admin must send a new one.
        "INVITATION_DAYS": _env_int("INVITATION_DAYS", 7),
        # Matches a search counts exactly; above it, "more than" (decision 46). A national market may lower it.
        "SEARCH_EXACT_COUNT_LIMIT": _env_int("SEARCH_EXACT_COUNT_LIMIT", 1000),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Requests above this size are refused with 413 before they are read (8 phone photos fit).
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 64) * 1024 * 1024,
        "UPLOAD_DIR": _env("UPLOAD_DIR") or str(instance_path / "uploads"),
        # memory:// suits one process; use redis://host:6379/0 when several workers or hosts serve the site.
        "RATELIMIT_STORAGE_URL": _env("RATELIMIT_STORAGE_URL", "memory://"),
        # Failed logins allowed per account and address, and per address across all accounts.
        "LOGIN_FAILURES_PER_ACCOUNT": _env("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": _env("LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes"),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0 = trust none).
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        # argon2id cost; the defaults follow RFC 9106's second recommendation.
        "ARGON2_TIME_COST": _env_int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _env_int("ARGON2_MEMORY_KIB", 65536),
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "LANGUAGES": {"nb": "Norsk bokmål", "en": "English"},
        "SITE_NAME": _env("SITE_NAME", "Ombruksmarkedet"),
        "CONTACT_EMAIL": _env("CONTACT_EMAIL", "ombruk@dulten.example"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # E-mail. "outbox" writes each message as an .eml file into MAIL_OUTBOX and sends nothing (the default
        # everywhere but production, so a developer machine never mails real people); "smtp" sends.
        "MAIL_BACKEND": _env("MAIL_BACKEND") or ("smtp" if production else "outbox"),
        "MAIL_OUTBOX": _env("MAIL_OUTBOX") or str(instance_path / "outbox"),
        "MAIL_FROM": _env("MAIL_FROM", "Ombruksmarkedet <noreply@ombruk.example>"),
        "SMTP_HOST": _env("SMTP_HOST", ""),
        "SMTP_PORT": _env_int("SMTP_PORT", 587),
        "SMTP_USERNAME": _env("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", True),  # upgrade the connection to TLS before logging in
        "SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 30),  # seconds for connecting and for each reply
        # The site's public address: every absolute link (e-mails, the API's URLs, QR labels) starts with it,
        # and requests are answered only for its host and TRUSTED_HOSTS (comma-separated; ".example.no" allows
        # every subdomain), so a forged Host header is refused.
        "BASE_URL": (_env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "TRUSTED_HOSTS_EXTRA": [host.strip() for host in (_env("TRUSTED_HOSTS") or "").split(",") if host.strip()],
    }
    if environment == "testing":
        # The tests never send real e-mail, whatever the environment says (a test may still override it).
        config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=1024, WTF_CSRF_ENABLED=False,
                      MAIL_BACKEND="outbox")
    config.update(overrides)

    if not config["SECRET_KEY"]:
        if production:
            raise ConfigurationError(
                "MARKETPLACE_SECRET_KEY is not set. In production the app refuses to start without one: "
                "generate it with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        config["SECRET_KEY"] = _development_secret_key(instance_path)
    elif production and len(config["SECRET_KEY"]) < 32:
        raise ConfigurationError("MARKETPLACE_SECRET_KEY is too short: use at least 32 random characters.")
    if config["MAIL_BACKEND"] not in MAIL_BACKENDS:
        raise ConfigurationError(f"MARKETPLACE_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, "
                                 f"not {config['MAIL_BACKEND']!r}")
    if production and config["MAIL_BACKEND"] == "smtp" and not config["SMTP_HOST"]:
        raise ConfigurationError(
            "MARKETPLACE_SMTP_HOST is not set. In production the app sends e-mail through SMTP and "
            "refuses to start without a mail server: set MARKETPLACE_SMTP_HOST (and _PORT, _USERNAME, "
            "_PASSWORD), or set MARKETPLACE_MAIL_BACKEND=outbox to only write the messages to files."
        )
    return config
