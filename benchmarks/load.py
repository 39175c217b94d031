"""Mixed load: requests per second, latency percentiles and errors of signed-in pages, searches, API reads and
reservations from concurrent clients, on gunicorn against the demo region, with what the load generator and
the server spent in CPU.

Creates a database (PostgreSQL ``marketplace_bench_load``, dropped afterwards; or SQLite), loads the demo
(``marketplace init``, ``marketplace demo``, production settings), starts gunicorn, signs in once per client
(each client its own session) as one of ten demo users of different roles, municipalities and a partner
organisation, and makes each user an API token on its token page. Every client is a process of its own that
loops over a weighted mix (``--mix``) with its user: the home page, searches (text, facets), item pages and
API reads of items that user sees, the reservations page, and reservations of one unit (through the API or
the web form) that are cancelled at once, so the stock never runs out. A refusal because another client holds
the last unit (409/422 from the API, the form sent back to the item) is a business outcome, counted apart; a
5xx, a request without an answer or any other unexpected answer is an error.

In the same run, as the baselines every figure here is read against: the same mix from one client (the
latency without queueing), the same number of clients against the bare Flask app ``_hello_app.py`` under the
same gunicorn settings, and, with ``--kind-seconds``, each kind of request alone from one client (the server's
CPU time per request of each kind). Measured seconds are split into ``--rounds`` alternating slices.

    .venv/bin/python benchmarks/load.py                          # PostgreSQL at 127.0.0.1, 20 clients, 4 workers
    .venv/bin/python benchmarks/load.py --threads 4              # gthread workers (keep-alive), 4 threads each
    .venv/bin/python benchmarks/load.py --database-url sqlite:///  # a fresh SQLite database

Prints one JSON line per measure on stdout (progress on stderr); exit code 1 when any request failed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)
from _load import (BENCHMARKS, ROOT, Gunicorn, clean_environment, hidden_fields, http_request,  # noqa: E402
                   log_in, marketplace_command, percentile, production_environment, run_cli,
                   SESSION_COOKIE, session_cookie)
from _mixed import KINDS, Slice, parse_mix, run_slice, server_log_durations  # noqa: E402

BENCHMARK = "load"
PG_DATABASE = "marketplace_bench_load"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_P95_MS = 100.0
NEW_TOKEN = re.compile(rb'id="new-token"[^>]*\svalue="([^"]+)"')
DEFAULT_MIX = "home=10,search=15,item=15,reservations=5,api_items=15,api_item=15,reserve_api=10,reserve_web=5"
# (e-mail, name on the home page): members of schools and a library, caretakers, a store keeper, a municipal
# administrator, all three municipalities and the partner organisation. Client i signs in as USERS[i % 10].
USERS = (
    ("skole@dulten.example", "Ola Berg"),
    ("vaktmester@dulten.example", "Kari Nilsen"),
    ("skole@nordvik.example", "Marte Solberg"),
    ("bibliotek@dulten.example", "Sara Lie"),
    ("vaktmester@nordvik.example", "Ahmed Hassan"),
    ("skole@sorli.example", "Emma Strand"),
    ("admin@sorli.example", "Lena Dahl"),
    ("frivillig@dulten-frivilligsentral.example", "Aud Hansen"),
    ("lager@dulten.example", "Sindre Aas"),
    ("vaktmester@sorli.example", "Jonas Moen"),
)


# --- setting up the clients ---------------------------------------------------------------------------------


def visible_items(port: int, token: str) -> tuple[list[int], list[int]]:
    """The published items a token's user sees, and those of them the user may reserve one of (someone
    else's, with at least one available)."""
    status, _headers, content = http_request(port, "GET", "/api/v1/items?per_page=100",
                                             {"Authorization": f"Bearer {token}", "Accept": "application/json"})
    if status != 200:
        raise BenchmarkError(f"GET /api/v1/items answered {status}")
    items = json.loads(content)["items"]
    reservable = [item["id"] for item in items if not item["can_manage"] and float(item["quantity_available"]) >= 1]
    return [item["id"] for item in items], reservable


def form_token(port: int, cookie: str, item_id: int) -> tuple[str, str]:
    """The CSRF token of an item page's reservation form, and the session cookie that goes with it (making the
    token writes it into the session, so the cookie changes once)."""
    status, headers, body = http_request(port, "GET", f"/items/{item_id}", {"Cookie": cookie})
    fields = hidden_fields(body, "/reserve")
    if status != 200 or "csrf_token" not in fields:
        raise BenchmarkError(f"GET /items/{item_id} answered {status} without a reservation form")
    renewed = session_cookie(headers)
    return fields["csrf_token"], (f"{SESSION_COOKIE}={renewed}" if renewed else cookie)


