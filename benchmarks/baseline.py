"""Baseline: requests per second and CPU per request of the main signed-in pages, next to a bare Flask "hello" app.

Both apps run under gunicorn with the same settings (2 sync workers by default) on free localhost ports and
are hammered by the same Python load generator, in the same run, in alternating slices (hello, home, search,
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
import html.parser
import http.client
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _harness import (BenchmarkError, drop_postgres, log, prepare_postgres,  # noqa: E402  (beside this script)
                      run_as_command)

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
BENCHMARK = "baseline"
HOST = "127.0.0.1"

SESSION_COOKIE = "ombruk_session"
DEMO_EMAIL = "vaktmester@dulten.example"
DEMO_PASSWORD = "ombruk-demo"
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



# --- servers ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def http_request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None):
    """One request on a fresh connection (for setup and checks, not for load): (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Gunicorn:
    """One gunicorn master with its workers, in a process group of its own."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, workers: int, log_path: Path) -> None:
        self.name, self.app, self.chdir, self.env = name, app, chdir, env
        self.workers, self.log_path = workers, log_path
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 60) -> None:
        self.port = free_port()
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers),
            "--bind", f"{HOST}:{self.port}",
            "--chdir", str(self.chdir),
            "--graceful-timeout", "5",
            "--log-level", "warning",
            self.app,
        ]
        log(f"Starting {self.name}: gunicorn --workers {self.workers} {self.app} on port {self.port}")
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                command, env=self.env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise BenchmarkError(
                    f"{self.name}: gunicorn exited with code {self.process.returncode}.\n{self.log_tail()}"
                )
            try:
                status, _headers, _body = http_request(self.port, "GET", "/")
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchmarkError(
                    f"{self.name}: gunicorn did not answer within {timeout:.0f} s.\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no gunicorn log)"
        return "\n".join(["--- gunicorn log (tail) ---", *text[-lines:], "---"])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # SIGTERM to the master: it stops its workers and exits
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: gunicorn did not stop within 15 s; killing its process group")
        try:  # whatever is left of the group this script started (normally nothing)
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()


# --- logging in ---------------------------------------------------------------------------------------------


class _LoginFormFields(html.parser.HTMLParser):
    """The hidden inputs of the form that posts to /login (not those of, say, the language switcher)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_login_form = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.in_login_form = attributes.get("action", "").split("?")[0].endswith("/login")
        elif tag == "input" and self.in_login_form and attributes.get("type") == "hidden":
            if attributes.get("name"):
                self.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_login_form = False


def _session_cookie(headers) -> str | None:
    for header in headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        if SESSION_COOKIE in cookie:
            return cookie[SESSION_COOKIE].value
    return None


def first_item_path(port: int, cookie: str) -> str:
    """The page of the first item the search page lists."""
    status, _headers, body = http_request(port, "GET", PAGES["search"], headers={"Cookie": cookie})
    found = re.search(rb'href="(/items/[0-9]+)"', body)
    if status != 200 or found is None:
        raise BenchmarkError(f"GET {PAGES['search']} answered {status} without a link to an item")
    return found.group(1).decode()


def log_in(port: int) -> str:
    """Sign in as the demo caretaker; return the Cookie header value that keeps the session."""
    status, headers, body = http_request(port, "GET", "/login")
    if status != 200:
        raise BenchmarkError(f"GET /login answered {status}")
    session = _session_cookie(headers)
    parser = _LoginFormFields()
    parser.feed(body.decode("utf-8", "replace"))
    if session is None or "csrf_token" not in parser.fields:
        raise BenchmarkError("GET /login gave no session cookie or no csrf_token in the login form")
    form = {**parser.fields, "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    status, headers, body = http_request(
        port, "POST", "/login", body=urlencode(form),
        headers={
            "Cookie": f"{SESSION_COOKIE}={session}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    session = _session_cookie(headers)
    if status != 302 or session is None:
        raise BenchmarkError(f"signing in as {DEMO_EMAIL} failed: POST /login answered {status}")
    cookie = f"{SESSION_COOKIE}={session}"
    status, _headers, body = http_request(port, "GET", "/", headers={"Cookie": cookie})
    if status != 200 or DEMO_NAME.encode() not in body:
        raise BenchmarkError(f"after signing in, GET / answered {status} without {DEMO_NAME!r}: not the home")
    return cookie


# --- the load generator -------------------------------------------------------------------------------------


class _ServerClosed(ConnectionError):
    """The server closed the connection before sending anything (an idle keep-alive connection)."""


def _read_response(sock: socket.socket) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response with a Content-Length: (status, body, connection stays open)."""
    data = b""
    while (head_end := data.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                raise _ServerClosed()
            raise ConnectionError("connection closed inside the response headers")
        data += chunk
    status_line, *header_lines = data[:head_end].decode("latin-1").split("\r\n")
    version, status = status_line.split(" ", 2)[:2]
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" not in headers:
        encoding = headers.get("transfer-encoding", "no length")
        raise ConnectionError(f"response without Content-Length ({encoding}): not supported by this client")
    length = int(headers["content-length"])
    body = data[head_end + 4:]
    while len(body) < length:
        chunk = sock.recv(max(65536, length - len(body)))
        if not chunk:
            raise ConnectionError("connection closed inside the response body")
        body += chunk
    keep_open = version == "HTTP/1.1" and headers.get("connection") != "close"
    return int(status), body, keep_open


def _client(port: int, request: bytes, expect: bytes, go, window, results) -> None:
    """One load process: one connection at a time, requests back to back, until the window closes.

    Requests that complete inside [start, end] count; those before are the warm-up. Every response, warm-up
    included, must be 200 and contain ``expect``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl+C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's cleanup handler (inherited through fork)
    stats = {"count": 0, "errors": 0, "first_errors": [], "cpu": 0.0, "connections": 0, "latencies": b""}
    latencies = array("d")
    sock = None
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
            reused = sock is not None
            try:
                if sock is None:
                    sock = socket.create_connection((HOST, port), timeout=30)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    stats["connections"] += 1
                sock.sendall(request)
                status, body, keep_open = _read_response(sock)
            except OSError as error:
                if sock is not None:
                    sock.close()
                sock = None
                if reused and isinstance(error, (_ServerClosed, BrokenPipeError, ConnectionResetError)):
                    continue  # an idle keep-alive connection the server had closed: reconnect and retry
                status, body, keep_open = None, repr(error).encode(), False
            done = time.monotonic()
            if sock is not None and not keep_open:
                sock.close()
                sock = None
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
        if sock is not None:
            sock.close()
        stats["latencies"] = latencies.tobytes()
        results.put(stats)


def _process_cpu_seconds(stat: str) -> float:
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is fields[0], utime [11], stime [12]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU seconds used so far by a gunicorn master and its live workers (Linux /proc), or None elsewhere."""
    total = 0.0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue  # ended meanwhile
        parent = int(stat.rpartition(")")[2].split()[1])
        if int(entry) == master_pid or parent == master_pid:
            total += _process_cpu_seconds(stat)
    return total


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(left)


def hammer(port: int, server_pid: int, path: str, cookie: str | None, expect: str, concurrency: int,
           warmup: float, seconds: float) -> dict:
    """GET ``path`` from ``concurrency`` processes for warm-up + ``seconds``; return the counted results."""
    headers = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept: text/html", "Connection: keep-alive"]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
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


def percentile(sorted_values, fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


# --- databases ----------------------------------------------------------------------------------------------


def run_cli(marketplace: Path, command: str, env: dict) -> None:
    log(f"$ marketplace {command}")
    completed = subprocess.run([str(marketplace), command], env=env, stdin=subprocess.DEVNULL,
                               stdout=sys.stderr, stderr=sys.stderr)
    if completed.returncode:
        raise BenchmarkError(f"`marketplace {command}` failed with code {completed.returncode}")


# --- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10,
                        help="measured seconds per page and for hello (default 10)")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"the pages to measure, comma-separated (default: all of {', '.join(PAGES)})")
    parser.add_argument("--warmup", type=float, default=0.5,
                        help="unmeasured seconds before each slice (default 0.5)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="split each page's seconds into this many slices, taken in turns "
                             "(default 4)")
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


def clean_environment() -> dict:
    """The caller's environment minus MARKETPLACE_* and DATABASE_URL: nothing leaks into the measurement."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith("MARKETPLACE_") and key != "DATABASE_URL"}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    marketplace = Path(sys.executable).with_name("marketplace")
    if not marketplace.exists():
        raise BenchmarkError(f"no `marketplace` command next to {sys.executable}: run with .venv/bin/python")

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

        app_env = clean_environment() | {
            "MARKETPLACE_ENV": "production",
            "MARKETPLACE_SECRET_KEY": secrets.token_urlsafe(48),
            "MARKETPLACE_SECURE_COOKIES": "0",  # plain http on localhost: the cookie must still be sent back
            "MARKETPLACE_DATABASE_URL": database_url,
            "MARKETPLACE_INSTANCE_PATH": str(temporary / "instance"),
            "MARKETPLACE_MAIL_BACKEND": "outbox",  # production demands a mail setting; the home page sends nothing
        }
        run_cli(marketplace, "init", app_env)
        run_cli(marketplace, "demo", app_env)

        app = "wsgi:app" if (ROOT / "wsgi.py").exists() else "marketplace:create_app()"
        home = Gunicorn("marketplace", app, ROOT, app_env, args.workers, temporary / "marketplace.log")
        hello = Gunicorn("hello", "_hello_app:app", BENCHMARKS, clean_environment(), args.workers,
                         temporary / "hello.log")
        for server in (home, hello):
            servers.append(server)
            server.start()
        cookie = log_in(home.port)
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
        path = {"path": "/"} if name == "hello" else {"path": paths[name]}
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
