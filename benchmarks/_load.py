"""What the benchmarks that put HTTP load on gunicorn share (baseline.py, drill.py, load.py): the demo database
under a production configuration, gunicorn servers on free localhost ports, signing in with the form's CSRF
token, API tokens, a keep-alive HTTP/1.1 client for load processes, CPU time from /proc, and percentiles."""

from __future__ import annotations

import html.parser
import http.client
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _harness import BenchmarkError, log  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
HOST = "127.0.0.1"
SESSION_COOKIE = "ombruk_session"
DEMO_PASSWORD = "ombruk-demo"


# --- the app and its database -------------------------------------------------------------------------------


def clean_environment() -> dict:
    """The caller's environment minus MARKETPLACE_* and DATABASE_URL: nothing leaks into the measurement."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith("MARKETPLACE_") and key != "DATABASE_URL"}


def production_environment(database_url: str, temporary: Path, **settings: str) -> dict:
    """The app's environment: production, a fresh secret key, plain http on localhost, mail to the outbox."""
    return clean_environment() | {
        "MARKETPLACE_ENV": "production",
        "MARKETPLACE_SECRET_KEY": secrets.token_urlsafe(48),
        "MARKETPLACE_SECURE_COOKIES": "0",  # plain http on localhost: the cookie must still be sent back
        "MARKETPLACE_DATABASE_URL": database_url,
        "MARKETPLACE_INSTANCE_PATH": str(temporary / "instance"),
        "MARKETPLACE_MAIL_BACKEND": "outbox",  # production demands a mail setting
    } | settings


def marketplace_command() -> Path:
    marketplace = Path(sys.executable).with_name("marketplace")
    if not marketplace.exists():
        raise BenchmarkError(f"no `marketplace` command next to {sys.executable}: run with .venv/bin/python")
    return marketplace


def run_cli(marketplace: Path, command: str, env: dict) -> None:
    log(f"$ marketplace {command}")
    completed = subprocess.run([str(marketplace), command], env=env, stdin=subprocess.DEVNULL,
                               stdout=sys.stderr, stderr=sys.stderr)
    if completed.returncode:
        raise BenchmarkError(f"`marketplace {command}` failed with code {completed.returncode}")


def make_tokens(marketplace: Path, env: dict, emails, name: str) -> dict[str, str]:
    """An API token for each e-mail (`marketplace tokens create`, as docs/api.md shows), made side by side."""
    running = {email: subprocess.Popen([str(marketplace), "tokens", "create", "--email", email, "--name", name],
                                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
               for email in dict.fromkeys(emails)}
    tokens = {}
    for email, process in running.items():
        out, err = process.communicate()
        if process.returncode:
            raise BenchmarkError(f"`marketplace tokens create --email {email}` failed: {err.strip()}")
        tokens[email] = out.strip().splitlines()[-1]
    return tokens


# --- servers ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def http_request(port: int, method: str, path: str, headers: dict | None = None, body: str | bytes | None = None):
    """One request on a fresh connection (for setup and checks, not for load): (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Gunicorn:
    """One gunicorn master with its workers, in a process group of its own. ``threads`` above 1 selects
    gunicorn's gthread workers (which keep connections alive); otherwise its default sync workers."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, workers: int, log_path: Path,
                 threads: int = 1) -> None:
        self.name, self.app, self.chdir, self.env = name, app, chdir, env
        self.workers, self.threads, self.log_path = workers, threads, log_path
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 60) -> None:
        self.port = free_port()
        threads = ["--worker-class", "gthread", "--threads", str(self.threads)] if self.threads > 1 else []
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers), *threads,
            "--bind", f"{HOST}:{self.port}",
            "--chdir", str(self.chdir),
            "--graceful-timeout", "5",
            "--log-level", "warning",
            self.app,
        ]
        log(f"Starting {self.name}: gunicorn --workers {self.workers} {' '.join(threads)} {self.app} "
            f"on port {self.port}")
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


# --- signing in ---------------------------------------------------------------------------------------------


