"""Report: the yearly network climate report against the bare aggregate SQL of the same totals.

Generates a region of ``--municipalities`` (50) municipalities in one network, with their units, people and a
modest number of items (``marketplace.devdata.benchdata``), then ``--events`` (1,000,000) reuse events spread
over two calendar years, written straight into ``reuse_events`` (PostgreSQL: ``COPY``; SQLite: ``executemany``
in one transaction), as ``impact.ledger.record`` would have computed them from the default factors. As pg_restore does, the
load drops the table's secondary indexes (and, on PostgreSQL, its foreign keys) and makes them again afterwards
from their own definitions in the catalogue, so the schema ends as the migrations made it. Events loaded in
bulk bypass the marketplace, so the report tallies are then summed from the ledger (``marketplace
report-tallies``; timed as tallies_seconds). Then, after ANALYZE and a warm-up, it measures in rounds, each in
a shuffled order:

    report      report.build(network scope, 1 January - 31 December of --year): the whole report, which reads
                the year's whole months from the tallies (decision 21)
    report_sql  the SQL statements build() issued, replayed on a raw DBAPI connection (no ORM, no Python)
    from_events the same report summed from the events alone, as build() does for a partial month (and as it
                did for every report before the tallies)
    bare        a hand-written aggregate of the same four totals (CO2e net and gross, waste, money) with the
                same credit rule, executed on the raw DBAPI connection
    bare_float  (SQLite only) the bare query with plain SUM over the stored floats: inexact, shows what the
                exact sums cost
    bare_report every number the report shows, by hand: five aggregates grouped by ids on the raw connection
                (what the service's SQL could cost; see bare_report_sql)

and prints one JSON line per measure on stdout (progress, query plans on stderr), with the ratios
report/bare and from_events/bare. Goal (the issue): the report within 1.5x of the bare SQL, and under one second
on PostgreSQL. When a ratio misses the goal (or with ``--explain``) the query plans are printed to stderr.

    .venv/bin/python benchmarks/report.py                         # a fresh SQLite database in a temp dir
    .venv/bin/python benchmarks/report.py --events 100000         # a smaller run
    .venv/bin/python benchmarks/report.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL, a dedicated database ``marketplace_bench_report`` is created on that server (through
its ``postgres`` database) and dropped afterwards. ``--keep-database`` keeps it (or the SQLite file) for a
later run with ``--database-url ... --reuse-database``, which measures the events already there instead of
generating new ones. ``--try-ddl "CREATE INDEX ..."`` (repeatable) runs a statement on the benchmark database
before measuring, to try a proposed index or statistics object; the output says so (``try_ddl``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCHMARK = "report"
PG_BENCH_DATABASE = "marketplace_bench_report"
GOAL_RATIO = 1.5
GOAL_POSTGRES_MS = 1000.0
OSLO = ZoneInfo("Europe/Oslo")
# The statements of build(), in the order it issues them (the names are only labels for the output).
STATEMENT_NAMES = ("tallies_categories_months_factors", "tallies_units", "tallies_matrix", "category_names",
                   "unit_names", "organisation_names")
REVERSAL_SHARE = 0.002  # share of events that correct (reverse) an earlier one
REVERSAL_NOTES = ("Feil mottaker registrert", "Registrert to ganger", "Feil antall")



# --- databases --------------------------------------------------------------------------------------------------


def make_app(database_url: str, temporary: Path):
    """The app with a production configuration; nothing from the calling shell leaks into the measurement."""
    for key in [key for key in os.environ if key.startswith("MARKETPLACE_") or key == "DATABASE_URL"]:
        del os.environ[key]
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(temporary / "instance")
    from marketplace import create_app

    return create_app({
        "ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "UPLOAD_DIR": str(temporary / "uploads"),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX": str(temporary / "outbox"),
    })


# --- the region and its reuse events ----------------------------------------------------------------------------


class Region:
    """What the event generator needs to know of the region, read back from the database."""

    def __init__(self, app, network_slug: str | None) -> None:
        from sqlalchemy import func, select

        from marketplace.db import db
        from marketplace.impact.models import CategoryFactor, FactorSet, ReuseEvent
        from marketplace.impact.services import DEFAULT_FACTOR_SET
        from marketplace.listings.models import Category, Item
        from marketplace.organisations.models import Network, Organisation, OrganisationKind, Unit, network_members

        with app.app_context():
            session = db.session
            if network_slug:
                network = session.scalar(select(Network).where(Network.slug == network_slug))
                if network is None:
                    raise BenchmarkError(f"no network {network_slug!r} in the database")
            else:  # the network with the most members
                network_id = session.scalar(
                    select(network_members.c.network_id).group_by(network_members.c.network_id)
                    .order_by(func.count().desc(), network_members.c.network_id).limit(1))
                if network_id is None:
                    raise BenchmarkError("the database has no network")
                network = session.get(Network, network_id)
            self.network_id, self.network_slug = network.id, network.slug
            members = session.execute(
                select(Organisation.id, Organisation.kind, Organisation.displacement_unknown)
                .join(network_members, network_members.c.organisation_id == Organisation.id)
                .where(network_members.c.network_id == network.id).order_by(Organisation.id)).all()
            self.municipalities = [row.id for row in members if row.kind == OrganisationKind.MUNICIPALITY]
            self.partners = [row.id for row in members if row.kind == OrganisationKind.PARTNER]
            self.displacement_unknown = {row.id: row.displacement_unknown for row in members}
            self.units: dict[int, list[int]] = {municipality: [] for municipality in self.municipalities}
            for unit_id, municipality_id in session.execute(
                    select(Unit.id, Unit.municipality_id).where(Unit.municipality_id.in_(self.municipalities))
                    .order_by(Unit.id)):
                self.units[municipality_id].append(unit_id)
            self.items = session.execute(
                select(Item.id, Item.municipality_id, Item.unit_id, Item.category_id, Item.would_be_discarded)
                .where(Item.municipality_id.in_(self.municipalities)).order_by(Item.id)).all()
            if not self.municipalities or not self.items:
                raise BenchmarkError(f"network {network.slug!r} has no municipalities with items")
            factor_set = session.scalar(select(FactorSet).where(FactorSet.version == DEFAULT_FACTOR_SET["version"]))
            self.factor_set_version = factor_set.version
            self.factors = {factor.category_id: factor for factor in session.scalars(
                select(CategoryFactor).where(CategoryFactor.factor_set_id == factor_set.id))}
            self.category_units = dict(session.execute(select(Category.id, Category.unit)).all())
            self.category_slugs = dict(session.execute(select(Category.id, Category.slug)).all())
            self.first_event_id = (session.scalar(select(func.max(ReuseEvent.id))) or 0) + 1


_BIG_LOTS = {"stackable_chair", "pupil_chair", "pupil_desk", "office_chair", "keyboard", "mouse", "table"}


def _quantity_options(unit: str, slug: str) -> tuple[list[Decimal], list[float]]:
    """The quantities a hand-over of this category can have, with cumulative weights."""
    if unit == "piece":
        values = list(range(1, 201))
        big = slug in _BIG_LOTS
        weights = [40.0 if q == 1 else 45.0 / 9 if q <= 10 else (14.0 if big else 15.0) / 30 if q <= 40
                   else (1.0 / 160 if big else 0.0) for q in values]
        options = [Decimal(q) for q in values]
    elif unit == "tonne":
        options = [(Decimal(k) / 10).quantize(Decimal("0.001")) for k in range(5, 201)]
        weights = [1.0] * len(options)
    elif unit == "m3":
        options = [(Decimal(k) / 10).quantize(Decimal("0.001")) for k in range(1, 301)]
        weights = [1.0] * len(options)
    else:  # kg
        options = [Decimal(k).quantize(Decimal("0.001")) for k in range(5, 501)]
        weights = [1.0] * len(options)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return options, cumulative


NULL = "\\N"  # NULL in PostgreSQL's COPY text format


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# Column order of the generated rows: per-event values, then the item's, then the category's, so that the
# constant parts can be prepared once per item and per category and joined to each row.
EVENT_COLUMNS = ("id", "occurred_at", "occurred_on", "recorded_at", "reverses_event_id", "quantity",
                 "receiver_organisation_id", "receiver_unit_id", "would_buy_new", "displacement",
                 "co2e_gross_kg", "co2e_net_kg", "waste_kg", "money_nok", "note", "reservation_id")
ITEM_COLUMNS = ("item_id", "giver_municipality_id", "giver_unit_id", "would_be_discarded")
CATEGORY_COLUMNS = ("category_id", "kgco2e_new", "mass_kg", "price_new_nok", "factor_set_version", "factor_sources",
                    "overridden_by")
COLUMNS = EVENT_COLUMNS + ITEM_COLUMNS + CATEGORY_COLUMNS


def _days(year: int) -> tuple[list[tuple[str, int]], list[float]]:
    """Every day of the two years ending with ``year``: (ISO date, UTC offset in seconds at noon in Oslo), and
    cumulative weights: weekdays (rarely weekends), with the use of the platform growing over the period."""
    first, last = date(year - 1, 1, 1), date(year, 12, 31)
    days, cumulative, total = [], [], 0.0
    count = (last - first).days + 1
    for number in range(count):
        day = first + timedelta(days=number)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=OSLO)
        days.append((day.isoformat(), int(noon.utcoffset().total_seconds())))
        total += (1.0 if day.weekday() < 5 else 0.05) * (0.6 + 0.8 * number / count)
        cumulative.append(total)
    return days, cumulative


class EventGenerator:
    """Reuse events as ``impact.ledger.record`` computes them, in time order, in the storage format of the engine."""

    def __init__(self, region: Region, year: int, seed: int, postgres: bool) -> None:
        self.region, self.year, self.postgres = region, year, postgres
        self.rng = random.Random(seed)
        self.days, self.day_weights = _days(year)
        self.year_prefix = f"{year}-"
        self.next_id = region.first_event_id
        # Expected totals of the report year (every event of the region is in the network), in grams and øre.
        self.expected = {"co2e_net_kg": 0, "co2e_gross_kg": 0, "waste_kg": 0, "money_nok": 0, "events": 0}
        self._results: dict = {}
        self._recent: list[tuple] = []
        self._category_part, self._quantities, self._factors = {}, {}, {}
        for category_id, factor in region.factors.items():
            values = (category_id, factor.kgco2e_new, factor.mass_kg, factor.price_new_nok,
                      region.factor_set_version, factor.sources, None)
            self._category_part[category_id] = self._encode(values)
            self._quantities[category_id] = _quantity_options(
                str(region.category_units[category_id]), region.category_slugs[category_id])
            self._factors[category_id] = (factor.kgco2e_new, factor.mass_kg, factor.price_new_nok)
        self._items = []
        for item_id, municipality_id, unit_id, category_id, discarded in region.items:
            if category_id not in self._factors:
                continue
            part = self._encode((item_id, municipality_id, unit_id, bool(discarded)))
            part = (part + "\t" + self._category_part[category_id] if postgres
                    else part + self._category_part[category_id])
            self._items.append((part, municipality_id, category_id, bool(discarded)))
        # Receivers: (organisation, its units (empty for partners), D when the answer is "don't know").
        self._receivers = {municipality: (municipality, region.units[municipality] or [None],
                                          region.displacement_unknown[municipality])
                           for municipality in region.municipalities}
        self._partners = [(partner, [None]) for partner in region.partners]

    def _encode(self, values: tuple):
        if self.postgres:
            return "\t".join(_copy_text(value) for value in values)
        return tuple(float(value) if isinstance(value, Decimal) else int(value) if isinstance(value, bool)
                     else value for value in values)

    def _measures(self, category_id: int, quantity_index: int, d: Decimal, discarded: bool):
        """(quantity, gross, net, waste, money) as stored, and in grams/øre, memoised: the same arithmetic as
        ledger.record (Decimal, quantised to the gram and the øre)."""
        key = (category_id, quantity_index, d, discarded)
        found = self._results.get(key)
        if found is None:
            quantity = self._quantities[category_id][0][quantity_index]
            e_new, mass, price = self._factors[category_id]
            gross = (quantity * e_new).quantize(Decimal("0.001")) if e_new is not None else Decimal(0)
            net = (gross * d).quantize(Decimal("0.001"))
            waste = (quantity * mass).quantize(Decimal("0.001")) if discarded and mass is not None else Decimal(0)
            money = (quantity * price * d).quantize(Decimal("0.01")) if price is not None else Decimal(0)
            values = (quantity, d, gross, net, waste, money)
            negated = tuple(-value if index != 1 else value for index, value in enumerate(values))
            units = (int(net * 1000), int(gross * 1000), int(waste * 1000), int(money * 100))
            found = (self._store(values), self._store(negated), units)
            self._results[key] = found
        return found

    def _store(self, values):
        if self.postgres:
            return tuple(str(value) for value in values)
        return tuple(float(value) for value in values)

    def batches(self, total: int, batch_size: int):
        """Yield lists of rows (COPY text lines on PostgreSQL, tuples on SQLite) until ``total`` rows."""
        rng, postgres, expected = self.rng, self.postgres, self.expected
        day_indices = sorted(rng.choices(range(len(self.days)), cum_weights=self.day_weights, k=total))
        items, receivers, partners = self._items, self._receivers, self._partners
        municipalities = self.region.municipalities
        one, zero = Decimal(1), Decimal(0)
        batch = []
        for day_index in day_indices:
            day, offset = self.days[day_index]
            seconds = rng.randrange(7 * 3600, 16 * 3600) - offset  # 07:00-16:00 in Oslo, as UTC
            clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            event_id = self.next_id
            self.next_id += 1
            in_year = day.startswith(self.year_prefix)
            if self._recent and rng.random() < REVERSAL_SHARE:  # a correction of a recent hand-over
                original_id, item_part, receiver, receiver_unit, answer, negated, units = self._recent.pop(
                    rng.randrange(len(self._recent)))
                stored, reverses, note, sign = negated, original_id, rng.choice(REVERSAL_NOTES), -1
            else:
                item_part, giver, category_id, discarded = items[rng.randrange(len(items))]
                roll = rng.random()
                if roll < 0.3:  # inside the municipality, between its units
                    receiver, receiver_units, unknown_d = receivers[giver]
                elif roll < 0.96 or not partners:
                    receiver, receiver_units, unknown_d = receivers[municipalities[rng.randrange(len(municipalities))]]
                else:  # a partner organisation: "don't know" counts with the giver's D
                    receiver, receiver_units = partners[rng.randrange(len(partners))]
                    unknown_d = receivers[giver][2]
                receiver_unit = receiver_units[rng.randrange(len(receiver_units))]
                roll = rng.random()
                answer, d = ("yes", one) if roll < 0.45 else ("no", zero) if roll < 0.65 else ("unknown", unknown_d)
                options, cumulative = self._quantities[category_id]
                quantity_index = rng.choices(range(len(options)), cum_weights=cumulative)[0]
                stored, negated, units = self._measures(category_id, quantity_index, d, discarded)
                reverses, note, sign = None, "", 1
                self._recent.append((event_id, item_part, receiver, receiver_unit, answer, negated, units))
                if len(self._recent) > 2000:
                    del self._recent[:1000]
            if in_year:
                expected["co2e_net_kg"] += sign * units[0]
                expected["co2e_gross_kg"] += sign * units[1]
                expected["waste_kg"] += sign * units[2]
                expected["money_nok"] += sign * units[3]
                expected["events"] += sign
            quantity, d_stored, gross, net, waste, money = stored
            if postgres:
                moment = f"{day} {clock}+00"
                batch.append(f"{event_id}\t{moment}\t{day}\t{moment}\t{reverses or NULL}\t{quantity}\t"
                             f"{receiver}\t{receiver_unit or NULL}\t{answer}\t{d_stored}\t{gross}\t{net}\t"
                             f"{waste}\t{money}\t{note}\t{NULL}\t{item_part}\n")
            else:
                moment = f"{day} {clock}.000000"
                batch.append((event_id, moment, day, moment, reverses, quantity, receiver, receiver_unit, answer,
                              d_stored, gross, net, waste, money, note, None) + item_part)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def generate(app, args, postgres: bool) -> dict:
    """Migrate, generate the region (marketplace.devdata.benchdata) and the events, ANALYZE; the timings."""
    from sqlalchemy import func, select

    from marketplace.db import db, upgrade
    from marketplace.devdata import benchdata
    from marketplace.impact.models import ReportTally, ReuseEvent
    from marketplace.impact.services import install_default_factors

    started = time.perf_counter()
    with app.app_context():
        log("Migrating the database (marketplace init) …")
        upgrade(app.config["DATABASE_URL"])
        install_default_factors(progress=log)
        db.session.commit()
        existing = db.session.scalar(select(func.count()).select_from(ReuseEvent))
        if existing:
            log(f"The database already has {existing} reuse events: measuring them as they are.")
            if not db.session.scalar(select(func.count()).select_from(ReportTally)):
                _sum_tallies(app)
            return {"generated": False, "events": existing}
        log(f"Generating the region: {args.municipalities} municipalities in one network, {args.items} items …")
        benchdata.generate(args.items, args.municipalities, network_size=args.municipalities, seed=args.seed,
                           progress=lambda message: None if message.startswith("Items:") else log(message))
        db.session.commit()
        engine = db.engine
    region_seconds = time.perf_counter() - started

    region = Region(app, args.network)
    generator = EventGenerator(region, args.year, args.seed, postgres)
    log(f"Generating {args.events} reuse events over {args.year - 1}-{args.year} in network {region.network_slug} "
        f"({len(region.municipalities)} municipalities, {len(region.partners)} partners, {len(region.items)} items)")
    events_started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        load = _load_postgres if postgres else _load_sqlite
        written = load(raw.driver_connection, generator, args.events, events_started)
    finally:
        raw.close()
    events_seconds = time.perf_counter() - events_started
    log(f"Wrote {written} events in {events_seconds:.1f} s ({written / events_seconds:,.0f} per second)")

    analyze_started = time.perf_counter()
    log("Updating the planner statistics (PostgreSQL: VACUUM ANALYZE; SQLite: ANALYZE) …")
    with app.app_context():
        benchdata.analyze()
    analyze_seconds = time.perf_counter() - analyze_started
    tallies_seconds = _sum_tallies(app)
    total = time.perf_counter() - started
    log(f"Generated in {total:.1f} s (region {region_seconds:.1f} s, events {events_seconds:.1f} s, "
        f"statistics {analyze_seconds:.1f} s, tallies {tallies_seconds:.1f} s)")
    return {"generated": True, "events": written, "seconds": total, "region_seconds": region_seconds,
            "events_seconds": events_seconds, "analyze_seconds": analyze_seconds, "tallies_seconds": tallies_seconds,
            "expected": generator.expected, "network": region.network_slug}


def _sum_tallies(app) -> float:
    """What ``marketplace report-tallies`` does after a bulk load: the tallies summed from the ledger."""
    from marketplace.db import db
    from marketplace.devdata import benchdata
    from marketplace.impact import tallies

    started = time.perf_counter()
    log("Summing the report tallies from the ledger (marketplace report-tallies) …")
    with app.app_context():
        rows = tallies.rebuild_all(progress=log)
        db.session.commit()
        benchdata.analyze()
    seconds = time.perf_counter() - started
    log(f"Wrote {rows} tally rows in {seconds:.1f} s")
    return seconds


def _load_postgres(dbapi, generator: EventGenerator, total: int, started: float) -> int:
    """COPY the events in, in one transaction. As pg_restore does, the secondary indexes and the foreign keys
    are dropped first and made again afterwards from their own definitions (read from the catalogue), which
    builds each index in one sort and checks each foreign key in one join instead of row by row."""
    written = 0
    with dbapi.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'reuse_events'::regclass AND contype = 'f' ORDER BY conname")
        foreign_keys = cursor.fetchall()
        cursor.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                       "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'reuse_events'::regclass "
                       "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                       "ORDER BY c.relname")
        indexes = cursor.fetchall()
        for name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE reuse_events DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(f"COPY reuse_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for batch in generator.batches(total, 20_000):
                copy.write("".join(batch))
                written += len(batch)
                _progress(written, len(batch), total, started)
        log(f"  rebuilding {len(indexes)} indexes and checking {len(foreign_keys)} foreign keys "
            f"({time.perf_counter() - started:.1f} s)")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE reuse_events ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SELECT setval(pg_get_serial_sequence('reuse_events', 'id'), (SELECT max(id) FROM reuse_events))")
    dbapi.commit()
    return written


def _load_sqlite(dbapi, generator: EventGenerator, total: int, started: float) -> int:
    """INSERT the events with executemany, in one transaction (foreign keys checked as usual). The secondary
    indexes are dropped first and made again afterwards from their own CREATE INDEX statements, which builds
    each in one sort instead of row by row."""
    statement = f"INSERT INTO reuse_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    written = 0
    cursor = dbapi.cursor()
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB while loading and indexing
    cursor.execute("BEGIN")
    try:
        indexes = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                 "AND tbl_name = 'reuse_events' AND sql IS NOT NULL ORDER BY name").fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for batch in generator.batches(total, 50_000):
            cursor.executemany(statement, batch)
            written += len(batch)
            _progress(written, len(batch), total, started)
        log(f"  rebuilding {len(indexes)} indexes ({time.perf_counter() - started:.1f} s)")
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    finally:
        cursor.execute("PRAGMA cache_size=-2000")
        cursor.close()
    return written


def _progress(done: int, batch: int, total: int, started: float) -> None:
    """Log every 100,000 events (and the last)."""
    if done == total or done // 100_000 != (done - batch) // 100_000:
        log(f"  events: {done}/{total} ({time.perf_counter() - started:.1f} s)")


def try_ddl(app, statements: list[str], postgres: bool) -> None:
    """Run the statements of --try-ddl (CREATE INDEX, CREATE STATISTICS …) on the benchmark database: an
    experiment with a proposed schema change, not the schema of the migrations."""
    from marketplace.db import db

    if not statements:
        return
    with app.app_context():
        engine = db.engine
    for statement in statements:
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
        log(f"Tried (an experiment, not in the migrations): {statement} — {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE reuse_events" if postgres else "ANALYZE")


# --- measuring --------------------------------------------------------------------------------------------------


class Capture:
    """Collects the SQL statements (and DBAPI parameters) an engine issues while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _listener(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.statements.append((statement, parameters))

    def __enter__(self) -> Capture:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._listener)
        return self

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._listener)


