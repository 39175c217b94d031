"""One engine on the test database for the whole run, handed to every app the tests build on it.

A test builds two apps or more; each used to make its own engine, and a new engine connects, asks the server
what it is and compiles every statement anew before its first answer (about 75 ms a test). Sharing it keeps
what it learns for the run; each app still has its own configuration, session factories and extensions, and
each test starts on fresh connections, as before: the pool is emptied after every test, so nothing a test
does to a connection (a PRAGMA, a PostgreSQL SET, a prepared statement) reaches the next. What a test may
change on the engine itself is its listeners (counting statements, faking an outage): a test that leaves one
behind fails, and the next test gets a new engine.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from marketplace.db import make_engine


def _listeners(engine: Engine) -> dict[str, list]:
    """Every listener on the engine's and its pool's events, by event name."""
    found = {}
    for kind, dispatch in (("engine", engine.dispatch), ("pool", engine.pool.dispatch)):
        # _event_names is SQLAlchemy's own list of the events a target has; if it goes, this fails loudly.
        for name in type(dispatch)._event_names:
            listening = list(getattr(dispatch, name))
            if listening:
                found[f"{kind} {name}"] = listening
    return found


class SharedEngine:
    """The run's engine on one database URL, and what listened to it when it was made."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = self._connected_engine()

    def _connected_engine(self) -> Engine:
        engine = make_engine(self.url)
        with engine.connect() as connection:  # the first connection learns the dialect and adds its listeners
            connection.execute(text("SELECT 1"))
        self._listening = _listeners(engine)
        return engine

    def after_test(self) -> None:
        """Close the test's connections; if it left a listener on the engine, fail and start a new engine."""
        self.engine.dispose()
        left = sorted(name for name, listening in _listeners(self.engine).items()
                      if listening != self._listening.get(name))
        if left:
            self.engine = self._connected_engine()
            raise AssertionError(f"the test left listeners on the shared engine ({', '.join(left)}): remove them")

    def close(self) -> None:
        self.engine.dispose()
