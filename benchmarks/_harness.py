"""What every benchmark does around its measurement: say plainly why it cannot give a number, log progress to
stderr, measure in a PostgreSQL database of its own (created fresh, dropped after), stop cleanly on SIGTERM, and
exit with a code that says what happened (0 measured, 1 could not, 130 interrupted, 143 stopped)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import NoReturn


class BenchmarkError(RuntimeError):
    """The benchmark cannot give a trustworthy number; the message says why."""


def log(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def run_as_command(main: Callable[[], int], name: str) -> NoReturn:
    """Run a benchmark's ``main`` as a command. SIGTERM raises SystemExit, so its ``finally`` blocks clean up."""
    def stop(_signum, _frame):
        log(f"{name}: stopped by SIGTERM; cleaning up")
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)
    try:
        sys.exit(main())
    except BenchmarkError as error:
        log(f"{name}: error: {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        log(f"{name}: interrupted")
        sys.exit(130)


def _admin_connection(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url)
    connection = psycopg.connect(host=given.host, port=given.port, user=given.username, password=given.password,
                                 dbname="postgres", autocommit=True)
    return given, connection


def prepare_postgres(url: str, name: str) -> str:
    """Create a fresh database ``name`` on the server of ``url`` (dropping an old one); return its URL."""
    from psycopg import sql

    try:
        given, connection = _admin_connection(url)
        with connection:
            identifier = sql.Identifier(name)
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    except Exception as error:  # psycopg.OperationalError and friends: say it plainly
        raise BenchmarkError(f"cannot create {name!r} on that PostgreSQL server: {error}") from error
    log(f"Created the PostgreSQL database {name!r}")
    return given.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Drop the database ``url`` names; a failure is logged, never raised (it must not hide the real one)."""
    from psycopg import sql

    try:
        given, connection = _admin_connection(url)
        with connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(given.database)))
    except Exception as error:  # noqa: BLE001
        log(f"Could not drop the PostgreSQL database of {url}: {error!r}")
        return
    log(f"Dropped the PostgreSQL database {given.database!r}")