def bare_sql(postgres: bool, exact: bool) -> str:
    """The four totals of a network over a period, by hand: an event counts once if its giver or its receiver
    is a member (the network credit rule). Exact on SQLite by summing whole grams and øre, as the service does."""
    def total(column: str, scale: int) -> str:
        if postgres or not exact:
            return f"COALESCE(SUM({column}), 0)"
        return f"COALESCE(SUM(CAST(ROUND({column} * {10 ** scale}) AS INTEGER)), 0)"

    mark = "%s" if postgres else "?"
    members = f"SELECT organisation_id FROM network_members WHERE network_id = {mark}"
    return (f"SELECT {total('co2e_net_kg', 3)}, {total('co2e_gross_kg', 3)}, {total('waste_kg', 3)}, "
            f"{total('money_nok', 2)} FROM reuse_events "
            f"WHERE occurred_on >= {mark} AND occurred_on <= {mark} "
            f"AND (giver_municipality_id IN ({members}) OR receiver_organisation_id IN ({members}))")


def bare_report_sql(postgres: bool) -> list[tuple[str, str]]:
    """Every number of the report by hand: five aggregates grouped by ids (labels are a lookup in the few
    categories, units and organisations), with the network rule in the WHERE and plain sums. Totals, groups,
    categories and the factors used come from the first; months or quarters from the days of the second."""
    def total(column: str, scale: int) -> str:
        return f"SUM({column})" if postgres else f"SUM(CAST(ROUND({column} * {10 ** scale}) AS INTEGER))"

    mark = "%s" if postgres else "?"
    members = f"SELECT organisation_id FROM network_members WHERE network_id = {mark}"
    where = (f"WHERE occurred_on >= {mark} AND occurred_on <= {mark} "
             f"AND (giver_municipality_id IN ({members}) OR receiver_organisation_id IN ({members}))")
    measures = (f"{total('co2e_net_kg', 3)}, {total('co2e_gross_kg', 3)}, {total('waste_kg', 3)}, "
                f"{total('money_nok', 2)}, {total('quantity', 3)}, SUM(CASE WHEN quantity > 0 THEN 1 ELSE -1 END)")
    factors = "category_id, factor_set_version, kgco2e_new, mass_kg, price_new_nok, factor_sources, overridden_by"
    grouped = [
        ("categories_factors", factors),
        ("days", "occurred_on"),
        ("receiver_units", "receiver_unit_id"),
        ("giver_units", "giver_unit_id"),
        ("pairs", "giver_municipality_id, receiver_organisation_id"),
    ]
    return [(name, f"SELECT {keys}, COUNT(*), {measures} FROM reuse_events {where} GROUP BY {keys}")
            for name, keys in grouped]