def web_token(port: int, session: dict) -> str:
    """A new API token made on the user's token page (docs/api.md), which shows it once. Quicker here than
    `marketplace tokens create`, a process that loads the app for each token."""
    status, headers, body = http_request(port, "GET", "/account/tokens", {"Cookie": session["cookie"]})
    fields = hidden_fields(body, "/account/tokens")
    if status != 200 or "csrf_token" not in fields:
        raise BenchmarkError(f"GET /account/tokens answered {status} without its form")
    renewed = session_cookie(headers)  # the form's CSRF token is kept in the session, which changes once
    if renewed:
        session["cookie"] = f"{SESSION_COOKIE}={renewed}"
    status, _headers, body = http_request(
        port, "POST", "/account/tokens", body=urlencode({**fields, "name": BENCHMARK}),
        headers={"Cookie": session["cookie"], "Content-Type": "application/x-www-form-urlencoded"})
    shown = NEW_TOKEN.search(body)
    if status != 200 or shown is None:
        raise BenchmarkError(f"POST /account/tokens answered {status} without a new token")
    return html.unescape(shown.group(1).decode())


def identities(port: int, clients: int) -> list[dict]:
    """One signed-in session per client (several clients may share a user, never a session), the user's API
    token, the items the user sees and may reserve, and the CSRF token of the session's forms."""
    def sign_in(index: int) -> dict:
        email, name = USERS[index % len(USERS)]
        return {"email": email, "name": name, "cookie": log_in(port, email, name)}

    with ThreadPoolExecutor(max_workers=4) as pool:  # each sign-in hashes a password (argon2id) in a worker
        sessions = list(pool.map(sign_in, range(clients)))
    tokens = {session["email"]: None for session in sessions}
    for session in sessions:
        if tokens[session["email"]] is None:
            tokens[session["email"]] = web_token(port, session)
    seen = {email: visible_items(port, token) for email, token in tokens.items()}
    for email, (items, reservable) in seen.items():
        if not items or not reservable:
            raise BenchmarkError(f"{email} sees {len(items)} items and may reserve {len(reservable)}: the demo "
                                 "region is not what this benchmark expects")
    for session in sessions:
        session["token"] = tokens[session["email"]]
        session["items"], session["reservable"] = seen[session["email"]]
        session["csrf"], session["cookie"] = form_token(port, session["cookie"], session["reservable"][0])
    return sessions


# --- reporting ----------------------------------------------------------------------------------------------


def summary(outcomes: list[dict], cpus: int) -> dict:
    """Totals over the slices of one kind of measure."""
    seconds = sum(outcome["seconds"] for outcome in outcomes)
    latencies = sorted(value for outcome in outcomes for values in outcome["latencies"].values() for value in values)
    by_kind = {kind: sorted(value for outcome in outcomes for value in outcome["latencies"].get(kind, ()))
               for kind in KINDS}
    count = len(latencies)
    errors, business, error_requests = Counter(), Counter(), Counter()
    for outcome in outcomes:
        errors.update(outcome["errors"])
        business.update(outcome["business"])
        error_requests.update(outcome["error_requests"])
    server_cpu = [outcome["server_cpu"] for outcome in outcomes]
    client_cpu = [outcome["client_cpu"] for outcome in outcomes]
    database_cpu = [outcome["database_cpu"] for outcome in outcomes]
    return {
        "seconds": seconds, "count": count, "rps": count / seconds if seconds else 0.0,
        "p50": percentile(latencies, 0.50) * 1000, "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "by_kind": {kind: values for kind, values in by_kind.items() if values},
        "errors": errors, "business": business, "error_requests": error_requests,
        "first_errors": [message for outcome in outcomes for message in outcome["first_errors"]][:5],
        "server_cpu_ms": (sum(server_cpu) / count * 1000) if count and None not in server_cpu else None,
        "server_cpu_share": (sum(server_cpu) / (seconds * cpus)) if seconds and None not in server_cpu else None,
        "client_cpu_share": (sum(client_cpu) / (seconds * cpus)) if seconds and None not in client_cpu else None,
        "client_cpu_ms": (sum(client_cpu) / count * 1000) if count and None not in client_cpu else None,
        "database_cpu_ms": (sum(database_cpu) / count * 1000) if count and None not in database_cpu else None,
        "connections": sum(outcome["connections"] for outcome in outcomes),
        "load_average": max(outcome["load_average"] for outcome in outcomes),
    }


def rounded(value, digits: int = 2):
    return None if value is None else round(value, digits)


