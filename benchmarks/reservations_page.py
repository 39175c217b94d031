"""The reservations page as a municipality's history grows: the incoming tab with a short history, then with a
long one (years of finished reservations and a few open ones), through the Flask test client.

Builds the demo's organisations and people, lists one item of Dulten's, and writes reservations of it straight
into the table (the services would take minutes for thousands; the page only reads them): ``--small`` first, then
up to ``--large``, about one in twenty open. For each size it signs in as Dulten's caretaker and requests
``/reservations?view=incoming`` ``--repeat`` times, after ``--warmup`` unmeasured requests. Prints one JSON line
per size (median and p95 wall-clock milliseconds, the SQL statements of one request, the table rows and bytes
of the page) and a last line with the ratios large / small, which is what to compare between commits: a page
that reads a bounded number of rows stays near 1.

    .venv/bin/python benchmarks/reservations_page.py                      # a fresh SQLite database
    .venv/bin/python benchmarks/reservations_page.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/x

With a PostgreSQL URL, a database ``marketplace_bench_reservations`` is created on that server and dropped after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from _harness import (  # (beside this script)
    BenchmarkError,
    drop_postgres,
    log,
    prepare_postgres,
    run_as_command,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CARETAKER = "vaktmester@dulten.example"
REQUESTER = "skole@nordvik.example"
PASSWORD = "ombruk-demo"
ADDRESS = "/reservations?view=incoming"


def make_app(database_url: str, temporary: Path):
    for key in [key for key in os.environ if key.startswith("MARKETPLACE_") or key == "DATABASE_URL"]:
        del os.environ[key]  # nothing from the calling shell leaks into the measurement
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(temporary / "instance")
    from marketplace import create_app

    return create_app({
        "ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "UPLOAD_DIR": str(temporary / "uploads"),
        "MAIL_BACKEND": "outbox", "MAIL_OUTBOX": str(temporary / "outbox"),
    })


def prepare(app) -> int:
    """Migrate, load the demo's people, list the item whose reservations are written; its id."""
    from sqlalchemy import select

    from marketplace.accounts.services import find_user_by_email
    from marketplace.db import db, upgrade, utcnow
    from marketplace.devdata import demo
    from marketplace.impact.services import install_default_factors
    from marketplace.listings import services as listings
    from marketplace.listings.models import Category, Condition

    with app.app_context():
        log("Migrating, loading the demo's organisations and people …")
        upgrade(app.config["DATABASE_URL"])
        install_default_factors()
        demo.load(with_listings=False)
        chairs = db.session.scalar(select(Category).where(Category.slug == "office_chair"))
        item = listings.create_item(find_user_by_email(CARETAKER), listings.ItemInput(
            title="Kontorstoler", category=chairs, condition=Condition.GOOD, quantity=Decimal(10**6)),
            publish=True, now=utcnow() - timedelta(days=30))
        db.session.commit()
        return item.id


def grow(app, item_id: int, already: int, to: int) -> None:
    """Reservations ``already`` .. ``to`` of the item, one a day backwards in time, one in twenty still open."""
    from sqlalchemy import insert, text

    from marketplace.accounts.services import find_user_by_email
    from marketplace.db import db, utcnow
    from marketplace.listings.models import Item
    from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew

    finished = [ReservationStatus.COLLECTED, ReservationStatus.REJECTED, ReservationStatus.CANCELLED,
                ReservationStatus.EXPIRED]
    with app.app_context():
        item = db.session.get(Item, item_id)
        requester = find_user_by_email(REQUESTER)
        now = utcnow()
        rows = [{
            "item_id": item.id, "municipality_id": item.municipality_id, "requester_id": requester.id,
            "requester_organisation_id": requester.organisation.id,
            "requester_unit_id": requester.unit.id if requester.unit else None,
            "status": ReservationStatus.REQUESTED if number % 20 == 0 else finished[number % len(finished)],
            "quantity": Decimal(1), "would_buy_new": WouldBuyNew.YES, "note": "", "reason": "",
            "created_at": now - timedelta(hours=number), "updated_at": now - timedelta(hours=number),
        } for number in range(already, to)]
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(Reservation), rows[start:start + 1000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # The planner's statistics as autovacuum leaves them after such a load: it may not have run yet when
            # the page is measured, and a plan for a table believed nearly empty sorts instead of using an index.
            db.session.execute(text("ANALYZE reservations"))
            db.session.commit()


def measure(app, client, warmup: int, repeat: int) -> dict:
    from sqlalchemy import event

    from marketplace.db import db

    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    for _ in range(warmup):
        client.get(ADDRESS)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(ADDRESS)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {ADDRESS} answered {response.status_code}")
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(ADDRESS).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            "statements": len(statements), "rows": page.count('<th scope="row"><a href="/reservations/'),
            "bytes": len(page.encode())}


def log_in(client) -> None:
    page = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
    form = {"email": CARETAKER, "password": PASSWORD} | ({"csrf_token": token.group(1).decode()} if token else {})
    response = client.post("/login", data=form, headers={"Referer": page.request.url})
    if response.status_code != 302:
        raise BenchmarkError(f"signing in as {CARETAKER} failed: POST /login answered {response.status_code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-reservations-") as directory:
        temporary = Path(directory)
        url = args.database_url
        created = None
        if url.startswith("postgresql"):
            url = created = prepare_postgres(url, "marketplace_bench_reservations")
        elif not url:
            url = f"sqlite:///{temporary / 'bench.db'}"
        try:
            app = make_app(url, temporary)
            item_id = prepare(app)
            client = app.test_client()
            log_in(client)
            results = {}
            previous = 0
            for label, size in (("small", args.small), ("large", args.large)):
                log(f"{size} reservations …")
                grow(app, item_id, previous, size)
                previous = size
                results[label] = measure(app, client, args.warmup, args.repeat)
                print(json.dumps({"benchmark": "reservations_page", "history": size, "engine": url.split(":")[0],
                                  "load": os.getloadavg()[0], **results[label]}), flush=True)
            print(json.dumps({"benchmark": "reservations_page", "ratio": "large/small", **{
                key: round(results["large"][key] / results["small"][key], 2) if results["small"][key] else None
                for key in ("p50_ms", "statements", "rows", "bytes")}}), flush=True)
        finally:
            if created:
                drop_postgres(created)
    return 0


if __name__ == "__main__":
    run_as_command(main, "reservations_page")
