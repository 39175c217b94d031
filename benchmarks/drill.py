"""Reliability drill: mixed load on PostgreSQL under gunicorn, a PostgreSQL restart in the middle, then the counts.

Creates its own PostgreSQL database (``drill_bench``, dropped afterwards), loads the demo region into it
(``marketplace init``, ``marketplace demo``, production settings), makes API tokens for four demo schools and
libraries, starts gunicorn (``--workers``, sync), and for ``--seconds`` sends a mix from ``--concurrency``
threads: signed-in pages (home, search, an item), API reads (search, an item, your reservations) and API
reservations (reserve one, then cancel it, so the load never runs out of quantity). At ``--restart-at``
seconds it asks for a CHECKPOINT (so the shutdown has little to write and the outage stays short), restarts
the PostgreSQL cluster (``pg_ctlcluster --skip-systemctl-redirect VERSION NAME restart``) while a probe
connects every 50 ms to see when the database is down and when it is back, and keeps the load going for at
least ``--after-back`` seconds after that.

Then it counts: requests and their statuses, 5xx by status, 5xx made by the server rather than the app
(without ``X-Request-ID``), 503s that began after the database was back, the time from the database being
back to the last failed request (recovery), and checks the data: every item's held and handed-over quantity
equals its open and collected reservations plus waitlist offers; every reservation has its audit row (and
every cancellation its own); every reservation and cancellation the client saw acknowledged is stored.

Goal: no 500 at all, 503 only while the database is down, recovery within 5 s, nothing inconsistent.
Prints one JSON line per measure on stdout (progress to stderr); exit code 0 when the goal is met, 2 when
measured but missed, 1 when it could not run (see _harness.py).

    .venv/bin/python benchmarks/drill.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/drill.py --no-restart ...   # the same load, PostgreSQL left alone

The PostgreSQL server may be shared: the restart takes a second or two, and everyone's connections to it are
cut. Run the drill where that is acceptable.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)
from _load import (HOST, ROOT, Gunicorn, log_in, make_tokens, marketplace_command,  # noqa: E402
                   production_environment, run_cli)

BENCHMARK = "drill"
PG_DRILL_DATABASE = "drill_bench"
RESERVERS = ("skole@dulten.example", "bibliotek@dulten.example", "skole@nordvik.example", "skole@sorli.example")
GOAL_RECOVERY_SECONDS = 5.0
PROBE_INTERVAL = 0.05
# What the load sends, and how often (weights).
MIX = {"home": 10, "search_page": 10, "item_page": 10, "api_search": 15, "api_item": 15, "api_reservations": 10,
       "reserve_and_cancel": 30}


@dataclass
class Outcome:
    kind: str
    started: float  # seconds since the load began
    ended: float
    status: int | None  # None: no HTTP answer at all
    request_id: str | None = None
    detail: str = ""


@dataclass
class Timeline:
    restart_started: float | None = None
    restart_ended: float | None = None
    first_failed_probe: float | None = None
    back: float | None = None  # the first probe that connected after the database had been down
    probes: list[tuple[float, bool]] = field(default_factory=list)


# --- talking to the app -------------------------------------------------------------------------------------


def call(port: int, method: str, path: str, headers: dict, body: dict | None = None):
    """One request on a fresh connection: (status, headers, body bytes); raises OSError without an answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        sent = dict(headers)
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Load:
    """Threads sending the mix until ``until``; every answer is kept as an Outcome."""

    def __init__(self, port: int, cookie: str, tokens: list[str], item_ids: list[int], epoch: float,
                 until: float) -> None:
        self.port, self.cookie, self.tokens, self.item_ids, self.epoch = port, cookie, tokens, item_ids, epoch
        self.until = until  # moved on after a restart, so the load also runs for a while once the database is back
        self.outcomes: list[Outcome] = []
        self.reserved: list[int] = []  # reservations the app said it created (201)
        self.cancelled: list[int] = []  # and cancelled (200)
        self.lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.epoch

    def _send(self, kind: str, method: str, path: str, headers: dict, body: dict | None = None):
        started = self.now()
        try:
            status, response_headers, content = call(self.port, method, path, headers, body)
        except OSError as error:
            outcome = Outcome(kind, started, self.now(), None, detail=repr(error)[:200])
            with self.lock:
                self.outcomes.append(outcome)
            return None, b""
        outcome = Outcome(kind, started, self.now(), status, response_headers.get("X-Request-ID"))
        if status >= 500:
            outcome.detail = f"{response_headers.get('Content-Type')}: {content[:160]!r}"
        with self.lock:
            self.outcomes.append(outcome)
        return status, content

    def one(self, rng: random.Random) -> None:
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        page = {"Cookie": self.cookie, "Accept": "text/html"}
        api = {"Authorization": f"Bearer {rng.choice(self.tokens)}", "Accept": "application/json"}
        item = rng.choice(self.item_ids)
        if kind == "home":
            self._send(kind, "GET", "/", page)
        elif kind == "search_page":
            self._send(kind, "GET", f"/items?q={rng.choice(['stol', 'pult', 'skap', 'bord'])}", page)
        elif kind == "item_page":
            self._send(kind, "GET", f"/items/{item}", page)
        elif kind == "api_search":
            self._send(kind, "GET", f"/api/v1/items?q={rng.choice(['stol', 'pult', 'skap', 'bord'])}", api)
        elif kind == "api_item":
            self._send(kind, "GET", f"/api/v1/items/{item}", api)
        elif kind == "api_reservations":
            self._send(kind, "GET", "/api/v1/reservations", api)
        else:
            status, content = self._send("reserve", "POST", f"/api/v1/items/{item}/reservations", api,
                                         {"quantity": "1", "would_buy_new": "unknown"})
            if status == 201:
                reservation = json.loads(content)["id"]
                with self.lock:
                    self.reserved.append(reservation)
                status, _content = self._send("cancel", "POST", f"/api/v1/reservations/{reservation}/cancel", api,
                                              {"reason": "drill"})
                if status == 200:
                    with self.lock:
                        self.cancelled.append(reservation)

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        while self.now() < self.until:
            self.one(rng)


