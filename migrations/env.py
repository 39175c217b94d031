"""Alembic environment: the URL comes from the caller (marketplace.db.upgrade) or the app's configuration."""

from alembic import context
from sqlalchemy import pool

import marketplace.models  # noqa: F401  (registers every table on Base.metadata)
from marketplace.db import Base, include_in_autogenerate, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from marketplace import create_app

    return create_app().config["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            if sqlite:
                # Batch migrations copy and drop tables; with foreign keys on, dropping `users` would fire
                # every ON DELETE CASCADE that points at it. Off for the migration (outside any transaction,
                # where SQLite honours it), and checked afterwards.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,  # SQLite needs table copies for most ALTERs
                compare_type=True,
                include_object=include_in_autogenerate,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.connection.driver_connection.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"The migration left rows whose references do not exist: {broken[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
