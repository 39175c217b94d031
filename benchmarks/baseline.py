"""Baseline: requests per second and CPU per request of the main signed-in pages, next to a bare Flask "hello" app.

Both apps run under gunicorn with the same settings (2 sync workers by default) on free localhost ports and
are hammered by the same Python load generator, in the same run, in slices taken in turns (hello, home, search,
item, reservations, report, then the next round starting one later) so that drifting background load hits all
alike. Prints one JSON line per measure to stdout;
progress goes to stderr. Everything it starts (gunicorn, load processes, a temporary directory, a PostgreSQL
database) is stopped or removed again, also when it fails.

    .venv/bin/python benchmarks/baseline.py                       # fresh SQLite database in a temp dir
    .venv/bin/python benchmarks/baseline.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL, a dedicated database ``marketplace_bench`` is created on that server (through its
``postgres`` database) and dropped afterwards; ``--reuse-database`` loads the demo into the given database
instead (the demo load is idempotent). A SQLite URL given on the command line is used as it is.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import tempfile
import time
from array import array
from pathlib import Path

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)
from _load import (BENCHMARKS, ROOT, Gunicorn, KeepAlive, clean_environment, http_request, log_in,  # noqa: E402
                   marketplace_command, percentile, production_environment, raw_request, run_cli,
                   server_cpu_seconds)

BENCHMARK = "baseline"
DEMO_EMAIL = "vaktmester@dulten.example"
DEMO_NAME = "Kari Nilsen"
HELLO_TEXT = "Hello, World!"
PG_BENCH_DATABASE = "marketplace_bench"
MAX_ERRORS_PER_CLIENT = 50
# The main pages a signed-in caretaker opens all day. Each must show the signed-in name (the header does), so a
# login page or an error page is never measured as a page. The item is the first one the search lists.
PAGES = {
    "home": "/",
    "search": "/items?q=stol",
    "item": None,
    "reservations": "/reservations",
    "report": "/report",
}


# --- the load generator -------------------------------------------------------------------------------------


def _client(port: int, request: bytes, expect: bytes, go, window, results) -> None:
    """One load process: one connection at a time, requests back to back, until the window closes.

    Requests that complete inside [start, end] count; those before are the warm-up. Every response, warm-up
    included, must be 200 and contain ``expect``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl+C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's cleanup handler (inherited through fork)
    stats = {"count": 0, "errors": 0, "first_errors": [], "cpu": 0.0, "connections": 0, "latencies": b""}
    latencies = array("d")
    connection = KeepAlive(port)
    try:
        go.wait()
        start_at, end_at = window[0], window[1]
        cpu_start = None
        while True:
            begin = time.monotonic()
            if begin >= end_at:
                break
            if cpu_start is None and begin >= start_at:
                cpu_start = time.process_time()
            try:
                status, _headers, body = connection.send(request)
            except OSError as error:
                status, body = None, repr(error).encode()
            done = time.monotonic()
            if status == 200 and expect in body:
                if start_at <= done <= end_at:
                    stats["count"] += 1
                    latencies.append(done - begin)
            else:
                stats["errors"] += 1
                if len(stats["first_errors"]) < 3:
                    stats["first_errors"].append(f"status {status}: {body[:200]!r}")
                if stats["errors"] >= MAX_ERRORS_PER_CLIENT:
                    break
        if cpu_start is not None:
            stats["cpu"] = time.process_time() - cpu_start
    except Exception as error:  # noqa: BLE001 - reported to the parent, which fails loudly
        stats["errors"] += 1
        stats["first_errors"].append(f"load process failed: {error!r}")
    finally:
        connection.close()
        stats["connections"] = connection.connections
        stats["latencies"] = latencies.tobytes()
        results.put(stats)


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(left)