# --- the database -------------------------------------------------------------------------------------------


def connect(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url)
    return psycopg.connect(host=given.host, port=given.port, user=given.username, password=given.password,
                           dbname=given.database, autocommit=True, connect_timeout=2)


def probe(url: str, timeline: Timeline, epoch: float, stop: threading.Event) -> None:
    """Connect every PROBE_INTERVAL; note when the database stops answering and when it answers again."""
    while not stop.is_set():
        moment = time.monotonic() - epoch
        try:
            with connect(url) as connection:
                connection.execute("SELECT 1")
            up = True
        except Exception:  # noqa: BLE001 - any failure to connect or query means "down" here
            up = False
        timeline.probes.append((moment, up))
        if not up and timeline.first_failed_probe is None:
            timeline.first_failed_probe = moment
        if up and timeline.first_failed_probe is not None and timeline.back is None:
            timeline.back = moment
        stop.wait(PROBE_INTERVAL)


def postgres_cluster() -> tuple[str, str]:
    """The version and name of the one local PostgreSQL cluster (Debian's layout: /etc/postgresql/V/NAME)."""
    clusters = sorted(Path("/etc/postgresql").glob("*/*/postgresql.conf"))
    if len(clusters) != 1:
        raise BenchmarkError(f"expected one cluster under /etc/postgresql, found {len(clusters)}: "
                             "give --cluster VERSION/NAME")
    return clusters[0].parent.parent.name, clusters[0].parent.name


def checkpoint(url: str) -> None:
    """Write dirty pages now, while the database serves: the restart's own shutdown checkpoint (during which
    nobody can connect) then has little left to write. On a busy shared server it took 18 s without this."""
    started = time.monotonic()
    with connect(url) as connection:
        connection.execute("CHECKPOINT")
    log(f"  CHECKPOINT before the restart: {time.monotonic() - started:.2f} s")


