"""The `marketplace` command: a Flask CLI group (init, demo, users, and Flask's own run/shell/routes)."""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_babel import force_locale

from marketplace import urls
from marketplace.accounts import invitations, privacy
from marketplace.accounts import services as accounts
from marketplace.accounts.models import ORGANISATION_ROLES, Role
from marketplace.api import services as api_tokens
from marketplace.db import db, head_revision, upgrade, utcnow
from marketplace.errors import Forbidden
from marketplace.impact import services as impact
from marketplace.impact.forms import parse_day
from marketplace.inventory import importing
from marketplace.listings import importer, spreadsheet
from marketplace.listings import services as listings
from marketplace.notifications import services as notifications
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality, PartnerOrganisation, UnitKind
from marketplace.reservations import loans
from marketplace.reservations import services as reservations
from marketplace.search import services as search
from marketplace.site import services as site
from marketplace.sso.commands import sso_group
from marketplace.wanted import services as wanted


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the newest migration. Safe to run again."""
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"Upgrading the database ({db.engine.url.render_as_string(hide_password=True)}) …")
    upgrade(url)
    click.echo(f"The database is at the newest migration ({head_revision()}).")
    impact.install_default_factors(progress=click.echo)
    db.session.commit()


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo region Dulten-regionen (safe to run again) and print the demo logins."""
    from marketplace.devdata import demo

    upgrade(current_app.config["DATABASE_URL"])
    impact.install_default_factors(progress=click.echo)
    logins = demo.load(progress=click.echo)
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (every password: {demo.PASSWORD})")
    width = max(len(login.email) for login in logins)
    role_width = max(len(str(login.role)) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.role!s:<{role_width}}  {login.where}")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Periodic work: expire listings and stale reservations, remind, announce saved-search matches, send
    e-mail (immediate and daily digests), clear abandoned uploads and invitations never taken up.
    Safe to run every few minutes, and on several hosts at once: only one tick runs at a time.
    Each run that finishes is recorded for the system status page."""
    with site.tick_lock() as mine:
        if not mine:
            click.echo("Another `marketplace tick` is running; this one does nothing.")
            return
        _tick()


def _tick() -> None:
    started = time.perf_counter()
    now = utcnow()
    expired = listings.expire_items(now)
    lapsed = reservations.expire_reservations(now)
    reminded = reservations.remind_pending(now) + listings.remind_expiring_items(now) + loans.remind_loans(now)
    discarded = listings.discard_stale_uploads(now)
    closed = wanted.expire_notices(now)  # before the alerts: a closed notice announces nothing more
    announced = search.announce_saved_search_matches(now)
    purged = invitations.purge_ended_invitations(now)
    db.session.commit()
    emailed = notifications.send_pending_email(now)
    removed = listings.remove_unreferenced_files()
    click.echo(f"Expired {len(expired)} listing(s) and {len(lapsed)} reservation(s); sent {reminded} reminder(s); "
               f"closed {len(closed)} wanted notice(s) past their date; "
               f"announced matches for {announced} saved search(es); discarded {discarded} abandoned upload(s); "
               f"removed {removed} unused file(s); deleted {purged} invitation(s) never taken up.")
    failed = f"; {emailed.failed} could not be sent and wait for the next tick" if emailed.failed else ""
    click.echo(f"Sent {emailed.emails} e-mail(s) about {emailed.notifications} notification(s){failed}.")
    site.record_tick(now, time.perf_counter() - started, expired_listings=len(expired),
                     lapsed_reservations=len(lapsed), reminders=reminded, emails=emailed.emails,
                     emails_failed=emailed.failed)
    db.session.commit()


users = AppGroup("users", help="Manage users.")


@users.command("create")
@click.option("--email", required=True, help="E-mail address; also the login.")
@click.option("--name", required=True, help="Full name.")
@click.option("--municipality", "organisation_slug", help="Short name of the municipality or partner organisation.")
@click.option("--unit", "unit_name", help="Name of the user's unit in the municipality.")
@click.option("--network", "network_slug", help="Short name of the network (for network_admin).")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.MEMBER.value, show_default=True)
def create_user_command(email, name, organisation_slug, unit_name, network_slug, role) -> None:
    """Create a user. The password is read from standard input, or asked for at the prompt."""
    role = Role(role)
    organisation = network = unit = None
    if role in ORGANISATION_ROLES:
        if not organisation_slug:
            raise click.UsageError(f"--municipality is needed for the role {role}.")
        organisation = organisations.find_organisation(organisation_slug)
        if organisation is None:
            raise click.UsageError(f"No municipality or organisation with the short name {organisation_slug!r}.")
        if unit_name:
            unit = next((u for u in getattr(organisation, "units", []) if u.name == unit_name), None)
            if unit is None:
                raise click.UsageError(f"{organisation.name} has no unit called {unit_name!r}.")
    if role == Role.NETWORK_ADMIN:
        network = organisations.find_network(network_slug or "")
        if network is None:
            raise click.UsageError("--network with the short name of an existing network is needed for network_admin.")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = accounts.create_user(email=email, name=name, password=password, role=role,
                                    organisation=organisation, unit=unit, network=network)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({role}).")


import_group = AppGroup("import", help="Import data from files.")


@import_group.command("items")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--municipality", "municipality_slug", required=True, help="Short name of the municipality.")
@click.option("--as", "email", help="E-mail of the caretaker or administrator who lists the items (required).")
@click.option("--dry-run", is_flag=True, help="Check every row and report the problems; import nothing.")
@click.option("--publish", is_flag=True, help="Publish the items at once (without it: drafts).")
@click.option("--inventory", is_flag=True, help="Register the items in the inventory (in use; never published).")
def import_items_command(file, municipality_slug, email, dry_run, publish, inventory) -> None:
    """Import listings, or items in use into the inventory, from CSV or Excel: all rows or none. docs/import.md"""
    municipality = organisations.find_municipality(municipality_slug)
    if municipality is None:
        raise click.UsageError(f"No municipality with the short name {municipality_slug!r}.")
    if inventory and publish:
        raise click.UsageError("--inventory and --publish do not go together: the inventory is never published.")
    if not email:
        raise click.UsageError(f"Say who lists the items: --as EMAIL (a caretaker or administrator of "
                               f"{municipality.name}).")
    actor = accounts.find_user_by_email(email)
    if actor is None or not actor.is_active:
        raise click.UsageError(f"No active user with the e-mail {email!r}.")
    path = Path(file)
    with open(path, "rb") as stream:
        data = stream.read(spreadsheet.MAX_FILE_BYTES + 1)
    with force_locale("en"):  # the command speaks English, like the others
        try:
            rows = spreadsheet.parse(data, path.name)
            click.echo(f"{path.name}: {len(rows)} rows to check.")
            run = importing.import_inventory if inventory else partial(importer.import_items, publish=publish)
            report = run(actor, municipality, rows, dry_run=dry_run,
                         progress=lambda done, total: click.echo(f"Checked {done} of {total} rows"))
        except spreadsheet.ImportFileError as error:
            raise click.ClickException(f"{path.name}: {error}") from error
        except Forbidden as error:
            raise click.ClickException(f"{actor.email} may not list items for {municipality.name}: only its "
                                       f"caretakers and administrators may.") from error
    if not report.ok:
        for problem in report.errors:
            column = f"{problem.column}: " if problem.column else ""
            click.echo(f"line {problem.line}: {column}{problem.message}")
        raise click.ClickException(
            f"{len(report.bad_lines)} of {report.rows} rows have problems, so nothing is imported. Correct the "
            f"lines above in the file, then run the command again (with --dry-run to only check).")
    if dry_run:
        click.echo(f"All {report.rows} rows are fine. Nothing is imported (dry run): run again without --dry-run.")
        return
    db.session.commit()
    click.echo(f"Imported {report.created} items into {municipality.name}"
               + ("'s inventory." if inventory else f" as {'published listings' if publish else 'drafts'}."))


@click.command("bench-data")
@click.option("--items", type=click.IntRange(0), default=100_000, show_default=True, help="Items to list.")
@click.option("--municipalities", type=click.IntRange(1), default=50, show_default=True)
@click.option("--network-size", type=click.IntRange(1), default=10, show_default=True,
              help="Municipalities per network.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same region.")
@click.option("--force", is_flag=True, help="Add the region even if the database already has items.")
@with_appcontext
def bench_data_command(items, municipalities, network_size, seed, force) -> None:
    """Generate a large region for benchmarks, in bulk (for an empty benchmark database)."""
    from marketplace.devdata import benchdata

    started = time.perf_counter()
    upgrade(current_app.config["DATABASE_URL"])
    try:
        region = benchdata.generate(items, municipalities, network_size=network_size, seed=seed, force=force,
                                    progress=click.echo)
    except benchdata.BenchDataError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo("Updating the planner statistics …")
    benchdata.analyze()
    click.echo(f"Generated {region.items} items ({region.published} published) in {region.municipalities} "
               f"municipalities, {region.networks} networks, {region.units} units and {region.users} users "
               f"in {time.perf_counter() - started:.1f} s (items and index: {region.seconds:.1f} s).")
    click.echo(f"Logins (password {benchdata.PASSWORD}): e.g. {region.member_emails[0]} (member), "
               f"{region.caretaker_emails[0]} (caretaker).")


def _report_day(_context, _parameter, value: str):
    """A day of the report's period, read as the report page reads it (the same years are allowed)."""
    try:
        return parse_day(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day between 1900 and 2999; write it as YYYY-MM-DD.") from None


@click.command("report")
@click.option("--scope", "scope_text", required=True,
              help="municipality:SLUG, partner:SLUG, network:SLUG, unit:ID or site.")
@click.option("--from", "start", required=True, callback=_report_day, help="First day, YYYY-MM-DD (included).")
@click.option("--to", "end", required=True, callback=_report_day, help="Last day, YYYY-MM-DD (included).")
@click.option("--format", "kind", type=click.Choice(["csv", "json", "xlsx", "ledger-csv"]), default="csv",
              show_default=True, help="ledger-csv: one row per hand-over, as the report page's ledger download.")
@click.option("--bucket", type=click.Choice(["month", "quarter"]), default="month", show_default=True,
              help="Periods of the report over time.")
@click.option("--locale", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of the headings and category names.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file (needed for xlsx unless standard output is redirected).")
@click.option("--as-of", "as_of", type=click.IntRange(1, 2**31 - 1),
              help="The event id of a published report's stamp: leave out what was recorded after it, so the "
                   "published figures come out again.")
@with_appcontext
def report_command(scope_text, start, end, kind, bucket, locale, output, as_of) -> None:
    """The climate report for a scope and period, as CSV, JSON or Excel, with the methods appendix; or its
    ledger, one row per hand-over (ledger-csv)."""
    from marketplace.errors import NotVisible
    from marketplace.impact import document, exports, ledger_export, report

    if end < start:
        raise click.UsageError("--to must be on or after --from.")
    if kind == "ledger-csv" and as_of is not None:
        raise click.UsageError("--as-of makes a published report again; the ledger lists every event as recorded "
                               "(filter its rows by id instead).")
    if kind == "xlsx" and not output and sys.stdout.isatty():
        raise click.UsageError("Excel output is binary: give --output FILE, or redirect standard output to a file.")
    with force_locale(locale):
        try:
            scope = report.resolve_scope(None, scope_text)
        except report.ScopeError as error:
            raise click.UsageError(f"--scope {scope_text!r}: use municipality:SLUG, partner:SLUG, network:SLUG, "
                                   "unit:ID or site.") from error
        except NotVisible as error:
            raise click.UsageError(f"--scope {scope_text!r}: no such municipality, partner, network or unit.") from error
        if kind == "ledger-csv":
            _write_lines(ledger_export.lines(scope, start, end), output)
            body = None
        else:
            data = document.build(report.build(scope, start, end, bucket=bucket, locale=locale, as_of=as_of),
                                  utcnow())
            body = {"csv": exports.to_csv, "json": exports.to_json, "xlsx": exports.to_xlsx}[kind](data)
    if isinstance(body, str):
        body = body if body.endswith("\n") else body + "\n"
        if output:
            # A CSV file gets the byte-order mark, as the download does, so Excel reads æ, ø and å; standard
            # output stays without one, for pipes and scripts (decision 31).
            Path(output).write_text(body, encoding="utf-8-sig" if kind == "csv" else "utf-8")
        else:
            click.echo(body, nl=False)
    elif body is not None and output:
        Path(output).write_bytes(body)
    elif body is not None:
        click.get_binary_stream("stdout").write(body)
    if output:
        click.echo(f"Wrote the climate report for {scope.name}, {start} to {end}, to {output}.", err=True)


def _write_lines(lines, output: str | None) -> None:
    """Text written a piece at a time, as it is made (the ledger of a large network is never held whole)."""
    if output:
        with open(output, "w", encoding="utf-8", newline="") as target:
            target.writelines(lines)
    else:
        for text in lines:
            click.echo(text, nl=False)


@click.command("report-tallies")
@with_appcontext
def report_tallies_command() -> None:
    """Sum the network and site report tallies again from the reuse ledger. The marketplace keeps them up to
    date itself; this is for events loaded in bulk outside it, or to repair them."""
    from marketplace.impact import tallies

    started = time.perf_counter()
    click.echo("Summing the reuse ledger per month for the site and each network …")
    rows = tallies.rebuild_all(progress=click.echo)
    db.session.commit()
    click.echo(f"Wrote {rows} tally rows in {time.perf_counter() - started:.1f} s.")


tokens = AppGroup("tokens", help="Manage personal API tokens.")


@tokens.command("create")
@click.option("--email", required=True, help="E-mail of the user the token acts as (with their permissions).")
@click.option("--name", default="Command line", show_default=True, help="Where the token is used.")
def create_token_command(email, name) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    user = accounts.find_user_by_email(email)
    if user is None or not user.is_active:
        raise click.UsageError(f"No active user with the e-mail {email!r}.")
    with force_locale("en"):
        try:
            created = api_tokens.create_token(user, name)
        except api_tokens.TokenError as error:
            raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created the token {created.token.prefix}… ({created.token.name}) for {user.email}. "
               "It is shown only now:", err=True)
    click.echo(created.secret)


ledger_group = AppGroup("ledger", help="Correct the reuse ledger.")


@ledger_group.command("reverse")
@click.argument("event_id", type=int)
@click.option("--reason", required=True, help="Why the hand-over is undone or corrected.")
@click.option("--by", "email", required=True, help="E-mail of the user who reverses it (with their permissions).")
def reverse_event_command(event_id, reason, email) -> None:
    """Undo a hand-over (within 24 hours, by whoever confirmed it or the owner side) or correct it (an
    administrator of the giving or the receiving side), as the reservation page does."""
    from marketplace.errors import Conflict, NotVisible
    from marketplace.reservations import handover

    user = accounts.find_user_by_email(email)
    if user is None or not user.is_active:
        raise click.UsageError(f"No active user with the e-mail {email!r}.")
    with force_locale("en"):
        try:
            event = handover.find_reuse_event(user, event_id)
            kind = handover.allowed_reversal(user, event)
            reversal = handover.reverse_hand_over(user, event, reason)
        except NotVisible:
            raise click.ClickException(f"No reuse event {event_id} that {user.email} can see.") from None
        except Forbidden:
            raise click.ClickException(f"{user.email} may not reverse reuse event {event_id}: within 24 hours "
                                       "whoever confirmed the hand-over or the owner side may undo it, after "
                                       "that an administrator of either side may correct it.") from None
        except (Conflict, reservations.ReservationError) as error:
            raise click.ClickException(f"Reuse event {event_id}: {error}") from None
    db.session.commit()
    done = "Undid" if kind == "undo" else "Corrected"
    click.echo(f"{done} the hand-over of reuse event {event_id} (reversing event {reversal.id}, counted on "
               f"{reversal.occurred_on.isoformat()}).")


organisations_group = AppGroup("organisations", help="Set up networks, municipalities, partners and units.")


@organisations_group.command("add-network")
@click.argument("slug")
@click.argument("name")
def add_network_command(slug, name) -> None:
    """Create a regional network, e.g. `add-network dulten-regionen Dulten-regionen`."""
    _run_or_explain(lambda: organisations.create_network(slug, name), f"Created the network {slug}.")


@organisations_group.command("add-municipality")
@click.argument("slug")
@click.argument("name")
@click.option("--network", "network_slugs", multiple=True, required=True, help="Network(s) it belongs to.")
@click.option("--org-number", help="The nine-digit organisation number.")
def add_municipality_command(slug, name, network_slugs, org_number) -> None:
    """Create a municipality (a tenant) in one or more networks."""
    networks = _networks(network_slugs)
    _run_or_explain(lambda: organisations.create_organisation(Municipality, slug, name, networks=networks,
                                                              org_number=org_number),
                    f"Created the municipality {slug}.")


@organisations_group.command("add-partner")
@click.argument("slug")
@click.argument("name")
@click.option("--network", "network_slugs", multiple=True, required=True, help="Network(s) it belongs to.")
def add_partner_command(slug, name, network_slugs) -> None:
    """Create a partner organisation (a charity or voluntary group) in one or more networks."""
    networks = _networks(network_slugs)
    _run_or_explain(lambda: organisations.create_organisation(PartnerOrganisation, slug, name, networks=networks),
                    f"Created the partner organisation {slug}.")


@organisations_group.command("add-unit")
@click.argument("municipality_slug")
@click.argument("name")
@click.option("--kind", type=click.Choice([kind.value for kind in UnitKind]), default=UnitKind.OTHER.value,
              show_default=True)
@click.option("--address", help="Street address, shown for pickups.")
def add_unit_command(municipality_slug, name, kind, address) -> None:
    """Create a unit (school, library, depot, office …) of a municipality."""
    municipality = organisations.find_municipality(municipality_slug)
    if municipality is None:
        raise click.UsageError(f"No municipality with the short name {municipality_slug!r}.")
    _run_or_explain(lambda: organisations.create_unit(municipality, name, UnitKind(kind), address),
                    f"Created the unit {name} in {municipality.name}.")


def _networks(slugs) -> list:
    networks = [organisations.find_network(slug) for slug in slugs]
    missing = [slug for slug, network in zip(slugs, networks, strict=True) if network is None]
    if missing:
        raise click.UsageError(f"No network with the short name {', '.join(missing)}: add it first with "
                               f"`marketplace organisations add-network`.")
    return networks


def _run_or_explain(work, done: str) -> None:
    try:
        work()
    except organisations.OrganisationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(done)


@users.command("export")
@click.option("--email", required=True)
def export_user_command(email) -> None:
    """Print what is stored about a person (JSON), for a subject access request."""
    user = _user_or_fail(email)
    click.echo(json.dumps(privacy.export_personal_data(None, user), ensure_ascii=False, indent=2))


@users.command("erase")
@click.option("--email", required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_user_command(email, yes) -> None:
    """Erase a person's personal data for good; the reuse ledger and reports stay whole."""
    user = _user_or_fail(email)
    if not yes:
        click.confirm(f"Erase {user.name} <{user.email}> for good?", abort=True)
    privacy.erase_user(None, user)
    db.session.commit()
    click.echo(f"Erased user {user.id}: name, e-mail, phone, password, sessions, tokens, saved searches, "
               f"waitlist, notifications, their notes and messages; the log keeps what happened, not who.")


def _user_or_fail(email):
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.UsageError(f"No user with the e-mail {email!r}.")
    return user


def init_app(app) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(users)
    app.cli.add_command(organisations_group)
    app.cli.add_command(import_group)
    app.cli.add_command(bench_data_command)
    app.cli.add_command(report_command)
    app.cli.add_command(report_tallies_command)
    app.cli.add_command(tokens)
    app.cli.add_command(ledger_group)
    app.cli.add_command(sso_group)


def main() -> None:
    from marketplace import create_app

    group = FlaskGroup(create_app=create_app, help="Ombruksmarkedet: the reuse marketplace.")
    group.add_command(urls.run_command())  # Flask's `run`, with links to where it serves
    group.main(prog_name="marketplace")
