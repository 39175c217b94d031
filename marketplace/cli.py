"""The `marketplace` command: a Flask CLI group (init, demo, users, and Flask's own run/shell/routes)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from marketplace.accounts import services as accounts
from marketplace.accounts.models import ORGANISATION_ROLES, Role
from marketplace.db import db, head_revision, upgrade, utcnow
from marketplace.impact import services as impact
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the newest migration. Safe to run again."""
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

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
    from marketplace import demo

    upgrade(current_app.config["DATABASE_URL"])
    impact.install_default_factors(progress=click.echo)
    logins = demo.load(progress=click.echo)
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (every password: {demo.PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.role:<16} {login.where}")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Periodic work: expire listings, clear abandoned uploads. Safe to run every few minutes."""
    now = utcnow()
    expired = listings.expire_items(now)
    discarded = listings.discard_stale_uploads(now)
    db.session.commit()
    removed = listings.remove_unreferenced_files()
    click.echo(f"Expired {len(expired)} listing(s); discarded {discarded} abandoned upload(s); "
               f"removed {removed} unused file(s).")


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


def init_app(app) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(users)


def main() -> None:
    from marketplace import create_app

    FlaskGroup(create_app=create_app, help="Ombruksmarkedet: the reuse marketplace.").main(prog_name="marketplace")