def restart_command(cluster: tuple[str, str]) -> list[str]:
    version, name = cluster
    return ["pg_ctlcluster", "--skip-systemctl-redirect", "--mode", "fast", version, name, "restart"]


def restart_postgres(command: list[str], timeline: Timeline, epoch: float) -> None:
    log(f"$ {' '.join(command)}")
    timeline.restart_started = time.monotonic() - epoch
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    timeline.restart_ended = time.monotonic() - epoch
    if completed.returncode:
        raise BenchmarkError(f"the restart failed ({completed.returncode}): {completed.stderr.strip()}")
    log(f"  PostgreSQL restarted in {timeline.restart_ended - timeline.restart_started:.2f} s")


CONSISTENCY = {
    # Held (requested, approved), handed over (collected), offered to the waitlist and still out on loan is what is
    # not available. A loan's part that came back is available again; a part lost left the item's quantity.
    "items_out_of_balance": """
        SELECT count(*) FROM items i
        WHERE i.quantity - i.quantity_available <>
              coalesce((SELECT sum(r.quantity) FROM reservations r WHERE r.item_id = i.id
                        AND r.status IN ('requested', 'approved', 'collected')), 0)
            + coalesce((SELECT sum(r.quantity - coalesce((SELECT sum(l.quantity_back + l.quantity_lost)
                                                           FROM loan_returns l WHERE l.reservation_id = r.id), 0))
                        FROM reservations r WHERE r.item_id = i.id AND r.status IN ('on_loan', 'returned')), 0)
            + coalesce((SELECT sum(w.offered_quantity) FROM waitlist_entries w WHERE w.item_id = i.id
                        AND w.status = 'offered'), 0)""",
    "reservations_without_audit": """
        SELECT count(*) FROM reservations r WHERE NOT EXISTS (
            SELECT 1 FROM audit_events a WHERE a.action = 'reservation_requested'
            AND a.details ->> 'reservation_id' = r.id::text)""",
    "cancellations_without_audit": """
        SELECT count(*) FROM reservations r WHERE r.status = 'cancelled' AND NOT EXISTS (
            SELECT 1 FROM audit_events a WHERE a.action = 'reservation_cancelled'
            AND a.details ->> 'reservation_id' = r.id::text)""",
}


def check_consistency(url: str, reserved: list[int], cancelled: list[int]) -> dict[str, int]:
    with connect(url) as connection:
        found = {name: connection.execute(query).fetchone()[0] for name, query in CONSISTENCY.items()}
        stored = {row[0]: row[1] for row in connection.execute(
            "SELECT id, status FROM reservations WHERE id = ANY(%s)", (reserved,))}
    found["acknowledged_reservations_lost"] = sum(1 for reservation in reserved if reservation not in stored)
    found["acknowledged_cancellations_lost"] = sum(1 for reservation in cancelled
                                                   if stored.get(reservation) != "cancelled")
    return found


# --- setting up ---------------------------------------------------------------------------------------------


def reservable_items(port: int, token: str) -> list[int]:
    status, _headers, content = call(port, "GET", "/api/v1/items?per_page=100",
                                     {"Authorization": f"Bearer {token}"})
    if status != 200:
        raise BenchmarkError(f"GET /api/v1/items answered {status}")
    items = [item["id"] for item in json.loads(content)["items"] if float(item["quantity_available"]) >= 1]
    if len(items) < 5:
        raise BenchmarkError(f"only {len(items)} items to reserve in the demo region")
    return items


def server_log(path: Path) -> dict:
    """What the app wrote: its request lines by status, outage warnings, and tracebacks of unexpected errors."""
    statuses: Counter = Counter()
    outages = tracebacks = 0
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "marketplace.requests":
                statuses[entry["status"]] += 1
        elif "Database unavailable" in line:
            outages += 1
        elif line.startswith("Traceback"):
            tracebacks += 1
    return {"statuses": statuses, "outage_warnings": outages, "tracebacks": tracebacks}


