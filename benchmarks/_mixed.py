"""The mixed load of load.py: what each kind of request sends and which answers count as served, refused for a
business reason, or failed; client processes that send a weighted mix for a measured window; and the app's own
time per kind of request, read back from its request log."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import signal
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from _load import (KeepAlive, database_cpu_seconds, processes_cpu_seconds, raw_request,  # noqa: E402
                   server_cpu_seconds)

# Searches as people make them: words, facets, a municipality, everything newest first.
PAGE_SEARCHES = ("q=stol", "q=pult&condition=good", "group=furniture", "category=bookshelf", "q=skap&available=1",
                 "municipality=nordvik&sort=newest", "", "q=prosjektor", "group=ict&condition=good&condition=as_new")
API_SEARCHES = ("", "q=stol", "q=pult", "group=furniture", "category=bookshelf", "q=skap&condition=good")
# What a client may be asked to send (--mix), and every kind of request it records (a reservation is cancelled
# by a request of its own).
MIX_KINDS = ("home", "search", "item", "reservations", "api_items", "api_item", "reserve_api", "reserve_web", "hello")
KINDS = (*MIX_KINDS[:7], "cancel_api", "reserve_web", "cancel_web", "hello")
MAX_ERRORS_PER_CLIENT = 50
RESERVATION_PAGE = re.compile(rb"/reservations/(\d+)$")


def parse_mix(text: str) -> dict[str, int]:
    """``home=10,search=15,…`` as weights; an unknown kind or a weight that is not a whole number is refused."""
    mix = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        kind, _, weight = part.partition("=")
        if kind not in MIX_KINDS or not weight.isdigit():
            raise ValueError(f"--mix: {part!r} is not KIND=WEIGHT with KIND one of {', '.join(MIX_KINDS)}")
        mix[kind] = int(weight)
    if not any(mix.values()):
        raise ValueError("--mix: give at least one kind a weight above 0")
    return mix


@dataclass
class Slice:
    """Who sends what to which server: each client process gets a list of signed-in identities (and picks one
    for each request) and sends the mix."""

    name: str
    server: object  # a _load.Gunicorn (its port and the master's pid)
    clients: list[list[dict]]
    mix: dict[str, int]
    think: float = 0.0  # mean seconds a client waits between two requests (exponentially distributed)


def outcome_of(status: int | None, served: int, refused: tuple[int, ...] = ()) -> str:
    if status is None:
        return "connection"
    if status >= 500:
        return f"status_{status}"
    if status == served:
        return "ok"
    return "business" if status in refused else f"unexpected_{status}"


class _Client:
    """The loop of one load process; keeps what it saw for the parent."""

    def __init__(self, port: int, identities: list[dict], mix: dict[str, int], label: str, seed: int) -> None:
        self.port, self.identities, self.label = port, identities, label.replace("_", "-")
        self.kinds, self.weights = list(mix), list(mix.values())
        self.rng = random.Random(seed)
        self.connection = KeepAlive(port)
        self.start_at = self.end_at = 0.0
        self.sequence = 0
        self.latencies = {kind: array("d") for kind in KINDS}
        self.errors, self.business, self.error_requests = Counter(), Counter(), Counter()
        self.first_errors: list[str] = []

    def send(self, kind: str, method: str, path: str, identity: dict, *, api: bool = False, form: dict | None = None,
             body: dict | None = None):
        headers = {"Accept": "application/json" if api else "text/html"}
        if api:
            headers["Authorization"] = f"Bearer {identity['token']}"
        elif identity:
            headers["Cookie"] = identity["cookie"]
        content = b""
        if form is not None:
            content = urlencode({"csrf_token": identity["csrf"], **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        begin = time.monotonic()
        self.sequence += 1
        # Names the request in the app's log line, so that its own time per kind can be read back afterwards.
        phase = "m" if begin >= self.start_at else "w"
        headers["X-Request-ID"] = f"{self.label}.{kind.replace('_', '-')}.{self.sequence}.{phase}"
        try:
            status, response_headers, answer = self.connection.send(raw_request(method, path, self.port, headers,
                                                                                content))
        except OSError as error:
            status, response_headers, answer = None, {}, repr(error).encode()
        return begin, time.monotonic(), status, response_headers, answer

    def record(self, kind: str, begin: float, done: float, outcome: str, answer: bytes) -> None:
        if outcome in ("ok", "business"):
            if self.start_at <= done <= self.end_at:
                self.latencies[kind].append(done - begin)
                if outcome == "business":
                    self.business[kind] += 1
            return
        self.errors[outcome] += 1
        self.error_requests[kind] += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(f"{kind}: {outcome}: {answer[:200]!r}")

    def get(self, kind: str, path: str, identity: dict, *, api: bool = False, expect: bytes = b"") -> None:
        begin, done, status, _headers, answer = self.send(kind, "GET", path, identity, api=api)
        outcome = outcome_of(status, 200)
        if outcome == "ok" and expect not in answer:
            outcome = "unexpected_page"
        self.record(kind, begin, done, outcome, answer)

    def reserve_api(self, identity: dict) -> None:
        item = self.rng.choice(identity["reservable"])
        begin, done, status, _headers, answer = self.send(
            "reserve_api", "POST", f"/api/v1/items/{item}/reservations", identity, api=True,
            body={"quantity": "1", "would_buy_new": "unknown"})
        outcome = outcome_of(status, 201, refused=(409, 422))  # another client holds the last unit
        self.record("reserve_api", begin, done, outcome, answer)
        if outcome == "ok":
            reservation = json.loads(answer)["id"]
            begin, done, status, _headers, answer = self.send(
                "cancel_api", "POST", f"/api/v1/reservations/{reservation}/cancel", identity, api=True,
                body={"reason": "load"})
            self.record("cancel_api", begin, done, outcome_of(status, 200), answer)

    def reserve_web(self, identity: dict) -> None:
        item = self.rng.choice(identity["reservable"])
        begin, done, status, headers, answer = self.send(
            "reserve_web", "POST", f"/items/{item}/reserve", identity, form={"quantity": "1",
                                                                           "would_buy_new": "unknown"})
        outcome = outcome_of(status, 303)
        reservation = RESERVATION_PAGE.search(headers.get("location", "").encode())
        if outcome == "ok" and reservation is None:  # sent back to the item: not enough left, or a form error
            outcome = "business" if f"/items/{item}" in headers.get("location", "") else "unexpected_redirect"
        self.record("reserve_web", begin, done, outcome, answer or headers.get("location", "").encode())
        if reservation is not None:
            begin, done, status, headers, answer = self.send(
                "cancel_web", "POST", f"/reservations/{int(reservation.group(1))}/cancel", identity, form={})
            self.record("cancel_web", begin, done, outcome_of(status, 303), answer)

    def one(self) -> None:
        identity = self.rng.choice(self.identities)
        kind = self.rng.choices(self.kinds, weights=self.weights)[0]
        if kind == "home":
            self.get(kind, "/", identity, expect=identity["name"].encode())
        elif kind == "search":
            self.get(kind, f"/items?{self.rng.choice(PAGE_SEARCHES)}", identity)
        elif kind == "item":
            self.get(kind, f"/items/{self.rng.choice(identity['items'])}", identity)
        elif kind == "reservations":
            self.get(kind, "/reservations", identity)
        elif kind == "api_items":
            self.get(kind, f"/api/v1/items?{self.rng.choice(API_SEARCHES)}", identity, api=True)
        elif kind == "api_item":
            self.get(kind, f"/api/v1/items/{self.rng.choice(identity['items'])}", identity, api=True)
        elif kind == "reserve_api":
            self.reserve_api(identity)
        elif kind == "reserve_web":
            self.reserve_web(identity)
        else:
            self.get(kind, "/", identity, expect=b"Hello, World!")

    def report(self) -> dict:
        return {"latencies": {kind: values.tobytes() for kind, values in self.latencies.items() if values},
                "errors": self.errors, "business": self.business, "error_requests": self.error_requests,
                "first_errors": self.first_errors, "connections": self.connection.connections}


def _run_client(port, identities, mix, think, label, seed, go, stop, window, results) -> None:
    """A load process: the mix, request after request, until the parent says stop (it reads the processes' CPU
    time at the window's end first). Answers completed inside the window count."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl+C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's cleanup handler (inherited through fork)
    client = _Client(port, identities, mix, label, seed)
    try:
        go.wait()
        client.start_at, client.end_at = window[0], window[1]
        while not stop.is_set() and time.monotonic() < client.end_at + 60:  # a lost parent must not leave us
            client.one()
            if sum(client.errors.values()) >= MAX_ERRORS_PER_CLIENT:
                break
            if think:
                stop.wait(client.rng.expovariate(1 / think))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which fails loudly
        client.errors["load_process_failed"] += 1
        client.first_errors.append(f"load process failed: {error!r}")
    finally:
        client.connection.close()
        results.put(client.report())


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(left)


def run_slice(chosen: Slice, warmup: float, seconds: float) -> dict:
    """Send the slice's mix from its clients for ``warmup`` + ``seconds``; what was counted in the window."""
    context = multiprocessing.get_context("fork")
    go, stop, window, results = context.Event(), context.Event(), context.Array("d", 2), context.Queue()
    processes = [context.Process(target=_run_client, daemon=True,
                                 args=(chosen.server.port, identities, chosen.mix, chosen.think, f"{chosen.name}.{index}",
                                       hash((chosen.name, index, time.time())), go, stop, window, results))
                 for index, identities in enumerate(chosen.clients)]
    try:
        for process in processes:
            process.start()
        pids = [process.pid for process in processes]
        now = time.monotonic()
        window[0], window[1] = now + warmup, now + warmup + seconds
        go.set()
        _sleep_until(window[0])
        load_average = os.getloadavg()[0]
        server_start, client_start = server_cpu_seconds(chosen.server.pid), processes_cpu_seconds(pids)
        database_start = database_cpu_seconds()
        _sleep_until(window[1])
        server_end, client_end = server_cpu_seconds(chosen.server.pid), processes_cpu_seconds(pids)
        database_end = database_cpu_seconds()
        stop.set()
        reports = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=10)
    finally:
        stop.set()
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    latencies: dict[str, list[float]] = {}
    for report in reports:
        for kind, values in report["latencies"].items():
            unpacked = array("d")
            unpacked.frombytes(values)
            latencies.setdefault(kind, []).extend(unpacked)
    return {
        "seconds": seconds, "latencies": latencies, "count": sum(len(values) for values in latencies.values()),
        "errors": sum((report["errors"] for report in reports), Counter()),
        "business": sum((report["business"] for report in reports), Counter()),
        "error_requests": sum((report["error_requests"] for report in reports), Counter()),
        "first_errors": [message for report in reports for message in report["first_errors"]],
        "connections": sum(report["connections"] for report in reports),
        "server_cpu": None if server_start is None else server_end - server_start,
        "client_cpu": None if None in (client_start, client_end) else client_end - client_start,
        "database_cpu": None if None in (database_start, database_end) else database_end - database_start,
        "load_average": round(load_average, 2),
    }


def server_log_durations(path: Path, slice_name: str) -> dict[str, list[float]]:
    """The app's own time (``duration_ms`` of its request log lines: from the request's first hook to the
    answer, without the wait for a free worker) of the measured requests of a slice, by kind."""
    durations: dict[str, list[float]] = {}
    label = slice_name.replace("_", "-")
    prefix = f"{label}."
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("{") or prefix not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        parts = str(entry.get("request_id", "")).split(".")
        if entry.get("logger") == "marketplace.requests" and len(parts) == 5 and parts[0] == label \
                and parts[4] == "m" and entry.get("duration_ms") is not None:
            durations.setdefault(parts[2].replace("-", "_"), []).append(float(entry["duration_ms"]))
    return durations