class Bench:
    def __init__(self, app, network_slug: str, year: int) -> None:
        from marketplace.db import db
        from marketplace.impact import report

        self.app, self.report = app, report
        self.start, self.end = date(year, 1, 1), date(year, 12, 31)
        with app.app_context():
            self.engine = db.engine
            self.scope = report.resolve_scope(None, f"network:{network_slug}")
        self.postgres = self.engine.dialect.name == "postgresql"
        self.raw = self.engine.raw_connection()  # the bare side: one DBAPI connection, held throughout
        self.dbapi = self.raw.driver_connection
        start, end = (self.start, self.end) if self.postgres else (self.start.isoformat(), self.end.isoformat())
        self.bare_parameters = (start, end, self.scope.id, self.scope.id)
        self.bare_statement = bare_sql(self.postgres, exact=True)
        self.bare_float_statement = bare_sql(self.postgres, exact=False)
        self.bare_report = [(statement, self.bare_parameters) for _name, statement in bare_report_sql(self.postgres)]
        capture = Capture(self.engine)
        self.last_report = self.build(capture)[1]
        self.report_sql = [(s, p) for s, p in capture.statements if s.lstrip().upper().startswith("SELECT")]
        if len(self.report_sql) != len(STATEMENT_NAMES):
            log(f"build() issued {len(self.report_sql)} statements (expected {len(STATEMENT_NAMES)}); "
                "statements are numbered instead of named")
            self.names = [f"statement_{number + 1}" for number in range(len(self.report_sql))]
        else:
            self.names = list(STATEMENT_NAMES)

    def close(self) -> None:
        self.raw.close()

    def build(self, capture: Capture | None = None):
        from contextlib import nullcontext

        from marketplace.db import db

        with self.app.app_context():
            db.session.execute(self._noop())  # as a request would have its session going already
            with capture or nullcontext():
                started = time.perf_counter()
                result = self.report.build(self.scope, self.start, self.end)
                elapsed = time.perf_counter() - started
        return elapsed, result

    @staticmethod
    def _noop():
        from sqlalchemy import literal, select

        return select(literal(1))

    def from_events(self) -> float:
        """The same report summed from the events alone (what build() does for the days of a partial month)."""
        from unittest import mock

        with mock.patch.object(self.report, "_subtotals", self.report.subtotals_from_events):
            elapsed, result = self.build()
        if result != self.last_report:
            raise BenchmarkError("the report from the events differs from the report from the tallies")
        return elapsed

    def replay(self, statements, per_statement: list | None = None) -> float:
        cursor = self.dbapi.cursor()
        try:
            started = time.perf_counter()
            for statement, parameters in statements:
                began = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                if per_statement is not None:
                    per_statement.append(time.perf_counter() - began)
            elapsed = time.perf_counter() - started
        finally:
            cursor.close()
            self.dbapi.rollback()
        return elapsed

    def bare(self, statement: str) -> tuple[float, tuple]:
        cursor = self.dbapi.cursor()
        try:
            started = time.perf_counter()
            cursor.execute(statement, self.bare_parameters)
            row = cursor.fetchone()
            elapsed = time.perf_counter() - started
        finally:
            cursor.close()
            self.dbapi.rollback()
        return elapsed, row

    def bare_report_totals(self) -> tuple:
        """The four totals summed from the bare report's first query (to check it against the bare totals)."""
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(*self.bare_report[0])
            rows = cursor.fetchall()
        finally:
            cursor.close()
            self.dbapi.rollback()
        first = 8  # after the seven key columns and the count
        return tuple(sum(row[first + index] for row in rows) for index in range(4))

    def bare_totals(self) -> dict:
        """The bare query's result as Decimals (to compare with the report's)."""
        _elapsed, row = self.bare(self.bare_statement)
        scales = (3, 3, 3, 2)
        names = ("co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok")
        if self.postgres:
            return {name: Decimal(value).quantize(Decimal(1).scaleb(-scale))
                    for name, value, scale in zip(names, row, scales)}
        return {name: Decimal(int(value)).scaleb(-scale) for name, value, scale in zip(names, row, scales)}

    def explain(self) -> None:
        """The query plans of build()'s statements and of the bare query, to stderr."""
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if self.postgres else "EXPLAIN QUERY PLAN "
        named = list(zip(self.names, self.report_sql))
        named.append(("bare", (self.bare_statement, self.bare_parameters)))
        cursor = self.dbapi.cursor()
        try:
            for name, (statement, parameters) in named:
                cursor.execute(prefix + statement, parameters)
                plan = cursor.fetchall()
                log(f"--- plan of {name}: {' '.join(statement.split())[:600]}")
                for row in plan:
                    log("    " + (row[0] if self.postgres else f"{row[0]}:{row[1]} {row[3]}"))
        finally:
            cursor.close()
            self.dbapi.rollback()


