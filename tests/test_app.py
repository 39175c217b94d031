import pytest

from marketplace import create_app
from marketplace.config import ConfigurationError


def test_testing_app_uses_the_given_database(app, database_url):
    assert app.config["DATABASE_URL"] == database_url
    assert app.config["TESTING"] is True


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.delenv("MARKETPLACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    overrides = {"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    if secret:
        overrides["SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(overrides)


def test_production_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("MARKETPLACE_SECURE_COOKIES", raising=False)
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "SMTP_HOST": "smtp.example"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/accessibility")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("MARKETPLACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/market")
    monkeypatch.setenv("MARKETPLACE_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("MARKETPLACE_SEARCH_EXACT_COUNT_LIMIT", "200")
    app = create_app({"SECRET_KEY": "k" * 40})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://someone@db.example/market"
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert app.config["SEARCH_EXACT_COUNT_LIMIT"] == 200


def test_bad_numbers_in_the_environment_are_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MARKETPLACE_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigurationError, match="MARKETPLACE_MAX_UPLOAD_MB"):
        create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_sqlite_runs_with_foreign_keys_and_wal(app):
    from sqlalchemy import text

    from marketplace.db import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_production_entry_point_starts_and_freezes_its_start_up_objects(tmp_path):
    """`gunicorn wsgi:app` imports wsgi.py: it must build a production app from the environment alone, and
    leave the start-up objects out of the collector's sight (full collections inside requests stay short), and
    collect the youngest objects less often than Python's default."""
    import subprocess
    import sys
    from pathlib import Path

    environment = {"PATH": "/usr/bin:/bin", "MARKETPLACE_ENV": "production", "MARKETPLACE_SECRET_KEY": "k" * 40,
                   "MARKETPLACE_MAIL_BACKEND": "outbox", "MARKETPLACE_INSTANCE_PATH": str(tmp_path),
                   "MARKETPLACE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    probe = "import gc, wsgi; print(wsgi.app.config['ENV'], gc.get_freeze_count() > 10_000, gc.get_threshold()[0])"
    finished = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parent.parent,
                              env=environment, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["production", "True", "10000"]  # young objects: collected less often
