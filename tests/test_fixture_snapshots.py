"""The test set-up's own shortcuts (tests/row_snapshots.py, tests/shared_engine.py) give what the long way gives."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from marketplace.accounts.models import Role, User
from marketplace.db import Base, db, utcnow
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Network
from tests.conftest import _empty_all_tables
from tests.factories import build_region, install_catalogue, make_user
from tests.shared_engine import SharedEngine

STAMPS_AND_SALTS = {"created_at", "password_hash"}


def _rows(table_names) -> dict[str, list[dict]]:
    tables = [table for table in Base.metadata.sorted_tables if table.name in table_names]
    return {table.name: [{name: value for name, value in row.items() if name not in STAMPS_AND_SALTS}
                         for row in db.session.execute(select(table).order_by(*table.primary_key)).mappings()]
            for table in tables}


def test_objects_live_in_the_test_s_session_and_ids_go_on_after_them(app, region, catalogue):
    assert region.member_a in db.session and region.member_a.organisation is region.a
    assert region.a.networks == [region.vest] and catalogue.factors
    newest = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    user = make_user("new@a.example", Role.MEMBER, region.a)
    db.session.commit()
    assert user.id == newest + 1
    assert utcnow() - timedelta(minutes=1) < region.member_a.created_at <= utcnow()


def test_the_rows_put_back_are_the_rows_a_build_writes(app, region, catalogue):
    """The fixtures' rows (put back from a snapshot: the test above took it, if none had) against a build's,
    in every table: the same ids and values, but for the build's times and the password hashes' random salts."""
    given = _rows({table.name for table in Base.metadata.sorted_tables})
    db.session.expunge_all()
    db.session.commit()
    _empty_all_tables(app)
    build_region()
    install_catalogue()
    db.session.commit()
    assert _rows(given) == given and given["users"] and given["category_factors"]


@pytest.fixture
def a_network_first(app):
    organisations.create_network("sor", "Sør-nettverket")
    db.session.commit()


def test_rows_of_the_test_s_own_first_mean_the_region_is_built_after_them(a_network_first, region):
    assert [network.slug for network in db.session.scalars(select(Network).order_by(Network.id))] == [
        "sor", "vest", "nord"]
    assert region.vest.id == 2 and region.vest in db.session


def test_a_listener_left_on_the_shared_engine_fails_the_test_and_is_not_kept(database_url):
    shared = SharedEngine(database_url)
    left = shared.engine
    event.listen(left, "before_cursor_execute", lambda *_arguments: None)
    with pytest.raises(AssertionError, match="before_cursor_execute"):
        shared.after_test()
    assert shared.engine is not left
    shared.after_test()  # the new engine is clean
    shared.close()
    left.dispose()


def test_each_test_starts_on_new_connections(shared_engine):
    """What a test sets on a connection (a PRAGMA, a SET) goes with it: the pool is emptied after each test."""
    with shared_engine.engine.connect() as connection:
        first = connection.connection.dbapi_connection
    with shared_engine.engine.connect() as connection:
        assert connection.connection.dbapi_connection is first  # pooled within the test
        connection.execute(text("SELECT 1"))
    shared_engine.after_test()
    with shared_engine.engine.connect() as connection:
        assert connection.connection.dbapi_connection is not first