def percentile(sorted_values, fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered) * 1000, "p95": percentile(ordered, 0.95) * 1000,
            "min": ordered[0] * 1000, "max": ordered[-1] * 1000}


def measure(bench: Bench, rounds: int, warmup: int, rng: random.Random):
    per_statement: dict[str, list[float]] = {name: [] for name in bench.names}

    def report_sql() -> float:
        timings: list[float] = []
        elapsed = bench.replay(bench.report_sql, timings)
        for name, value in zip(bench.names, timings):
            per_statement[name].append(value)
        return elapsed

    runs = {
        "report": lambda: bench.build()[0],
        "report_sql": report_sql,
        "from_events": bench.from_events,
        "bare": lambda: bench.bare(bench.bare_statement)[0],
        "bare_report": lambda: bench.replay(bench.bare_report),
        "bare_float": lambda: bench.bare(bench.bare_float_statement)[0],
    }
    if bench.postgres:  # SUM over NUMERIC is exact already: the bare query is the plain one
        del runs["bare_float"]
    log(f"Warming up ({warmup} round{'s' * (warmup != 1)}) …")
    for _ in range(warmup):
        for run in runs.values():
            run()
    for values in per_statement.values():
        values.clear()
    samples: dict[str, list[float]] = {mode: [] for mode in runs}
    order = list(runs)
    for number in range(rounds):
        rng.shuffle(order)
        for mode in order:
            samples[mode].append(runs[mode]())
        log(f"  round {number + 1}/{rounds}: " + ", ".join(
            f"{mode} {samples[mode][-1] * 1000:.0f} ms" for mode in runs))
    return samples, per_statement