class HiddenFields(html.parser.HTMLParser):
    """The hidden inputs of the first form that posts to a path ending with ``action`` (not, say, those of the
    language switcher)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.in_form = self.done = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done:
            self.in_form = attributes.get("action", "").split("?")[0].endswith(self.action)
        elif tag == "input" and self.in_form and attributes.get("type") == "hidden":
            if attributes.get("name"):
                self.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.done = self.done or self.in_form
            self.in_form = False


def hidden_fields(page: bytes, action: str) -> dict[str, str]:
    parser = HiddenFields(action)
    parser.feed(page.decode("utf-8", "replace"))
    return parser.fields


def session_cookie(headers) -> str | None:
    for header in headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        if SESSION_COOKIE in cookie:
            return cookie[SESSION_COOKIE].value
    return None


def log_in(port: int, email: str, name: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the login form; return the Cookie header value that keeps the session. The home page
    must then greet the user by ``name`` (a welcome or login page would not)."""
    status, headers, body = http_request(port, "GET", "/login")
    if status != 200:
        raise BenchmarkError(f"GET /login answered {status}")
    session = session_cookie(headers)
    fields = hidden_fields(body, "/login")
    if session is None or "csrf_token" not in fields:
        raise BenchmarkError("GET /login gave no session cookie or no csrf_token in the login form")
    form = {**fields, "email": email, "password": password}
    status, headers, body = http_request(
        port, "POST", "/login", body=urlencode(form),
        headers={"Cookie": f"{SESSION_COOKIE}={session}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    session = session_cookie(headers)
    if status != 302 or session is None:
        raise BenchmarkError(f"signing in as {email} failed: POST /login answered {status}")
    cookie = f"{SESSION_COOKIE}={session}"
    status, headers, body = http_request(port, "GET", "/", headers={"Cookie": cookie})
    if status != 200 or name.encode() not in body:
        raise BenchmarkError(f"after signing in, GET / answered {status} without {name!r}: not the home")
    # The first page after signing in stores the form token in the session, as a browser then keeps it; sending
    # the older cookie would make every later page mint and sign a token anew, which no browser costs us.
    refreshed = session_cookie(headers)
    return f"{SESSION_COOKIE}={refreshed}" if refreshed else cookie


# --- the load processes' client -----------------------------------------------------------------------------


class ServerClosed(ConnectionError):
    """The server closed the connection before sending anything (an idle keep-alive connection)."""


def read_response(sock: socket.socket) -> tuple[int, dict, bytes, bool]:
    """Read one HTTP/1.1 response with a Content-Length: (status, headers, body, connection stays open)."""
    data = b""
    while (head_end := data.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                raise ServerClosed()
            raise ConnectionError("connection closed inside the response headers")
        data += chunk
    status_line, *header_lines = data[:head_end].decode("latin-1").split("\r\n")
    version, status = status_line.split(" ", 2)[:2]
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
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
    keep_open = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    return int(status), headers, body, keep_open


def raw_request(method: str, path: str, port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: keep-alive",
             *(f"{name}: {value}" for name, value in headers.items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class KeepAlive:
    """One connection at a time to the server, kept open as long as the server allows (gunicorn's sync
    workers close it after each response, so every request then includes a TCP connect)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.connections = 0

    def send(self, request: bytes) -> tuple[int, dict, bytes]:
        """Send a whole request, read the whole answer; raises OSError when there is none."""
        while True:
            reused = self.sock is not None
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((HOST, self.port), timeout=30)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.connections += 1
                self.sock.sendall(request)
                status, headers, body, keep_open = read_response(self.sock)
            except OSError as error:
                self.close()
                if reused and isinstance(error, (ServerClosed, BrokenPipeError, ConnectionResetError)):
                    continue  # an idle keep-alive connection the server had closed: reconnect and retry
                raise
            if not keep_open:
                self.close()
            return status, headers, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


# --- CPU time and percentiles -------------------------------------------------------------------------------


def _stat_cpu_seconds(stat: str) -> float:
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is fields[0], utime [11], stime [12]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_cpu_seconds(pids) -> float | None:
    """CPU seconds used so far by these processes (Linux /proc); None where /proc cannot tell."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as file:
                total += _stat_cpu_seconds(file.read())
        except OSError:
            return None
    return total


def _process_stats() -> list[str] | None:
    """The ``stat`` line of every live process (Linux /proc), or None where /proc cannot tell."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    stats = []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    stats.append(file.read())
            except OSError:
                continue  # ended meanwhile
    return stats


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU seconds used so far by a gunicorn master and its live workers (Linux /proc), or None elsewhere."""
    stats = _process_stats()
    if stats is None:
        return None
    return sum(_stat_cpu_seconds(stat) for stat in stats
               if master_pid in (int(stat.partition(" ")[0]), int(stat.rpartition(")")[2].split()[1])))


def database_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's live processes on this machine (Linux /proc), or None
    where /proc cannot tell: the database's part of the load when it runs beside the app, as on CI. A process
    that ends in between takes its seconds with it; the app's pooled connections stay for the whole window."""
    stats = _process_stats()
    if stats is None:
        return None
    return sum(_stat_cpu_seconds(stat) for stat in stats if stat.partition("(")[2].startswith("postgres)"))


def percentile(sorted_values, fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence: the smallest value with at least ``fraction`` of
    the values at or below it (the 95th of 100 values for 0.95)."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(fraction * len(sorted_values) - 1e-9)  # 0.95 * 100 may come out as 95.00000000000001
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]
