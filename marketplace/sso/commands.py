"""`marketplace sso`: set up identity providers from the command line (as the site's operator)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.accounts.models import ORGANISATION_ROLES, Role
from marketplace.db import db
from marketplace.organisations.models import Municipality, Unit
from marketplace.sso import services, sign_in

sso_group = AppGroup("sso", help="Sign-in with the work identity: OpenID Connect providers (Entra ID, Feide).")


def _municipality(slug: str) -> Municipality:
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        raise click.UsageError(f"No municipality with the short name {slug!r} (see `marketplace organisations`).")
    return municipality


def _unit(municipality: Municipality, name: str | None) -> Unit | None:
    if not name:
        return None
    unit = next((unit for unit in municipality.units if unit.name == name and unit.archived_at is None), None)
    if unit is None:
        raise click.UsageError(f"{municipality.name} has no unit called {name!r}.")
    return unit


@sso_group.command("add")
@click.option("--municipality", "slugs", multiple=True, required=True,
              help="Short name of a municipality it serves; give it once per municipality, each followed by "
                   "its --domains.")
@click.option("--domains", "domain_lists", multiple=True, required=True,
              help="Comma-separated e-mail domains it may sign in for the --municipality before it.")
@click.option("--name", required=True, help='The login button, e.g. "Logg inn med Feide".')
@click.option("--issuer", required=True, help="Issuer URL, exactly as the provider's discovery document says.")
@click.option("--client-id", required=True)
@click.option("--client-secret", help="Stored encrypted; never shown again.")
@click.option("--client-secret-env", help="Or: the environment variable the server reads the secret from.")
@click.option("--default-role", type=click.Choice([role.value for role in ORGANISATION_ROLES]),
              default=Role.MEMBER.value, show_default=True, help="The role of people created at first sign-in.")
@click.option("--default-unit", help="The unit new people land in (by name, in each municipality).")
@click.option("--scopes", default="openid email profile", show_default=True)
@click.option("--organisation-claim", help="A claim naming the person's organisation (Feide: "
                                           "https://n.feide.no/claims/eduPersonPrincipalName).")
@click.option("--organisation-values", "value_lists", multiple=True,
              help="Comma-separated values of that claim, once per --municipality, in the same order.")
@click.option("--role-claim", help='A claim with groups or app roles (Entra ID: "groups" or "roles").')
@click.option("--role-map", "role_pairs", multiple=True, help="GROUP=ROLE, once per group that gives a role.")
@click.option("--no-password-sign-in", is_flag=True,
              help="People of these domains may sign in only through the provider.")
def add_command(slugs, domain_lists, name, issuer, client_id, client_secret, client_secret_env, default_role,
                default_unit, scopes, organisation_claim, value_lists, role_claim, role_pairs,
                no_password_sign_in) -> None:
    """Set up an identity provider for one or more municipalities."""
    if len(slugs) != len(domain_lists):
        raise click.UsageError("Give --domains once after each --municipality.")
    if value_lists and len(value_lists) != len(slugs):
        raise click.UsageError("Give --organisation-values once per --municipality, or not at all.")
    if bool(client_secret) == bool(client_secret_env):
        raise click.UsageError("Give either --client-secret or --client-secret-env.")
    try:
        served = []
        for index, (slug, domains) in enumerate(zip(slugs, domain_lists)):
            municipality = _municipality(slug)
            served.append(services.Served(
                municipality=municipality, domains=services.parse_domains(domains),
                default_unit=_unit(municipality, default_unit),
                organisation_values=value_lists[index].split(",") if value_lists else []))
        settings = services.ProviderSettings(
            name=name, issuer=issuer, client_id=client_id, client_secret=client_secret,
            client_secret_env=client_secret_env, scopes=scopes, default_role=Role(default_role),
            organisation_claim=organisation_claim, role_claim=role_claim,
            role_map=services.parse_role_map("\n".join(role_pairs)), password_sign_in=not no_password_sign_in,
            served=served)
        provider = services.add_provider(None, settings)
    except services.ProviderError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Identity provider {provider.id} ({provider.name}) is set up for "
               f"{', '.join(entry.municipality.name for entry in provider.municipalities)}.")
    click.echo(f"Register this redirect URI at the provider: {sign_in.redirect_uri()}")


@sso_group.command("list")
def list_command() -> None:
    """The identity providers, their municipalities and domains (never their secrets)."""
    providers = services.providers_for(None)
    if not providers:
        click.echo("No identity providers. Add one with `marketplace sso add`.")
    for provider in providers:
        secret = f"env {provider.client_secret_env}" if provider.client_secret_env else "stored encrypted"
        click.echo(f"{provider.id}\t{provider.name}\t{provider.issuer}\tclient {provider.client_id} ({secret})\t"
                   f"password sign-in {'allowed' if provider.password_sign_in else 'not allowed'}")
        for entry in provider.municipalities:
            domains = ", ".join(row.domain for row in provider.domains if row.municipality_id == entry.municipality_id)
            unit = f", new people in {entry.default_unit.name}" if entry.default_unit else ""
            click.echo(f"\t{entry.municipality.slug}: {domains}{unit}")


@sso_group.command("remove")
@click.argument("provider_id", type=click.IntRange(1))
def remove_command(provider_id) -> None:
    """Remove an identity provider; its people keep their accounts."""
    try:
        provider = services.remove_provider(None, provider_id)
    except services.NotVisible as missing:
        raise click.UsageError(f"No identity provider {provider_id} (see `marketplace sso list`).") from missing
    db.session.commit()
    click.echo(f"Removed identity provider {provider_id} ({provider.name}).")
