"""A PostgreSQL database of its own for a benchmark run: created fresh beside the one named, dropped after."""

from __future__ import annotations


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

    given, connection = _admin_connection(url)
    with connection:
        identifier = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    return given.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Drop the database ``url`` names."""
    from psycopg import sql

    given, connection = _admin_connection(url)
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(given.database)))