def hammer(port: int, server_pid: int, path: str, cookie: str | None, expect: str, concurrency: int,
           warmup: float, seconds: float) -> dict:
    """GET ``path`` from ``concurrency`` processes for warm-up + ``seconds``; return the counted results."""
    request = raw_request("GET", path, port, {"Accept": "text/html", **({"Cookie": cookie} if cookie else {})})
    context = multiprocessing.get_context()
    go, window, results = context.Event(), context.Array("d", 2), context.Queue()
    processes = [
        context.Process(target=_client, args=(port, request, expect.encode(), go, window, results),
                        daemon=True)
        for _ in range(concurrency)
    ]
    try:
        for process in processes:
            process.start()
        now = time.monotonic()
        window[0], window[1] = now + warmup, now + warmup + seconds
        go.set()
        _sleep_until(window[0])
        server_cpu_start = server_cpu_seconds(server_pid)
        _sleep_until(window[1])
        server_cpu_end = server_cpu_seconds(server_pid)
        collected = [results.get(timeout=warmup + seconds + 60) for _ in processes]
        for process in processes:
            process.join(timeout=10)
    except Exception as error:
        raise BenchmarkError(f"the load processes did not report back: {error!r}") from error
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    errors = sum(stats["errors"] for stats in collected)
    if errors:
        details = "\n  ".join(message for stats in collected for message in stats["first_errors"])
        raise BenchmarkError(f"{errors} failed or unexpected responses from GET {path}:\n  {details}")
    latencies = array("d")
    for stats in collected:
        latencies.frombytes(stats["latencies"])
    return {
        "count": sum(stats["count"] for stats in collected),
        "seconds": seconds,
        "cpu": sum(stats["cpu"] for stats in collected),
        "server_cpu": None if server_cpu_start is None else server_cpu_end - server_cpu_start,
        "connections": sum(stats["connections"] for stats in collected),
        "latencies": latencies,
    }


# --- main ---------------------------------------------------------------------------------------------------