# --- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"a PostgreSQL server, on which {PG_DATABASE!r} is created and dropped (default "
                             f"{DEFAULT_URL}); or sqlite:/// for a fresh SQLite database in a temporary directory")
    parser.add_argument("--clients", type=int, default=20, help="load processes, one session each (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; above 1, gunicorn's gthread workers, which keep connections "
                             "alive (default 1: the sync workers of the operations guide)")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds of the mixed load (default 30)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each slice (default 3)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating slices the measured seconds are split into (default 2)")
    parser.add_argument("--baseline-seconds", type=float, default=10,
                        help="measured seconds of each baseline: one client, and the hello app (default 10)")
    parser.add_argument("--kind-seconds", type=float, default=0,
                        help="also send each kind of request alone from one client for this many seconds, for "
                             "the server's CPU time per request of each kind (default 0: not)")
    parser.add_argument("--think-ms", type=float, default=0,
                        help="mean pause of a client between two requests, in ms (exponentially distributed; "
                             "default 0: back to back, as in the goal)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"kind=weight,… of {', '.join(KINDS)} "
                                                          f"(default {DEFAULT_MIX})")
    args = parser.parse_args(argv)
    try:
        args.mix = parse_mix(args.mix)
    except ValueError as error:
        parser.error(str(error))
    if min(args.clients, args.workers, args.threads, args.rounds) < 1 or args.seconds <= 0 or args.warmup < 0 \
            or args.baseline_seconds <= 0 or args.kind_seconds < 0 or args.think_ms < 0:
        parser.error("--clients, --workers, --threads, --rounds and the seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    marketplace = marketplace_command()
    cpus = os.cpu_count() or 1
    temporary = Path(tempfile.mkdtemp(prefix="ombruk-load-"))
    servers: list[Gunicorn] = []
    dropped = None
    results: dict[str, list[dict]] = {"mixed": [], "single": [], "hello": []}
    alone: dict[str, dict] = {}
    try:
        if args.database_url.startswith("sqlite"):
            database_url = f"sqlite:///{temporary / 'marketplace.db'}" if args.database_url == "sqlite:///" \
                else args.database_url
        else:
            database_url = dropped = prepare_postgres(args.database_url, PG_DATABASE)
        engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        # Twenty clients share ten tokens: the API's rate limit per token must not be what this measures.
        app_env = production_environment(database_url, temporary, MARKETPLACE_API_RATE_LIMIT="1000000 per minute")
        run_cli(marketplace, "init", app_env)
        run_cli(marketplace, "demo", app_env)

        app = Gunicorn("marketplace", "wsgi:app", ROOT, app_env, args.workers, temporary / "marketplace.log",
                       threads=args.threads)
        hello = Gunicorn("hello", "_hello_app:app", BENCHMARKS, clean_environment(), args.workers,
                         temporary / "hello.log", threads=args.threads)
        for server in (app, hello):
            servers.append(server)
            server.start()
        sessions = identities(app.port, args.clients)
        log(f"{args.clients} clients signed in as {len({s['email'] for s in sessions})} users")

        think = args.think_ms / 1000
        mixed = Slice("mixed", app, [[session] for session in sessions], args.mix, think)
        single = Slice("single", app, [sessions], args.mix, think)
        hellos = Slice("hello", hello, [[{}]] * args.clients, {"hello": 1})
        for round_index in range(args.rounds):
            order = (mixed, single, hellos) if round_index % 2 == 0 else (hellos, single, mixed)
            for chosen in order:
                seconds = (args.seconds if chosen is mixed else args.baseline_seconds) / args.rounds
                outcome = run_slice(chosen, args.warmup, seconds)
                results[chosen.name].append(outcome)
                latencies = sorted(v for values in outcome["latencies"].values() for v in values)
                log(f"  round {round_index + 1}/{args.rounds} {chosen.name:<6} ({len(chosen.clients)} clients): "
                    f"{len(latencies) / seconds:7.1f} req/s, p95 {percentile(latencies, 0.95) * 1000:7.1f} ms, "
                    f"errors {sum(outcome['errors'].values())}, load {outcome['load_average']:.2f}")
        if args.kind_seconds:
            for kind, weight in args.mix.items():
                if weight:
                    alone[kind] = summary([run_slice(Slice(f"alone-{kind}", app, [sessions], {kind: 1}),
                                                     min(args.warmup, 1.0), args.kind_seconds)], cpus)
                    log(f"  {kind:<13} alone: server CPU {alone[kind]['server_cpu_ms'] or 0:6.1f} ms/request, "
                        f"p50 {alone[kind]['p50']:6.1f} ms")
        for server in servers:
            server.stop()
        app_durations = server_log_durations(temporary / "marketplace.log", "mixed")
    finally:
        for server in servers:
            server.stop()
        if dropped:
            drop_postgres(dropped)
        shutil.rmtree(temporary, ignore_errors=True)

    common = {"engine": engine, "workers": args.workers, "worker_class": app.worker_class, "threads": args.threads,
              "clients": args.clients, "think_ms": args.think_ms, "seconds": args.seconds, "rounds": args.rounds,
              "mix": args.mix,
              "cpus": cpus, "python": platform.python_version(),
              # The 1-minute load average at the start of each mixed slice: well above `cpus`, the machine was
              # busy with other work too, and the latencies say more about that than about the app.
              "load_average": [outcome["load_average"] for outcome in results["mixed"]]}

    def emit(measure: str, value, unit: str, **extra) -> None:
        print(json.dumps({"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra,
                          **common}), flush=True)

    total = {name: summary(outcomes, cpus) for name, outcomes in results.items()}
    load, one, bare = total["mixed"], total["single"], total["hello"]
    emit("requests_per_second", round(load["rps"], 1), "req/s", requests=load["count"],
         business_outcomes=sum(load["business"].values()), errors=sum(load["errors"].values()),
         connections=load["connections"])
    for label in ("p50", "p95", "p99"):
        extra = {"goal": GOAL_P95_MS, "meets_goal": load[label] < GOAL_P95_MS} if label == "p95" else {}
        emit(f"latency_{label}", round(load[label], 1), "ms", **extra)
    all_errors = sum((part["errors"] for part in total.values()), Counter())
    emit("errors", sum(load["errors"].values()), "count", by_kind=dict(load["errors"]),
         by_request=dict(load["error_requests"]), in_baselines=sum(all_errors.values()) - sum(load["errors"].values()),
         first=[message for part in total.values() for message in part["first_errors"]][:5])
    emit("business_outcomes", sum(load["business"].values()), "count", by_request=dict(load["business"]))
    for kind, values in load["by_kind"].items():
        app_ms = sorted(app_durations.get(kind, ()))
        emit("request_kind", round(percentile(values, 0.95) * 1000, 1), "ms", kind=kind, count=len(values),
             share=round(len(values) / load["count"], 3), p50=round(percentile(values, 0.50) * 1000, 1),
             p99=round(percentile(values, 0.99) * 1000, 1),
             app_p50=rounded(percentile(app_ms, 0.50)) if app_ms else None,
             app_p95=rounded(percentile(app_ms, 0.95)) if app_ms else None,
             single_client_p95=rounded(percentile(one["by_kind"][kind], 0.95) * 1000, 1)
             if kind in one["by_kind"] else None,
             alone_server_cpu_per_request=rounded(alone[kind]["server_cpu_ms"]) if kind in alone else None)
    emit("server_cpu_per_request", rounded(load["server_cpu_ms"], 3), "ms",
         server_cpu_share=rounded(load["server_cpu_share"], 3))
    if engine == "postgresql":  # its server's processes, when it runs on this machine (0 when it does not)
        emit("database_cpu_per_request", rounded(load["database_cpu_ms"], 3), "ms",
             single_client=rounded(one["database_cpu_ms"], 3))
    emit("client_cpu_share", rounded(load["client_cpu_share"], 4), "share",
         client_cpu_per_request=rounded(load["client_cpu_ms"], 3))
    emit("single_client", round(one["rps"], 1), "req/s", p50=round(one["p50"], 1), p95=round(one["p95"], 1),
         requests=one["count"], server_cpu_per_request=rounded(one["server_cpu_ms"], 3))
    emit("hello", round(bare["rps"], 1), "req/s", p50=round(bare["p50"], 2), p95=round(bare["p95"], 2),
         requests=bare["count"], server_cpu_per_request=rounded(bare["server_cpu_ms"], 3),
         client_cpu_share=rounded(bare["client_cpu_share"], 3))
    emit("p95_vs_single_client_ratio", round(load["p95"] / one["p95"], 2), "ratio")
    emit("rps_vs_hello_ratio", round(load["rps"] / bare["rps"], 4), "ratio",
         per_round=[round((m["count"] / m["seconds"]) / (h["count"] / h["seconds"]), 4) if h["count"] else None
                    for m, h in zip(results["mixed"], results["hello"])])
    if load["server_cpu_ms"] and bare["server_cpu_ms"]:
        emit("cpu_vs_hello_ratio", round(bare["server_cpu_ms"] / load["server_cpu_ms"], 4), "ratio")
    log(f"mixed: {load['rps']:.1f} req/s, p50/p95/p99 {load['p50']:.0f}/{load['p95']:.0f}/{load['p99']:.0f} ms, "
        f"errors {dict(load['errors'])}, business {sum(load['business'].values())}; single client p95 "
        f"{one['p95']:.0f} ms; hello {bare['rps']:.0f} req/s ({engine}, {args.workers} {app.worker_class} workers, "
        f"{args.clients} clients)")
    if load["server_cpu_ms"] is not None:
        database = f", the database's {load['database_cpu_ms']:.1f}" if engine == "postgresql" else ""
        log(f"CPU per request of the mixed load: the app's {load['server_cpu_ms']:.1f} ms{database}")
    return 1 if sum(all_errors.values()) else 0


if __name__ == "__main__":
    run_as_command(main, BENCHMARK)