# --- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help=f"a PostgreSQL server (its URL); {PG_DRILL_DATABASE!r} is created on it and dropped")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of load (default 20)")
    parser.add_argument("--restart-at", type=float, help="seconds into the load to restart (default: the middle)")
    parser.add_argument("--after-back", type=float, default=10,
                        help="seconds the load goes on at least once the database is back (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="load threads (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--cluster", help="VERSION/NAME of the cluster to restart (default: the only one)")
    parser.add_argument("--restart-command", help="run this instead of restarting the cluster (to try the drill "
                                                  "itself, e.g. 'sleep 2')")
    parser.add_argument("--no-restart", action="store_true", help="the same load, PostgreSQL left alone")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgresql", "postgres:")):
        parser.error("the drill restarts PostgreSQL: give a postgresql+psycopg:// URL")
    if args.seconds <= 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds, --concurrency and --workers must be positive")
    if args.restart_at is None:
        args.restart_at = args.seconds / 2
    if not 0 < args.restart_at < args.seconds:
        parser.error("--restart-at must fall inside the load")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    marketplace = marketplace_command()
    if args.restart_command:
        restart = args.restart_command.split()
    else:
        restart = restart_command(tuple(args.cluster.split("/", 1)) if args.cluster else postgres_cluster())

    temporary = Path(tempfile.mkdtemp(prefix="ombruk-drill-"))
    server: Gunicorn | None = None
    database_url = None
    timeline = Timeline()
    try:
        database_url = prepare_postgres(args.database_url, PG_DRILL_DATABASE)
        # The drill is one client with four tokens: the API's rate limit must not be what it measures.
        app_env = production_environment(database_url, temporary, MARKETPLACE_API_RATE_LIMIT="1000000 per minute")
        run_cli(marketplace, "init", app_env)
        run_cli(marketplace, "demo", app_env)
        tokens = list(make_tokens(marketplace, app_env, RESERVERS, "drill").values())
        server = Gunicorn("marketplace", "wsgi:app", ROOT, app_env, args.workers, temporary / "marketplace.log")
        server.start()
        cookie = log_in(server.port, "vaktmester@dulten.example", "Kari Nilsen")
        items = reservable_items(server.port, tokens[0])
        log(f"Signed in; {len(tokens)} API tokens; {len(items)} items to reserve")
        if not args.no_restart:
            checkpoint(database_url)  # the demo's pages, and whatever else the server holds, written out now

        epoch = time.monotonic()
        # With a restart to come, the load runs until the database has been back for --after-back seconds.
        load = Load(server.port, cookie, tokens, items, epoch, until=args.seconds if args.no_restart else math.inf)
        stop_probe = threading.Event()
        prober = threading.Thread(target=probe, args=(database_url, timeline, epoch, stop_probe), daemon=True)
        threads = [threading.Thread(target=load.run, args=(seed,), daemon=True) for seed in range(args.concurrency)]
        prober.start()
        for thread in threads:
            thread.start()
        log(f"Load: {args.concurrency} threads for {args.seconds:.0f} s"
            + ("" if args.no_restart else f"; PostgreSQL restarts at {args.restart_at:.1f} s"))
        if not args.no_restart:
            time.sleep(max(0.0, args.restart_at - load.now()))
            checkpoint(database_url)
            restart_postgres(restart, timeline, epoch)
            deadline = time.monotonic() + 60
            while timeline.back is None and timeline.first_failed_probe is not None and time.monotonic() < deadline:
                time.sleep(PROBE_INTERVAL)
            if timeline.back is None:  # no probe failed (an outage shorter than a probe), or it never came back
                timeline.back = timeline.restart_ended
            load.until = max(args.seconds, timeline.back + args.after_back)
        for thread in threads:
            thread.join(timeout=load.until - load.now() + 60)
        stop_probe.set()
        prober.join(timeout=10)
        consistency = check_consistency(database_url, load.reserved, load.cancelled)
    finally:
        if server is not None:
            server.stop()
        logged = server_log(temporary / "marketplace.log") if (temporary / "marketplace.log").exists() else None
        if database_url:
            drop_postgres(database_url)
        shutil.rmtree(temporary, ignore_errors=True)

    outcomes = load.outcomes
    statuses = Counter(outcome.status for outcome in outcomes)
    failed = [outcome for outcome in outcomes if outcome.status is None or outcome.status >= 500]
    server_errors = Counter(outcome.status for outcome in failed if outcome.status is not None)
    bare = [outcome for outcome in failed if outcome.status is not None and not outcome.request_id]
    back = timeline.back
    late_503 = [outcome for outcome in failed if outcome.status == 503 and back is not None and outcome.started > back]
    recovery = max([0.0] + [outcome.ended - back for outcome in failed if back is not None]) if back else 0.0
    down = (back - (timeline.first_failed_probe or timeline.restart_started)) if back is not None else 0.0

    common = {"workers": args.workers, "worker_class": "sync", "concurrency": args.concurrency,
              "seconds": args.seconds, "restart_at": None if args.no_restart else args.restart_at,
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "load_average": round(os.getloadavg()[0], 2)}

    def emit(measure: str, value, unit: str, **extra) -> None:
        print(json.dumps({"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra,
                          **common}), flush=True)

    emit("requests", len(outcomes), "count", by_status={str(key): value for key, value in sorted(
        statuses.items(), key=lambda pair: (pair[0] is None, pair[0] or 0))},
         by_kind=dict(Counter(outcome.kind for outcome in outcomes)))
    emit("status_500", statuses.get(500, 0), "count")
    emit("server_errors", len(failed), "count", by_status={str(key): value for key, value in server_errors.items()},
         no_answer=statuses.get(None, 0), first=[outcome.detail for outcome in failed[:3]])
    emit("server_errors_without_request_id", len(bare), "count")  # the server's own page, not the app's
    emit("status_503_after_database_back", len(late_503), "count")
    if not args.no_restart:
        emit("restart_seconds", round(timeline.restart_ended - timeline.restart_started, 2), "s",
             started_at=round(timeline.restart_started, 2))
        emit("database_down_seconds", round(down, 2), "s", down_from=timeline.first_failed_probe, back_at=back)
        emit("recovery_seconds", round(recovery, 2), "s", goal=GOAL_RECOVERY_SECONDS)
        after = Counter(outcome.status for outcome in outcomes if outcome.started > back)
        emit("requests_after_database_back", sum(after.values()), "count",
             by_status={str(key): value for key, value in after.items()})
        if failed:
            emit("failure_window", [round(min(outcome.started for outcome in failed), 2),
                                    round(max(outcome.ended for outcome in failed), 2)], "s")
    for name, count in consistency.items():
        emit(name, count, "count")
    emit("reservations_acknowledged", len(load.reserved), "count", cancelled=len(load.cancelled))
    if logged is not None:
        emit("server_log", sum(logged["statuses"].values()), "lines",
             by_status={str(key): value for key, value in sorted(logged["statuses"].items(),
                                                                 key=lambda pair: str(pair[0]))},
             outage_warnings=logged["outage_warnings"], tracebacks=logged["tracebacks"])

    problems = []
    if statuses.get(500, 0):
        problems.append(f"{statuses[500]} responses with status 500")
    if bare:
        problems.append(f"{len(bare)} 5xx without X-Request-ID")
    if late_503:
        problems.append(f"{len(late_503)} 503s after the database was back")
    if statuses.get(None, 0):
        problems.append(f"{statuses[None]} requests without an answer")
    other = {status: count for status, count in server_errors.items() if status not in (500, 503)}
    if other:
        problems.append(f"other 5xx: {other}")
    if recovery > GOAL_RECOVERY_SECONDS:
        problems.append(f"recovery took {recovery:.2f} s")
    problems += [f"{name}: {count}" for name, count in consistency.items() if count]
    emit("goal_met", not problems, "bool", problems=problems)
    log(f"{len(outcomes)} requests: {dict(statuses)}; 5xx {dict(server_errors)}; "
        f"database down {down:.2f} s, recovery {recovery:.2f} s; "
        + ("goal met" if not problems else "goal missed: " + "; ".join(problems)))
    return 0 if not problems else 2


if __name__ == "__main__":
    run_as_command(main, BENCHMARK)
