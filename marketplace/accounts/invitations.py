"""Invitations: an organisation's admin invites a person by e-mail; the one-time link lets them set their
name and password (or, with an account already, join with it) and signs them in. Functions flush, never commit.

The link carries a random token; the database keeps only its hash (as for login sessions), so a stolen
database opens no invitation. A link dies when it expires, is used, revoked, or resent (a new token).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from marketplace import mail, urls
from marketplace.accounts import administration, services
from marketplace.accounts.models import Invitation, Membership, User
from marketplace.accounts.permissions import can_manage_users
from marketplace.accounts.services import AccountError, SignIn, normalise_email, token_hash
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.organisations.models import Organisation


class InvitationGone(AccountError):
    """The link is unknown, expired, used or revoked (answered 410)."""


class InvitationRefused(AccountError):
    """The link is good, but not for the account signed in, or that account cannot take it (answered 403)."""


def _new_token(invitation: Invitation, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now + timedelta(days=current_app.config["INVITATION_DAYS"])
    return token


def invite(actor: User, organisation: Organisation, *, email: str, name: str, role: str, unit_id: int | None,
           address: str | None = None, now: datetime | None = None) -> tuple[Invitation, str]:
    """Invite ``email`` to ``organisation``; returns the invitation and its token (for the e-mail only)."""
    if not can_manage_users(actor, organisation):
        raise Forbidden
    email = normalise_email(email)
    if "@" not in email.strip("@") or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError(_("Give a valid e-mail address."))
    name = " ".join(name.split())
    if not name:
        raise AccountError(_("A name is needed."))
    parsed_role, unit = administration.check_role_and_unit(organisation, role, unit_id)
    if db.session.scalar(select(Membership.id).join(Membership.user).where(
            Membership.organisation_id == organisation.id, User.email == email)) is not None:
        raise AccountError(_("%(email)s is already a member of %(organisation)s.", email=email,
                             organisation=organisation.name))
    if db.session.scalar(select(Invitation.id).where(*_pending(organisation, email))) is not None:
        raise AccountError(_("%(email)s is already invited. Send the invitation again from the list instead.",
                             email=email))
    now = now or utcnow()
    invitation = Invitation(organisation=organisation, email=email, name=name, role=parsed_role, unit=unit,
                            invited_by=actor, created_at=now)
    token = _new_token(invitation, now)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation_sent", actor=actor, address=address, municipality_id=organisation.id,
                 invitation_id=invitation.id, role=parsed_role.value)
    return invitation, token


def _pending(organisation: Organisation, email: str | None = None) -> list:
    conditions = [Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None),
                  Invitation.revoked_at.is_(None)]
    if email is not None:
        conditions.append(Invitation.email == email)
    return conditions


def pending_invitations(actor: User, organisation: Organisation) -> list[Invitation]:
    """Invitations not used or revoked yet (expired ones too: the admin may send them again)."""
    if not can_manage_users(actor, organisation):
        raise Forbidden
    return list(db.session.scalars(select(Invitation).where(*_pending(organisation))
                                   .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def _pending_for_admin(actor: User, organisation: Organisation, invitation_id: int) -> Invitation:
    if not can_manage_users(actor, organisation):
        raise Forbidden
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotVisible
    if not invitation.pending:
        raise Conflict(_("The invitation is already used or revoked."))
    return invitation


def resend(actor: User, organisation: Organisation, invitation_id: int, address: str | None = None,
           now: datetime | None = None) -> tuple[Invitation, str]:
    """A new link with a new expiry; the old link stops working."""
    invitation = _pending_for_admin(actor, organisation, invitation_id)
    token = _new_token(invitation, now or utcnow())
    db.session.flush()
    audit.record("invitation_resent", actor=actor, address=address, municipality_id=organisation.id,
                 invitation_id=invitation.id)
    return invitation, token


def revoke(actor: User, organisation: Organisation, invitation_id: int, address: str | None = None) -> None:
    invitation = _pending_for_admin(actor, organisation, invitation_id)
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record("invitation_revoked", actor=actor, address=address, municipality_id=organisation.id,
                 invitation_id=invitation.id)


# An invitation never taken up names someone without an account; after this long past its end (expiry or
# revocation) nobody needs it, so the tick deletes it. A taken-up one stays as the record of who let the person in.
ENDED_INVITATION_DAYS = 30


def purge_ended_invitations(now: datetime | None = None) -> int:
    """Delete invitations never taken up that expired or were revoked ENDED_INVITATION_DAYS ago or more."""
    cutoff = (now or utcnow()) - timedelta(days=ENDED_INVITATION_DAYS)
    result = db.session.execute(delete(Invitation).where(
        Invitation.accepted_at.is_(None), or_(Invitation.expires_at < cutoff, Invitation.revoked_at < cutoff)))
    return result.rowcount


def send_invitation(invitation: Invitation, token: str, locale: str) -> None:
    """E-mail the link (after the invitation is committed, so the link works when it arrives). A failure
    is logged; the admin sees the invitation in the list and can send it again."""
    with force_locale(locale):
        message = mail.build_message(
            to_name=invitation.name, to_address=invitation.email,
            subject=_("Invitation to %(organisation)s", organisation=invitation.organisation.name),
            template="accounts/email/invitation", locale=locale, invitation=invitation,
            inviter=invitation.invited_by.name if invitation.invited_by else None,
            link=urls.absolute_url(f"/invitation/{token}"), days=current_app.config["INVITATION_DAYS"],
        )
    sender = mail.transport()
    try:
        sender.send(message)
    except mail.MailError:
        current_app.logger.exception("The invitation e-mail for invitation %s could not be sent", invitation.id)
    finally:
        sender.close()


def invitation_for_token(token: str, now: datetime | None = None) -> Invitation:
    """The invitation behind a link, if it still works."""
    invitation = None
    if token and len(token) <= 100:
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if invitation is None or not invitation.pending or invitation.expires_at <= (now or utcnow()):
        raise InvitationGone(_("This invitation link does not work any more. It may have expired, been used "
                               "already or been withdrawn. Ask the person who invited you for a new one."))
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    """The account that already has the invited address, if any: it joins by signing in, not by a new one."""
    return services.find_user_by_email(invitation.email)


def check_taker(invitation: Invitation, signed_in: User | None) -> User | None:
    """Refuse (InvitationRefused) unless the invitation may be taken up by ``signed_in`` (None: nobody is
    signed in, so a new account is made). Returns the existing account for the address, if any."""
    account = existing_account(invitation)
    if signed_in is not None and (account is None or signed_in.id != account.id):
        raise InvitationRefused(_("This invitation is for %(email)s, but you are signed in as someone else. "
                                  "Sign out and open the link again.", email=invitation.email))
    if account is not None and (account.organisation_membership is not None or not account.active):
        raise InvitationRefused(_("The account %(email)s already belongs to an organisation. Ask the person "
                                  "who invited you to change its membership instead.", email=invitation.email))
    return account


def accept(token: str, *, signed_in: User | None, name: str = "", password: str = "", address: str | None = None,
           now: datetime | None = None) -> SignIn | None:
    """Take up an invitation. Without an account for the address: create it with ``name`` and ``password``
    and sign in (the returned SignIn). With one: ``signed_in`` must be that account, and it gets the
    membership (returns None: already signed in). Anything else refuses and changes nothing."""
    invitation = invitation_for_token(token, now)
    account = check_taker(invitation, signed_in)
    unit = invitation.unit if invitation.unit is not None and invitation.unit.archived_at is None else None
    if account is None:
        if refusal := services.password_refusal(invitation.email):
            raise services.AccountError(refusal)  # the person signs in through the provider instead
        user = services.create_user(email=invitation.email, name=name or invitation.name, password=password,
                                    role=invitation.role, organisation=invitation.organisation, unit=unit)
        sign_in = SignIn(user=user, token=services.start_login_session(user))
        user.last_login_at = utcnow()
    elif signed_in is None:
        raise InvitationRefused(_("An account with the address %(email)s exists already. Sign in with it, then "
                                  "open the link again.", email=invitation.email))
    else:
        user = account
        services.add_membership(user, invitation.role, organisation=invitation.organisation, unit=unit)
        sign_in = None
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    db.session.flush()
    audit.record("invitation_accepted", actor=user, address=address, municipality_id=invitation.organisation_id,
                 invitation_id=invitation.id)
    return sign_in
