"""Search: server time of realistic searches over 100,000 items, next to the bare SQL of the same searches.

Generates a large region (``marketplace.devdata.benchdata``: 100,000 items in 50 municipalities by default;
``--profile national``: 1,000,000 items in one network of 357 municipalities, a fifth of them in use),
signs in as a staff member of one municipality, and measures in this one process, for each search in
``SEARCHES``:

- ``service``: the whole search service call, ``search.suggest.search(user, params)`` with facets (and, when
  the exact search finds fewer than three items, a close spelling's suggestion and its hits), as the search
  page makes it (one fresh database session per call, as a request has);
- ``service_bare``: the SQL statements that call issued (captured once with a ``before_cursor_execute``
  listener: the same strings and parameters, the visibility clause included), replayed through a raw DBAPI
  connection with every row fetched;
- ``list`` and ``list_bare``: ``search.services.search`` without facets (what a JSON list needs; no
  suggestion);
- ``http``: the whole ``GET /items?…`` request through the Flask test client (login session, the service,
  rendering), and ``http_bare``: every SQL statement that request issued, replayed likewise.

Each search runs ``--warmup`` times unmeasured, then ``--repeat`` rounds, every mode once per round in a
shuffled order (so drifting background load hits all modes alike). Prints one JSON line per measure (median
wall-clock time as ``value``, with ``p95`` and the median CPU time of this thread, ``cpu_p50``) and the
overhead ratios ``service / service_bare`` etc.; progress and a readable table go to stderr.

    .venv/bin/python benchmarks/search.py                       # fresh SQLite database in a temp dir
    .venv/bin/python benchmarks/search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL, a dedicated database ``marketplace_bench_search`` is created on that server (through
its ``postgres`` database) and dropped afterwards; ``--reuse-database`` measures the database of the URL as
it is instead (generating the region only if it has no items yet), and a SQLite URL is always used as it is,
so a generated region can be measured again without waiting for it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCHMARK = "search"
PG_BENCH_DATABASE = "marketplace_bench_search"
GOAL_P95_MS = 50.0
GOAL_RATIO = 2.0
# The regions to generate: the default one (as measured since decision record 18), and the whole country in one
# network (issue 22: 357 municipalities; the viewer sees about half of the million items).
PROFILES = {
    "region": {"items": 100_000, "municipalities": 50, "network_size": 10, "inventory_share": 0.0},
    "national": {"items": 1_000_000, "municipalities": 357, "network_size": 357, "inventory_share": 0.2},
}
MODES = ("service", "service_bare", "list", "list_bare", "http", "http_bare")


def searches(peer_municipality: str) -> list[tuple[str, dict]]:
    """Realistic searches: (name, URL parameters). ``peer_municipality``: another municipality of the viewer's
    network, whose items the viewer sees after the share days."""
    return [
        ("q=stol", {"q": "stol"}),
        ("q=stablestol", {"q": "stablestol"}),
        ("q=bærbar pc", {"q": "bærbar pc"}),
        ("q=hev senk", {"q": "hev senk"}),
        ("q=s", {"q": "s"}),
        ("group+condition", {"group": "furniture", "condition": "good"}),
        ("category+min_quantity", {"category": "office_chair", "min_quantity": "10"}),
        ("q=stol+municipality", {"q": "stol", "municipality": peer_municipality}),
        ("q=skap+available+quantity", {"q": "skap", "available": "1", "sort": "quantity"}),
        ("q=stoll (typo)", {"q": "stoll"}),  # no hits: "stol" is suggested and its first hits shown
        ("q=kontorstl (typo)", {"q": "kontorstl"}),
        ("all", {}),
        ("all page 200 newest", {"sort": "newest", "page": "200"}),
    ]


# --- statistics -----------------------------------------------------------------------------------------------


def percentile(sorted_values, fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered) * 1000, "p95": percentile(ordered, 0.95) * 1000,
            "min": ordered[0] * 1000, "mean": statistics.fmean(ordered) * 1000}


# --- the app ----------------------------------------------------------------------------------------------------


def make_app(database_url: str, temporary: Path, exact_count_limit: int | None = None):
    """The app with a production configuration (cookies allowed over the test client's plain http)."""
    for key in [key for key in os.environ if key.startswith("MARKETPLACE_") or key == "DATABASE_URL"]:
        del os.environ[key]  # nothing from the calling shell leaks into the measurement
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(temporary / "instance")
    from marketplace import create_app

    return create_app({
        "ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "UPLOAD_DIR": str(temporary / "uploads"),
        "MAIL_BACKEND": "outbox",  # nothing is sent while searching, but production demands a mail setting
        "MAIL_OUTBOX": str(temporary / "outbox"),
    } | ({"SEARCH_EXACT_COUNT_LIMIT": exact_count_limit} if exact_count_limit else {}))


def prepare_region(app, args) -> dict:
    """Migrate, install the catalogue, generate the region unless the database has items; what was done."""
    from sqlalchemy import func, select

    from marketplace.db import current_revision, db, upgrade
    from marketplace.devdata import benchdata
    from marketplace.impact.services import install_default_factors
    from marketplace.listings.models import Item

    with app.app_context():
        log("Migrating the database (marketplace init) …")
        revision = current_revision(app.config["DATABASE_URL"])
        upgrade(app.config["DATABASE_URL"])
        install_default_factors(progress=log)
        db.session.commit()
        existing = db.session.scalar(select(func.count()).select_from(Item))
        if existing:
            log(f"The database already has {existing} items: measuring them as they are.")
            if revision != current_revision(app.config["DATABASE_URL"]):
                # A migration that rebuilt a table (0035: the text index) leaves it without a visibility map until
                # autovacuum comes by; measured at once, q=stol+municipality took 57 instead of 42 ms of bare SQL.
                log("A migration ran: refreshing the statistics as autovacuum would …")
                benchdata.analyze()
            return {"generated": False, "items": existing}
        log(f"Generating {args.items} items in {args.municipalities} municipalities …")
        started = time.perf_counter()
        region = benchdata.generate(args.items, args.municipalities, network_size=args.network_size,
                                    seed=args.seed, progress=log, inventory_share=args.inventory_share)
        db.session.commit()
        written = time.perf_counter() - started
        benchdata.analyze()
        total = time.perf_counter() - started
        log(f"Generated in {total:.1f} s ({written:.1f} s writing, {total - written:.1f} s updating statistics)")
        return {"generated": True, "items": region.items, "seconds": total, "write_seconds": written}


def pick_viewer(app, email: str | None) -> tuple[int, str, str, str]:
    """The viewer (a staff member of one municipality): (user id, e-mail, municipality slug, peer slug)."""
    from sqlalchemy import select

    from marketplace.accounts.models import Membership, Role, User
    from marketplace.db import db
    from marketplace.organisations.models import Municipality, network_members

    with app.app_context():
        if email:
            user = db.session.scalar(select(User).where(User.email == email.lower()))
        else:
            user = db.session.scalar(
                select(User).join(Membership).where(Membership.role == Role.MEMBER, User.email.like("ansatt@%"))
                .order_by(User.id).limit(1))
        if user is None or user.municipality is None:
            raise BenchmarkError(f"no staff member of a municipality to search as ({email or 'ansatt@…'})")
        municipality = user.municipality
        networks = [network.id for network in municipality.networks]
        peer = db.session.scalar(
            select(Municipality.slug).join(network_members, network_members.c.organisation_id == Municipality.id)
            .where(network_members.c.network_id.in_(networks), Municipality.id != municipality.id)
            .order_by(Municipality.id).limit(1))
        return user.id, user.email, municipality.slug, peer or municipality.slug


class Capture:
    """Collects the SQL statements (and DBAPI parameters) an engine issues while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _listener(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        if executemany:
            raise BenchmarkError("a search issued an executemany; the replay does not handle that")
        self.statements.append((statement, parameters))

    def __enter__(self) -> Capture:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._listener)
        return self

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._listener)


class Bench:
    def __init__(self, app, user_id: int, password: str) -> None:
        from marketplace.db import db

        self.app = app
        self.user_id = user_id
        with app.app_context():
            self.engine = db.engine
        self.raw = self.engine.raw_connection()  # the bare side: one DBAPI connection, held throughout
        self.dbapi = self.raw.driver_connection
        self.client = app.test_client()
        self._log_in(password)

    def close(self) -> None:
        self.raw.close()

    def _log_in(self, password: str) -> None:
        from marketplace.accounts.models import User
        from marketplace.db import db

        with self.app.app_context():
            email = db.session.get(User, self.user_id).email
        page = self.client.get("/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
        form = {"email": email, "password": password}
        if token:
            form["csrf_token"] = token.group(1).decode()
        # Flask's test client speaks the preferred scheme (https in production), so CSRF also wants a referrer.
        response = self.client.post("/login", data=form, headers={"Referer": page.request.url})
        if response.status_code != 302:
            raise BenchmarkError(f"signing in as {email} failed: POST /login answered {response.status_code}")

    # --- the measured calls ---

    # Each returns (wall-clock seconds, CPU seconds of this thread, ...). SQLite works in this thread, so its CPU
    # time is the whole cost and hardly moved by other load; PostgreSQL's work is in the server's processes.

    def service(self, params, with_facets: bool) -> tuple[float, float, object]:
        from marketplace.accounts.models import User
        from marketplace.db import db
        from marketplace.search import services, suggest

        with self.app.app_context():
            user = db.session.get(User, self.user_id)  # as the request's login has loaded it already
            started, cpu = time.perf_counter(), time.thread_time()
            if with_facets:  # the page's search, suggestion included
                result = suggest.search(user, params, locale="nb")
            else:
                result = services.search(user, params, locale="nb", with_facets=False)
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        return elapsed, cpu, result

    def http(self, query: str) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.thread_time()
        response = self.client.get(f"/items?{query}")
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        if response.status_code != 200 or b'id="result-count"' not in response.data:
            raise BenchmarkError(f"GET /items?{query} answered {response.status_code} without the results")
        return elapsed, cpu

    def bare(self, statements) -> tuple[float, float]:
        cursor = self.dbapi.cursor()
        try:
            started, cpu = time.perf_counter(), time.thread_time()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        finally:
            cursor.close()
            self.dbapi.rollback()  # as the app's session ends its transaction (outside the timed part too)
        return elapsed, cpu

    # --- capturing what the app issues ---

    def capture_service(self, params, with_facets: bool):
        with Capture(self.engine) as capture:
            *_times, result = self.service(params, with_facets)
        return capture.statements, result

    def capture_http(self, query: str):
        with Capture(self.engine) as capture:
            self.http(query)
        return capture.statements


def measure_search(bench: Bench, name: str, args_dict: dict, rounds: int, warmup: int, rng: random.Random):
    from werkzeug.datastructures import MultiDict

    from marketplace.search.services import SearchParams

    params = SearchParams.from_args(MultiDict(args_dict))
    query = urlencode(args_dict)
    service_sql, result = bench.capture_service(params, True)
    list_sql, _ = bench.capture_service(params, False)
    http_sql = bench.capture_http(query)
    runs = {
        "service": lambda: bench.service(params, True)[:2],
        "service_bare": lambda: bench.bare(service_sql),
        "list": lambda: bench.service(params, False)[:2],
        "list_bare": lambda: bench.bare(list_sql),
        "http": lambda: bench.http(query),
        "http_bare": lambda: bench.bare(http_sql),
    }
    for _ in range(warmup):
        for run in runs.values():
            run()
    samples: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
    order = list(MODES)
    for _ in range(rounds):
        rng.shuffle(order)
        for mode in order:
            wall, used = runs[mode]()
            samples[mode].append(wall)
            cpu[mode].append(used)
    queries = {"service": len(service_sql), "list": len(list_sql), "http": len(http_sql)}
    if result.suggestion is not None:  # a typo: what the close matches found counts as found
        return samples, cpu, queries, result.suggestion.result.total, len(result.suggestion.result.items)
    return samples, cpu, queries, result.total, len(result.items)


def explain(bench: Bench, statements) -> None:
    """Print the query plan of each captured statement (``--explain``), to see where the time goes."""
    postgres = bench.engine.dialect.name == "postgresql"
    cursor = bench.dbapi.cursor()
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):  # reads only
                continue
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            cursor.execute(prefix + statement, parameters)
            plan = cursor.fetchall()
            log(f"--- {elapsed:.1f} ms: {' '.join(statement.split())[:400]}")
            for row in plan:
                log("    " + (row[0] if postgres else f"{row[0]}:{row[1]} {row[3]}"))
    finally:
        cursor.close()
        bench.dbapi.rollback()


# --- main -------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite database in a temporary directory")
    parser.add_argument("--reuse-database", action="store_true",
                        help="measure the PostgreSQL database of --database-url as it is (generating the region "
                             f"only if it has no items) instead of creating and dropping {PG_BENCH_DATABASE!r}")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="region",
                        help="the region to generate: 'region' (100,000 items, 50 municipalities in networks of 10) "
                             "or 'national' (1,000,000 items, 357 municipalities in one network, a fifth of the "
                             "items in use); the flags below override its figures")
    parser.add_argument("--items", type=int, help="items to generate (region: 100000)")
    parser.add_argument("--municipalities", type=int, help="municipalities (region: 50)")
    parser.add_argument("--network-size", type=int, help="municipalities per network (region: 10)")
    parser.add_argument("--inventory-share", type=float, help="share of the items in the municipalities' own "
                        "inventory (in use, for repair or recycling), which search must skip (region: 0)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the region and the order (default 1)")
    parser.add_argument("--repeat", type=int, default=30, help="measured rounds per search (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds per search (default 3)")
    parser.add_argument("--viewer", help="e-mail of the user to search as (default: the first generated member)")
    parser.add_argument("--only", action="append", default=[], help="measure only the searches with this name "
                        "(repeatable)")
    parser.add_argument("--exact-count-limit", type=int,
                        help="matches counted exactly (SEARCH_EXACT_COUNT_LIMIT; default the app's, 1000)")
    parser.add_argument("--explain", action="store_true", help="print the query plans of each search to stderr")
    args = parser.parse_args(argv)
    for name, value in PROFILES[args.profile].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.items < 1 or args.municipalities < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--items, --municipalities and --repeat must be positive, --warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    temporary = Path(tempfile.mkdtemp(prefix="ombruk-bench-search-"))
    dropped_database = None
    bench = None
    lines: list[dict] = []
    try:
        if args.database_url is None:
            database_url = f"sqlite:///{temporary / 'marketplace.db'}"
        elif args.database_url.startswith(("postgresql", "postgres:")) and not args.reuse_database:
            database_url = prepare_postgres(args.database_url, PG_BENCH_DATABASE)
            dropped_database = database_url
        else:
            database_url = args.database_url
        engine_name = "sqlite" if database_url.startswith("sqlite") else "postgresql"

        app = make_app(database_url, temporary, args.exact_count_limit)
        prepared = prepare_region(app, args)
        if prepared["generated"]:
            lines.append({"measure": "generate_seconds", "value": round(prepared["seconds"], 2), "unit": "s",
                          "write_seconds": round(prepared["write_seconds"], 2)})
        user_id, email, own, peer = pick_viewer(app, args.viewer)
        log(f"Searching as {email} (member of {own}; peer municipality {peer})")
        from marketplace.devdata import benchdata

        bench = Bench(app, user_id, benchdata.PASSWORD)
        gc.collect()
        gc.freeze()  # as wsgi.py does after starting the app: full collections skip the long-lived objects
        gc.set_threshold(10_000, 10, 10)  # and young ones are collected as seldom as there
        rng = random.Random(args.seed)
        chosen = [(name, query) for name, query in searches(peer) if not args.only or name in args.only]
        if not chosen:
            raise BenchmarkError(f"no search is called {', '.join(args.only)}")
        load_average = round(os.getloadavg()[0], 2)
        pooled: dict[str, list[float]] = {mode: [] for mode in MODES}
        table = []
        for name, query in chosen:
            log(f"  {name} …")
            samples, cpu, queries, total, shown = measure_search(bench, name, query, args.repeat, args.warmup,
                                                                 rng)
            if args.explain:
                from werkzeug.datastructures import MultiDict

                from marketplace.search.services import SearchParams

                statements, _ = bench.capture_service(SearchParams.from_args(MultiDict(query)), True)
                explain(bench, statements)
            stats = {mode: summary(values) for mode, values in samples.items()}
            for mode, values in samples.items():
                pooled[mode].extend(values)
                queries_of_mode = queries[mode.removesuffix("_bare")]
                lines.append({"measure": mode, "search": name, "value": round(stats[mode]["p50"], 2), "unit": "ms",
                              "p95": round(stats[mode]["p95"], 2), "min": round(stats[mode]["min"], 2),
                              "cpu_p50": round(statistics.median(cpu[mode]) * 1000, 2),
                              "samples": len(values), "queries": queries_of_mode, "total": total, "shown": shown})
            ratios = {}
            for mode in ("service", "list", "http"):
                ratios[mode] = stats[mode]["p50"] / stats[f"{mode}_bare"]["p50"]
                cpu_bare = statistics.median(cpu[f"{mode}_bare"])
                cpu_ratio = statistics.median(cpu[mode]) / cpu_bare if cpu_bare > 0 else None
                lines.append({"measure": f"{mode}_vs_bare_ratio", "search": name, "value": round(ratios[mode], 3),
                              "unit": "ratio", "cpu_ratio": None if cpu_ratio is None else round(cpu_ratio, 3)})
            stats["service"]["cpu"] = statistics.median(cpu["service"]) * 1000
            table.append((name, total, queries, stats, ratios))
        overall = {mode: summary(values) for mode, values in pooled.items()}
        for mode in MODES:
            lines.append({"measure": mode, "search": "*", "value": round(overall[mode]["p50"], 2), "unit": "ms",
                          "p95": round(overall[mode]["p95"], 2), "samples": len(pooled[mode])})
        for mode in ("service", "list", "http"):
            # Over all searches: the summed medians, so each search weighs by its own cost.
            ratio = (sum(stats[mode]["p50"] for *_, stats, _r in table)
                     / sum(stats[f"{mode}_bare"]["p50"] for *_, stats, _r in table))
            lines.append({"measure": f"{mode}_vs_bare_ratio", "search": "*", "value": round(ratio, 3),
                          "unit": "ratio"})
    finally:
        if bench is not None:
            bench.close()
        if dropped_database:
            drop_postgres(dropped_database)
        shutil.rmtree(temporary, ignore_errors=True)

    common = {"engine": engine_name, "items": prepared["items"], "repeat": args.repeat, "cpus": os.cpu_count(),
              "python": platform.python_version(), "load_average": load_average}
    for line in lines:
        print(json.dumps({"benchmark": BENCHMARK, **line, **common}, ensure_ascii=False), flush=True)

    log("")
    log(f"{'search (ms)':<28}{'total':>7} {'SQL':>4}  {'service p50/p95':>16} {'cpu':>6} {'bare p50':>9} {'ratio':>6}"
        f"  {'list p50':>9} {'ratio':>6}  {'http p50/p95':>14} {'ratio':>6}")
    for name, total, queries, stats, ratios in table:
        log(f"{name:<28}{total:>7} {queries['service']:>4}  "
            f"{stats['service']['p50']:>7.1f}/{stats['service']['p95']:<8.1f} {stats['service']['cpu']:>6.1f}"
            f"{stats['service_bare']['p50']:>9.1f} {ratios['service']:>6.2f}  "
            f"{stats['list']['p50']:>9.1f} {ratios['list']:>6.2f}  "
            f"{stats['http']['p50']:>6.1f}/{stats['http']['p95']:<7.1f} {ratios['http']:>6.2f}")
    service_p95 = overall["service"]["p95"]
    worst_ratio = max(ratios["service"] for *_, ratios in table)
    log(f"All searches: service p50 {overall['service']['p50']:.1f} ms, p95 {service_p95:.1f} ms "
        f"(goal < {GOAL_P95_MS:.0f}); http p95 {overall['http']['p95']:.1f} ms; worst service/bare ratio "
        f"{worst_ratio:.2f} (goal < {GOAL_RATIO:.0f}) [{engine_name}, {prepared['items']} items]")
    return 0


if __name__ == "__main__":
    run_as_command(main, "search")