def first_item_path(port: int, cookie: str) -> str:
    """The page of the first item the search page lists."""
    status, _headers, body = http_request(port, "GET", PAGES["search"], headers={"Cookie": cookie})
    found = re.search(rb'href="(/items/[0-9]+)"', body)
    if status != 200 or found is None:
        raise BenchmarkError(f"GET {PAGES['search']} answered {status} without a link to an item")
    return found.group(1).decode()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10,
                        help="measured seconds per page and for hello (default 10)")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"the pages to measure, comma-separated (default: all of {', '.join(PAGES)})")
    parser.add_argument("--warmup", type=float, default=0.5,
                        help="unmeasured seconds before each slice (default 0.5)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="split each page's seconds into this many slices, taken in turns (default 4)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="load processes, one connection each (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app (default 2)")
    parser.add_argument("--database-url", help="default: a fresh SQLite database in a temporary directory")
    parser.add_argument("--reuse-database", action="store_true",
                        help="load the demo into the PostgreSQL database of --database-url instead of "
                             f"creating and dropping {PG_BENCH_DATABASE!r}")
    args = parser.parse_args(argv)
    args.pages = [name.strip() for name in args.pages.split(",") if name.strip()]
    if not args.pages or any(name not in PAGES for name in args.pages):
        parser.error(f"--pages takes names from: {', '.join(PAGES)}")
    if args.seconds <= 0 or args.warmup < 0 or args.rounds < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds, --rounds, --concurrency and --workers must be positive, "
                     "--warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    marketplace = marketplace_command()

    temporary = Path(tempfile.mkdtemp(prefix="ombruk-bench-"))
    servers: list[Gunicorn] = []
    dropped_database = None
    try:
        if args.database_url is None:
            database_url = f"sqlite:///{temporary / 'marketplace.db'}"
        elif args.database_url.startswith(("postgresql", "postgres:")) and not args.reuse_database:
            database_url = prepare_postgres(args.database_url, PG_BENCH_DATABASE)
            dropped_database = database_url
        else:
            database_url = args.database_url
        engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"

        app_env = production_environment(database_url, temporary)
        run_cli(marketplace, "init", app_env)
        run_cli(marketplace, "demo", app_env)

        app = "wsgi:app" if (ROOT / "wsgi.py").exists() else "marketplace:create_app()"
        home = Gunicorn("marketplace", app, ROOT, app_env, args.workers, temporary / "marketplace.log")
        hello = Gunicorn("hello", "_hello_app:app", BENCHMARKS, clean_environment(), args.workers,
                         temporary / "hello.log")
        for server in (home, hello):
            servers.append(server)
            server.start()
        cookie = log_in(home.port, DEMO_EMAIL, DEMO_NAME)
        log(f"Signed in as {DEMO_EMAIL}")
        paths = {name: PAGES[name] or first_item_path(home.port, cookie) for name in args.pages}

        names = ["hello", *args.pages]
        load_average = round(os.getloadavg()[0], 2)
        slice_seconds = args.seconds / args.rounds
        results: dict[str, list[dict]] = {name: [] for name in names}
        for round_index in range(args.rounds):
            start = round_index % len(names)  # each round starts one later: no page always follows the same one
            for name in names[start:] + names[:start]:
                server, cookie_header, path, expect = \
                    (hello, None, "/", HELLO_TEXT) if name == "hello" else (home, cookie, paths[name], DEMO_NAME)
                outcome = hammer(server.port, server.pid, path, cookie_header, expect, args.concurrency,
                                 args.warmup, slice_seconds)
                rate = outcome["count"] / slice_seconds
                log(f"  round {round_index + 1}/{args.rounds} {name:<12}: {rate:8.1f} req/s")
                results[name].append(outcome)
    finally:
        for server in servers:
            server.stop()
        if dropped_database:
            drop_postgres(dropped_database)
        shutil.rmtree(temporary, ignore_errors=True)

    common = {
        "engine": engine,
        "workers": args.workers,
        "worker_class": "sync",
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "client": "python",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        # The 1-minute load average when measuring began: well above the CPU count, expect noisy figures.
        "load_average": load_average,
    }

    def emit(measure: str, value: float, unit: str, **extra) -> None:
        line = {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra, **common}
        print(json.dumps(line), flush=True)

    rps, cpu_per_request = {}, {}
    for name in names:
        outcomes = results[name]
        count = sum(outcome["count"] for outcome in outcomes)
        seconds = sum(outcome["seconds"] for outcome in outcomes)
        client_cpu = sum(outcome["cpu"] for outcome in outcomes)
        latencies = sorted(value for outcome in outcomes for value in outcome["latencies"])
        rps[name] = count / seconds
        path = {"path": "/" if name == "hello" else paths[name]}
        emit(f"{name}_rps", round(rps[name], 1), "req/s", requests=count,
             client_cpu_share=round(client_cpu / (seconds * (os.cpu_count() or 1)), 3), **path)
        for label, fraction in (("p50", 0.50), ("p95", 0.95)):
            emit(f"{name}_latency_{label}", round(percentile(latencies, fraction) * 1000, 2), "ms", **path)
        if count and all(outcome["server_cpu"] is not None for outcome in outcomes):
            cpu_per_request[name] = sum(outcome["server_cpu"] for outcome in outcomes) / count
            emit(f"{name}_server_cpu_per_request", round(cpu_per_request[name] * 1000, 3), "ms", **path)
    for name in args.pages:
        per_round = [round(page["count"] / hello["count"], 4) if hello["count"] else None
                     for page, hello in zip(results[name], results["hello"])]
        emit(f"{name}_vs_hello_ratio", round(rps[name] / rps["hello"], 4), "ratio", per_round=per_round,
             path=paths[name])
        if name in cpu_per_request and "hello" in cpu_per_request and cpu_per_request[name] > 0:
            # The same comparison by server CPU time per request: less sensitive to other load on the machine.
            emit(f"{name}_vs_hello_cpu_ratio", round(cpu_per_request["hello"] / cpu_per_request[name], 4), "ratio",
                 path=paths[name])
        log(f"{name:<12} {rps[name]:8.1f} req/s, ratio {rps[name] / rps['hello']:.3f}"
            + (f", CPU {cpu_per_request[name] * 1000:.2f} ms, CPU ratio "
               f"{cpu_per_request['hello'] / cpu_per_request[name]:.3f}" if name in cpu_per_request else ""))
    log(f"hello {rps['hello']:.1f} req/s ({engine}, {args.workers} workers, concurrency {args.concurrency})")
    return 0


if __name__ == "__main__":
    run_as_command(main, "baseline")