# --- main -------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite database in a temporary directory")
    parser.add_argument("--reuse-database", action="store_true",
                        help="use the PostgreSQL database of --database-url as it is (generating only if it has no "
                             f"reuse events) instead of creating and dropping {PG_BENCH_DATABASE!r}")
    parser.add_argument("--keep-database", action="store_true",
                        help="keep the generated database (PostgreSQL) or SQLite file for a later --reuse-database")
    parser.add_argument("--events", type=int, default=1_000_000, help="reuse events to generate (default 1000000)")
    parser.add_argument("--municipalities", type=int, default=50, help="municipalities in the network (default 50)")
    parser.add_argument("--items", type=int, default=5_000, help="items the events hand over (default 5000)")
    parser.add_argument("--year", type=int, default=2026,
                        help="the report's year; events span this year and the one before (default 2026)")
    parser.add_argument("--network", help="slug of the network to report on (default: the one with most members)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--repeat", type=int, default=11, help="measured rounds (default 11)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds (default 1)")
    parser.add_argument("--explain", action="store_true", help="print the query plans even when the goal is met")
    parser.add_argument("--try-ddl", action="append", default=[], metavar="SQL",
                        help="a statement such as CREATE INDEX or CREATE STATISTICS to run on the benchmark database "
                             "before measuring (repeatable): an experiment with a proposed schema change, reported "
                             "as try_ddl")
    args = parser.parse_args(argv)
    if args.events < 1 or args.municipalities < 2 or args.items < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--events, --items and --repeat must be positive, --municipalities at least 2, "
                     "--warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    temporary = Path(tempfile.mkdtemp(prefix="ombruk-bench-report-"))
    dropped_database = None
    keep_path = None
    bench = None
    lines: list[dict] = []
    try:
        if args.database_url is None:
            if args.keep_database:
                keep_path = Path(tempfile.mkdtemp(prefix="ombruk-bench-report-db-"))
                database_url = f"sqlite:///{keep_path / 'marketplace.db'}"
            else:
                database_url = f"sqlite:///{temporary / 'marketplace.db'}"
        elif args.database_url.startswith(("postgresql", "postgres:")) and not args.reuse_database:
            database_url = prepare_postgres(args.database_url, PG_BENCH_DATABASE)
            if not args.keep_database:
                dropped_database = database_url
        else:
            database_url = args.database_url
        postgres = not database_url.startswith("sqlite")
        engine_name = "postgresql" if postgres else "sqlite"

        app = make_app(database_url, temporary)
        generated = generate(app, args, postgres)
        try_ddl(app, args.try_ddl, postgres)

        bench = Bench(app, generated.get("network") or Region(app, args.network).network_slug, args.year)
        with app.app_context():
            from sqlalchemy import func, select

            from marketplace.db import db
            from marketplace.impact.models import ReuseEvent

            from marketplace.organisations.models import Municipality, network_members

            events_total = db.session.scalar(select(func.count()).select_from(ReuseEvent))
            municipalities = db.session.scalar(
                select(func.count()).select_from(Municipality)
                .join(network_members, network_members.c.organisation_id == Municipality.id)
                .where(network_members.c.network_id == bench.scope.id))
            server_version = db.session.scalar(select(func.version())) if postgres else \
                db.session.scalar(select(func.sqlite_version()))

        # The benchmark's own check: the report, the bare query and the generator agree on the totals.
        totals = bench.last_report.totals
        bare = bench.bare_totals()
        _elapsed, bare_row = bench.bare(bench.bare_statement)
        if tuple(bench.bare_report_totals()) != tuple(bare_row):
            raise BenchmarkError(f"the bare report's categories add up to {bench.bare_report_totals()}, "
                                 f"not to the bare totals {tuple(bare_row)}")
        for name, value in bare.items():
            if getattr(totals, name) != value:
                raise BenchmarkError(f"the report and the bare query disagree on {name}: "
                                     f"{getattr(totals, name)} against {value}")
        expected = generated.get("expected")
        if expected:
            for name, scale in (("co2e_net_kg", 3), ("co2e_gross_kg", 3), ("waste_kg", 3), ("money_nok", 2)):
                if Decimal(expected[name]).scaleb(-scale) != bare[name]:
                    raise BenchmarkError(f"the database holds other {name} than generated: {bare[name]} against "
                                         f"{Decimal(expected[name]).scaleb(-scale)}")
            if expected["events"] != totals.events:
                raise BenchmarkError(f"the report counts {totals.events} events, {expected['events']} generated")
        log(f"Report {bench.scope.key} {bench.start}–{bench.end}: {totals.events} events, "
            f"{totals.co2e_net_kg} kg CO2e net, {totals.waste_kg} kg waste, {totals.money_nok} NOK "
            "(the same in the bare query" + (" and the generator)" if expected else ")"))

        load_average = round(os.getloadavg()[0], 2)
        samples, per_statement = measure(bench, args.repeat, args.warmup, random.Random(args.seed))
        stats = {mode: summary(values) for mode, values in samples.items()}

        common = {"engine": engine_name, "events": events_total, "events_in_period": totals.events,
                  "municipalities": municipalities,
                  "scope": bench.scope.key, "period": f"{bench.start}/{bench.end}",
                  "try_ddl": args.try_ddl, "repeat": args.repeat, "warmup": args.warmup,
                  "cpus": os.cpu_count(), "load_average": load_average, "python": platform.python_version(),
                  "server": str(server_version).split(" on ")[0]}
        if generated["generated"]:
            lines.append({"measure": "generate_seconds", "value": round(generated["seconds"], 2), "unit": "s",
                          "region_seconds": round(generated["region_seconds"], 2),
                          "events_seconds": round(generated["events_seconds"], 2),
                          "analyze_seconds": round(generated["analyze_seconds"], 2),
                          "tallies_seconds": round(generated["tallies_seconds"], 2),
                          "events_per_second": round(generated["events"] / generated["events_seconds"])})
        for mode, values in samples.items():
            line = {"measure": mode, "value": round(stats[mode]["p50"], 2), "unit": "ms",
                    "p95": round(stats[mode]["p95"], 2), "min": round(stats[mode]["min"], 2),
                    "samples": len(values)}
            if mode == "report":
                line["queries"] = len(bench.report_sql)
                if postgres:
                    line.update(goal_ms=GOAL_POSTGRES_MS, meets_goal=stats[mode]["p50"] < GOAL_POSTGRES_MS)
            lines.append(line)
        for name, values in per_statement.items():
            statement_stats = summary(values)
            lines.append({"measure": "report_statement", "statement": name,
                          "value": round(statement_stats["p50"], 2), "unit": "ms",
                          "p95": round(statement_stats["p95"], 2), "samples": len(values)})
        missed = False
        for mode in ("report", "report_sql", "from_events", "bare_float", "bare_report"):
            if mode not in stats:
                continue
            ratio = stats[mode]["p50"] / stats["bare"]["p50"]
            line = {"measure": f"{mode}_vs_bare_ratio", "value": round(ratio, 3), "unit": "ratio"}
            if mode == "report":
                line.update(goal=GOAL_RATIO, meets_goal=ratio <= GOAL_RATIO)
                missed = missed or ratio > GOAL_RATIO
            lines.append(line)
        for mode in ("report", "report_sql"):  # the service against hand-written SQL of the same numbers
            lines.append({"measure": f"{mode}_vs_bare_report_ratio",
                          "value": round(stats[mode]["p50"] / stats["bare_report"]["p50"], 3), "unit": "ratio"})
        if postgres and stats["report"]["p50"] >= GOAL_POSTGRES_MS:
            missed = True
        if missed or args.explain:
            log("The goal is missed: query plans follow." if missed else "Query plans (--explain):")
            bench.explain()
    finally:
        if bench is not None:
            bench.close()
        if dropped_database:
            drop_postgres(dropped_database)
        elif args.keep_database:
            log(f"Kept the database: {database_url if 'database_url' in locals() else '(none)'}")
        shutil.rmtree(temporary, ignore_errors=True)

    for line in lines:
        print(json.dumps({"benchmark": BENCHMARK, **line, **common}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    run_as_command(main, "report")
