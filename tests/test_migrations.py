"""Alembic is the only way the schema changes: upgrade from empty, match the models, downgrade to empty."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

import marketplace.models  # noqa: F401
from marketplace.db import Base, downgrade, head_revision, include_in_autogenerate, make_engine, upgrade
from marketplace.reservations.models import OPEN_FIRST, Reservation

# A municipality as the early migrations know it (later ones add nothing it must have).
INSERT_MUNICIPALITY = text(
    "INSERT INTO organisations (id, kind, slug, name, created_at, network_share_days, hold_days, pickup_grace_days, "
    "waitlist_offer_hours, displacement_unknown) "
    "VALUES (:id, 'municipality', :slug, :slug, '2026-01-01 00:00:00', 3, 5, 2, 48, 0.7)")
# A category and its items as the text index's migrations (0014, 0035) know them; PostgreSQL only (now()).
INSERT_TABLE_CATEGORY = text(
    "INSERT INTO categories (id, slug, \"group\", name_nb, name_en, unit, holds_data, position) "
    "VALUES (1, 'table', 'furniture', 'Bord', 'Table', 'piece', false, 1)")
INSERT_TABLE = text(
    "INSERT INTO items (id, municipality_id, category_id, status, title, description, condition, quantity, "
    "quantity_available, dimensions, brand, model, colour, building, room, pickup_instructions, would_be_discarded, "
    "figures_source, asset_tag, serial_number, created_at, updated_at, published_at) VALUES (:id, :municipality, 1, "
    ":status, 'Bord', '', 'good', 1, 1, '', '', '', '', '', '', '', false, 'category', '', '', now(), now(), "
    ":published_at)")


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of the engine under test that nothing else uses."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _old = database_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# SQLite cannot reflect an index on an expression; the comparison leaves it out (db.EXPRESSION_INDEXES) and
# test_the_reservations_page_walks_its_index checks it instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index:"
                            "sqlalchemy.exc.SAWarning")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index:UserWarning")
def test_upgrade_matches_models_and_downgrade_empties(empty_database_url):
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_in_autogenerate})
            assert context.get_current_revision() == head_revision()
            differences = compare_metadata(context, Base.metadata)
            assert differences == [], f"models and migrations disagree: {differences}"
            assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
        upgrade(empty_database_url)  # a second upgrade is harmless
        downgrade(empty_database_url, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_the_reservations_page_walks_its_index(empty_database_url):
    """The page's ORDER BY is the expression migration 0033 indexed, so a page reads the index in order and
    stops after its rows: the plan has no sort (PostgreSQL is told to avoid one wherever it can, as it would
    on a large table; SQLite would say it builds a temporary B-tree for the ORDER BY)."""
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    page = (select(Reservation.id).where(Reservation.municipality_id == 1)
            .order_by(OPEN_FIRST, Reservation.created_at.desc(), Reservation.id.desc()).limit(25).offset(50))
    try:
        plan = _plan(engine, page)
    finally:
        engine.dispose()
    assert "ix_reservations_open_first" in plan and "sort" not in plan.lower() and "B-TREE" not in plan, plan


def _plan(engine, query) -> str:
    """The plan of ``query``, PostgreSQL told to avoid a sort wherever it can (as it would on a large table)."""
    statement = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_sort = off"))
            return "\n".join(connection.execute(text(f"EXPLAIN {statement}")).scalars())
        return "\n".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {statement}")))


@pytest.mark.parametrize("column, index", [("municipality_id", "ix_reservations_municipality_newest"),
                                           ("requester_id", "ix_reservations_requester_newest")])
def test_the_api_s_newest_first_reservations_walk_an_index(empty_database_url, column, index):
    """The API lists a municipality's and a person's reservations newest first (migration 0034): a page reads the
    index backwards and stops after its rows, with no sort."""
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    page = (select(Reservation.id).where(getattr(Reservation, column) == 1)
            .order_by(Reservation.created_at.desc(), Reservation.id.desc()).limit(25).offset(50))
    try:
        plan = _plan(engine, page)
    finally:
        engine.dispose()
    assert index in plan and "sort" not in plan.lower() and "B-TREE" not in plan, plan


def test_upgrading_keeps_existing_rows(empty_database_url):
    """Batch migrations on SQLite copy tables: nothing that points at them may be lost on the way."""
    upgrade(empty_database_url, "0004")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_MUNICIPALITY, {"id": 1, "slug": "k"})
            connection.execute(text(
                "INSERT INTO users (id, email, name, locale, active, created_at) "
                "VALUES (1, 'a@k.example', 'A', 'nb', true, '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO memberships (user_id, role, organisation_id, created_at) "
                "VALUES (1, 'member', 1, '2026-01-01 00:00:00')"))
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM memberships")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
    finally:
        engine.dispose()


def test_the_text_index_learns_each_items_municipality(empty_database_url):
    """PostgreSQL's text index holds the item's municipality from 0014 on: an index that exists is filled."""
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL's text index has the column")
    upgrade(empty_database_url, "0013")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_MUNICIPALITY, [{"id": 1, "slug": "k"}, {"id": 2, "slug": "l"}])
            connection.execute(INSERT_TABLE_CATEGORY)
            for item_id, municipality_id in ((10, 1), (11, 2)):
                connection.execute(INSERT_TABLE, {"id": item_id, "municipality": municipality_id, "status": "draft",
                                                  "published_at": None})
                connection.execute(text("INSERT INTO item_search (item_id, document) "
                                        "VALUES (:id, to_tsvector('simple', 'bord'))"), {"id": item_id})
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert dict(connection.execute(text("SELECT item_id, municipality_id FROM item_search")).all()) == {
                10: 1, 11: 2}
    finally:
        engine.dispose()


def test_hand_over_costs_arrive_with_a_closed_band_and_the_ledger_stays_append_only(empty_database_url):
    """0015 adds columns to a ledger with events in it: each keeps its figures, its band is its net figure (no
    band was recorded), the tallies likewise, and the ledger still refuses UPDATE and DELETE."""
    upgrade(empty_database_url, "0014")
    engine = make_engine(empty_database_url)
    now = "'2026-03-02 10:00:00'"
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_MUNICIPALITY, {"id": 1, "slug": "k"})
            connection.execute(text(
                "INSERT INTO categories (id, slug, \"group\", name_nb, name_en, unit, holds_data, position) "
                "VALUES (1, 'desk', 'furniture', 'Skrivebord', 'Desk', 'piece', false, 0)"))
            connection.execute(text(
                "INSERT INTO items (id, municipality_id, category_id, status, title, description, condition, quantity, "
                "quantity_available, dimensions, brand, model, colour, building, room, pickup_instructions, "
                "would_be_discarded, figures_source, asset_tag, serial_number, created_at, updated_at) VALUES "
                f"(1, 1, 1, 'completed', 'Pult', '', 'good', 2, 0, '', '', '', '', '', '', '', false, '', '', '', {now}, "
                f"{now})"))
            connection.execute(text(
                "INSERT INTO reuse_events (id, occurred_at, occurred_on, recorded_at, item_id, category_id, quantity, "
                "giver_municipality_id, receiver_organisation_id, would_buy_new, displacement, would_be_discarded, "
                "kgco2e_new, factor_set_version, factor_sources, co2e_gross_kg, co2e_net_kg, waste_kg, money_nok, "
                f"note) VALUES (1, {now}, '2026-03-02', {now}, 1, 1, 2, 1, 1, 'unknown', 0.7, false, 90, '2026.1', "
                "'FIRA', 180, 126, 0, 5600, '')"))
            connection.execute(text(
                "INSERT INTO report_tallies (month, breakdown, event_rows, events_received, events_given, "
                "quantity_received, quantity_given, co2e_net_kg, co2e_gross_kg, waste_kg, money_nok) "
                "VALUES ('2026-03-01', 'pair', 0, 1, 1, 2, 2, 126, 180, 0, 5600)"))
        upgrade(empty_database_url)
        with engine.connect() as connection:
            event = connection.execute(text(
                "SELECT co2e_net_kg, co2e_low_kg, co2e_high_kg, lifetime_factor, kgco2e_low, price_paid_nok "
                "FROM reuse_events")).one()
            assert [float(value) if value is not None else None for value in event] == [126, 126, 126, 1, None,
                                                                                       None]
            tally = connection.execute(text(
                "SELECT co2e_low_kg, co2e_high_kg, price_paid_nok, refurbishment_nok FROM report_tallies")).one()
            assert [float(value) for value in tally] == [126, 126, 0, 0]
            for statement in ("UPDATE reuse_events SET co2e_low_kg = 0", "DELETE FROM reuse_events"):
                with pytest.raises(DBAPIError):
                    with connection.begin_nested():
                        connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("unit, before, refusal, instead", [("m2", "0015", "m²", "kg"), ("set", "0020", "sets", "piece")],
                         ids=["square metres arrive with 0018", "sets arrive with 0021"])
def test_a_measure_unit_arrives_with_its_revision_and_holds_the_way_back(empty_database_url, unit, before, refusal,
                                                                         instead):
    """The revision after ``before`` lets a category be counted in ``unit`` (both engines' CHECK constraint);
    downgrading refuses while one is, and the constraint is back once it has gone."""
    upgrade(empty_database_url, before)
    engine = make_engine(empty_database_url)
    insert = text("INSERT INTO categories (id, slug, \"group\", name_nb, name_en, unit, holds_data, position) "
                  f"VALUES (1, 'new_unit', 'material', 'Ny enhet', 'New unit', '{unit}', false, 0)")
    try:
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(insert)
        upgrade(empty_database_url)
        with engine.begin() as connection:
            connection.execute(insert)
            with pytest.raises(DBAPIError), connection.begin_nested():
                connection.execute(text("UPDATE categories SET unit = 'm4' WHERE id = 1"))
        with pytest.raises(RuntimeError, match=refusal):
            downgrade(empty_database_url, before)
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE categories SET unit = '{instead}' WHERE id = 1"))
        downgrade(empty_database_url, before)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT unit FROM categories")).scalar() == instead
            with pytest.raises(DBAPIError), connection.begin_nested():
                connection.execute(text(f"UPDATE categories SET unit = '{unit}' WHERE id = 1"))
    finally:
        engine.dispose()


def test_the_text_index_is_stripped_of_positions_and_still_follows_its_items(empty_database_url):
    """0035 rebuilds PostgreSQL's text index with its documents stripped: every row kept with its municipality
    and publication, the keys and indexes back, and the trigger of 0032 still keeps it in step."""
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL's text index is a tsvector")
    upgrade(empty_database_url, "0034")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_MUNICIPALITY, [{"id": 1, "slug": "k"}, {"id": 2, "slug": "l"}])
            connection.execute(INSERT_TABLE_CATEGORY)
            for item_id, status in ((10, "published"), (11, "draft")):
                connection.execute(INSERT_TABLE, {"id": item_id, "municipality": 1, "status": status,
                                                  "published_at": "2026-01-02 10:00:00+00"})
                connection.execute(text(
                    "INSERT INTO item_search (item_id, municipality_id, published_at, document) SELECT id, "
                    "municipality_id, CASE WHEN status = 'published' THEN published_at END, "
                    "to_tsvector('simple', 'skrivebord krivebord bord hev senk') FROM items WHERE id = :id"),
                    {"id": item_id})
        upgrade(empty_database_url)
        with engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT item_id, document::text, municipality_id, published_at IS NOT NULL FROM item_search "
                "ORDER BY item_id")).all()
            assert [tuple(row) for row in rows] == [
                (10, "'bord' 'hev' 'krivebord' 'senk' 'skrivebord'", 1, True),
                (11, "'bord' 'hev' 'krivebord' 'senk' 'skrivebord'", 1, False)]
            connection.execute(text("UPDATE items SET municipality_id = 2, status = 'published' WHERE id = 11"))
            assert connection.execute(text(
                "SELECT municipality_id, published_at IS NOT NULL FROM item_search WHERE item_id = 11")).one() == (
                2, True)
            matching = text("SELECT count(*) FROM item_search WHERE document @@ to_tsquery('simple', 'bord:* & hev:*')")
            assert connection.execute(matching).scalar() == 2
            indexes = {row[0] for row in connection.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'item_search'"))}
            assert indexes == {"item_search_pkey", "ix_item_search_document", "ix_item_search_municipality",
                               "ix_item_search_published"}
    finally:
        engine.dispose()
