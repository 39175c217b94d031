"""Invitations: the whole life of a link, through the services and through the pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts import invitations
from marketplace.accounts.models import Invitation, LoginSession, Membership, Role, User
from marketplace.accounts.services import AccountError, find_user_by_email
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from tests.accounts.test_password_reset import outbox
from tests.conftest import TEST_PASSWORD, fresh, login
from tests.factories import make_user

NEW_PASSWORD = "a long enough new password"


def invite(region, email="ny@a.example", role="caretaker", unit=None, organisation=None, actor=None):
    invitation, token = invitations.invite(actor or region.admin_a, organisation or region.a, email=email,
                                           name="Nina Ny", role=role, unit_id=unit.id if unit else None)
    db.session.commit()
    return invitation, token


def actions():
    return [action for action in db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))]


# --- Services -----------------------------------------------------------------------------------------------

def test_accepting_creates_the_account_with_the_role_and_unit_and_signs_in(region):
    invitation, token = invite(region, unit=region.school_a)
    assert invitation.token_hash != token and token not in str(invitation.token_hash)  # only the hash is kept
    signed = invitations.accept(token, signed_in=None, name="Nina Nymann", password=NEW_PASSWORD)
    db.session.commit()
    user = find_user_by_email("ny@a.example")
    assert signed.user == user and user.name == "Nina Nymann"
    assert user.organisation == region.a and user.unit == region.school_a and user.roles == {Role.CARETAKER}
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)) == 1
    assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id
    assert actions() == ["invitation_sent", "invitation_accepted"]


def test_a_link_works_once(region):
    _invitation, token = invite(region)
    invitations.accept(token, signed_in=None, password=NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(invitations.InvitationGone):
        invitations.accept(token, signed_in=None, password=NEW_PASSWORD)


def test_an_expired_link_changes_nothing(region):
    invitation, token = invite(region)
    later = invitation.expires_at + timedelta(seconds=1)
    with pytest.raises(invitations.InvitationGone):
        invitations.accept(token, signed_in=None, password=NEW_PASSWORD, now=later)
    assert find_user_by_email("ny@a.example") is None and invitation.accepted_at is None
    # Just before the end it still works.
    invitations.accept(token, signed_in=None, password=NEW_PASSWORD, now=invitation.expires_at - timedelta(seconds=1))


def test_the_expiry_is_configurable(region, app):
    app.config["INVITATION_DAYS"] = 2
    invitation, _token = invite(region)
    assert timedelta(days=2) - timedelta(minutes=1) < invitation.expires_at - utcnow() <= timedelta(days=2)


def test_resend_kills_the_old_link_and_revoke_kills_the_new(region):
    invitation, old = invite(region)
    _same, new = invitations.resend(region.admin_a, region.a, invitation.id)
    with pytest.raises(invitations.InvitationGone):
        invitations.invitation_for_token(old)
    assert invitations.invitation_for_token(new) == invitation
    invitations.revoke(region.admin_a, region.a, invitation.id)
    with pytest.raises(invitations.InvitationGone):
        invitations.invitation_for_token(new)
    assert actions() == ["invitation_sent", "invitation_resent", "invitation_revoked"]
    assert all(token not in str(event.details) for event in db.session.scalars(select(AuditEvent))
               for token in (old, new))


def test_an_existing_member_or_a_pending_invitation_is_a_form_error(region):
    with pytest.raises(AccountError):
        invite(region, email="Member@A.example")
    invite(region)
    with pytest.raises(AccountError):
        invite(region)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


@pytest.mark.parametrize("email, role", [("not-an-address", "member"), ("x@a.example", "site_admin"),
                                         ("x@a.example", "network_admin"), ("x@a.example", "boss")])
def test_bad_input_is_refused(region, email, role):
    with pytest.raises(AccountError):
        invite(region, email=email, role=role)


def test_a_unit_of_another_municipality_or_an_archived_one_is_refused(region):
    with pytest.raises(AccountError):
        invite(region, unit=region.school_b)
    region.depot_a.archived_at = utcnow()
    with pytest.raises(AccountError):
        invite(region, unit=region.depot_a)


def test_only_the_organisations_admins_invite(region):
    for actor in (region.member_a, region.caretaker_a, region.network_admin):
        with pytest.raises(Forbidden):
            invite(region, actor=actor)
    with pytest.raises(Forbidden):
        invite(region, organisation=region.b)  # admin of A, not of B
    invite(region, actor=region.site_admin, email="x@a.example")


def test_partner_users_are_invited_by_the_network_admin(region):
    _invitation, token = invite(region, organisation=region.partner, actor=region.network_admin, role="member",
                                email="frivillig@hjelpen.example")
    with pytest.raises(AccountError):  # partners only search and reserve
        invite(region, organisation=region.partner, actor=region.network_admin, role="caretaker")
    with pytest.raises(Forbidden):
        invite(region, organisation=region.partner, email="y@hjelpen.example", role="member")
    invitations.accept(token, signed_in=None, password=NEW_PASSWORD)
    assert find_user_by_email("frivillig@hjelpen.example").organisation == region.partner


def test_an_existing_account_without_organisation_joins_by_signing_in(region):
    loner = make_user("loner@x.example", Role.NETWORK_ADMIN, network=region.vest)
    db.session.commit()
    _invitation, token = invite(region, email="loner@x.example", role="member")
    with pytest.raises(invitations.InvitationRefused):  # not signed in: no second account for the address
        invitations.accept(token, signed_in=None, password=NEW_PASSWORD)
    with pytest.raises(invitations.InvitationRefused):  # the wrong person signed in
        invitations.accept(token, signed_in=region.member_b)
    assert invitations.accept(token, signed_in=loner) is None
    assert loner.organisation == region.a and Role.MEMBER in loner.roles and Role.NETWORK_ADMIN in loner.roles


def test_an_account_of_another_organisation_cannot_take_the_invitation(region):
    _invitation, token = invite(region, email="member@b.example", role="member")
    with pytest.raises(invitations.InvitationRefused):
        invitations.accept(token, signed_in=region.member_b)
    assert region.member_b.organisation == region.b and len(region.member_b.memberships) == 1


# --- Pages --------------------------------------------------------------------------------------------------

def link_path(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return "/" + re.search(r"https?://[^/\s]+/(invitation/\S+)", body).group(1)


def test_invite_by_page_then_accept_by_the_link(client, region, web_app):
    login(client, "admin@a.example")
    page = client.get("/admin/organisations/kommune-a/users/invite")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    sent = client.post("/admin/organisations/kommune-a/users/invite",
                       data={"name": "Nina Ny", "email": "ny@a.example", "role": "member",
                             "unit": str(region.school_a.id)})
    assert sent.status_code == 303
    messages = outbox(web_app)
    assert len(messages) == 1 and "ny@a.example" in messages[0]["To"]
    assert "ny@a.example" in client.get("/admin/organisations/kommune-a/users").get_data(as_text=True)

    invitee = web_app.test_client()
    path = link_path(messages[0])
    assert invitee.get(path).status_code == 200
    mismatch = invitee.post(path, data={"name": "Nina", "new_password": NEW_PASSWORD, "confirm_password": "x"})
    assert mismatch.status_code == 400
    fresh()
    assert find_user_by_email("ny@a.example") is None
    done = invitee.post(path, data={"name": "Nina", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 303
    assert invitee.get("/account/password").status_code == 200  # signed in
    assert invitee.get(path).status_code == 410  # used
    fresh()
    assert find_user_by_email("ny@a.example").unit == region.school_a
    assert login(web_app.test_client(), "ny@a.example", NEW_PASSWORD).status_code == 302


def test_expired_and_revoked_links_answer_410_and_change_nothing(client, region, web_app):
    expired, expired_token = invite(region, email="old@a.example")
    expired.expires_at = utcnow() - timedelta(minutes=1)
    revoked, revoked_token = invite(region, email="gone@a.example")
    invitations.revoke(region.admin_a, region.a, revoked.id)
    db.session.commit()
    for token in (expired_token, revoked_token, "made-up-token"):
        assert client.get(f"/invitation/{token}").status_code == 410
        assert client.post(f"/invitation/{token}", data={"name": "X", "new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD}).status_code == 410
    fresh()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(
        ["old@a.example", "gone@a.example"]))) == 0


def test_someone_else_signed_in_is_refused(client, region):
    _invitation, token = invite(region)
    login(client, "member@b.example")
    assert client.get(f"/invitation/{token}").status_code == 403
    assert client.post(f"/invitation/{token}", data={"name": "X", "new_password": NEW_PASSWORD,
                                                     "confirm_password": NEW_PASSWORD}).status_code == 403
    fresh()
    assert find_user_by_email("ny@a.example") is None
    assert db.session.get(Invitation, _invitation.id).accepted_at is None


def test_an_existing_account_is_asked_to_sign_in_then_joins(client, region):
    make_user("loner@x.example", Role.NETWORK_ADMIN, network=region.vest)
    db.session.commit()
    _invitation, token = invite(region, email="loner@x.example", role="member")
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200 and "/login?next=" in page.get_data(as_text=True)
    assert client.post(f"/invitation/{token}").status_code == 200  # nothing happens before signing in
    login(client, "loner@x.example")
    assert client.post(f"/invitation/{token}").status_code == 303
    fresh()
    assert find_user_by_email("loner@x.example").organisation.slug == "kommune-a"


def test_resend_and_revoke_by_page(client, region, web_app):
    invitation, _token = invite(region)
    other, _ = invite(region, email="b@b.example", organisation=region.b, actor=region.site_admin, role="member")
    login(client, "admin@a.example")
    assert client.post(f"/admin/organisations/kommune-a/invitations/{invitation.id}/resend").status_code == 303
    assert len(outbox(web_app)) == 1
    assert client.post(f"/admin/organisations/kommune-a/invitations/{invitation.id}/revoke").status_code == 303
    assert client.post(f"/admin/organisations/kommune-a/invitations/{invitation.id}/revoke").status_code == 409
    # Another municipality's invitation, through this municipality's address or its own: not found.
    assert client.post(f"/admin/organisations/kommune-a/invitations/{other.id}/revoke").status_code == 404
    assert client.post(f"/admin/organisations/kommune-b/invitations/{other.id}/revoke").status_code == 404
    fresh()
    assert db.session.get(Invitation, other.id).revoked_at is None


def test_inviting_a_member_again_is_a_400_form_error(client, region):
    login(client, "admin@a.example")
    response = client.post("/admin/organisations/kommune-a/users/invite",
                           data={"name": "M", "email": "member@a.example", "role": "member"})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)
    for data in ({"name": "", "email": "x@a.example", "role": "member"},
                 {"name": "X", "email": "x@a.example", "role": "site_admin"},
                 {"name": "X", "email": "x@a.example", "role": "member", "unit": str(region.school_b.id)}):
        assert client.post("/admin/organisations/kommune-a/users/invite", data=data).status_code == 400
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 11


def test_erasure_removes_the_persons_invitations(region):
    from marketplace.accounts.privacy import erase_user, export_personal_data

    _invitation, token = invite(region, role="member")
    invitations.accept(token, signed_in=None, password=NEW_PASSWORD)
    user = find_user_by_email("ny@a.example")
    assert [i["name"] for i in export_personal_data(user, user)["invitations"]] == ["Nina Ny"]
    erase_user(region.admin_a, user)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_invitations_never_taken_up_are_deleted_a_month_after_they_end(region):
    expired, _token = invite(region, email="gone@a.example")
    revoked, _token = invite(region, email="withdrawn@a.example")
    invitations.revoke(region.admin_a, region.a, revoked.id)
    taken, token = invite(region, email="taken@a.example")
    invitations.accept(token, signed_in=None, name="Tatt Inn", password=NEW_PASSWORD)
    resent, _token = invite(region, email="again@a.example")
    db.session.commit()
    month_after = expired.expires_at + timedelta(days=invitations.ENDED_INVITATION_DAYS)
    invitations.resend(region.admin_a, region.a, resent.id, now=month_after - timedelta(days=1))
    assert invitations.purge_ended_invitations(month_after) == 1  # only the revoked one ended a month ago
    assert invitations.purge_ended_invitations(month_after + timedelta(seconds=1)) == 1  # and now the expired
    db.session.commit()
    left = set(db.session.scalars(select(Invitation.email)))
    assert left == {"taken@a.example", "again@a.example"}


def test_the_tick_deletes_invitations_never_taken_up(region, runner):
    old, _token = invite(region, email="old@a.example")
    old.expires_at = utcnow() - timedelta(days=invitations.ENDED_INVITATION_DAYS + 1)
    invite(region, email="new@a.example")
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 invitation(s) never taken up" in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(Invitation.email))) == {"new@a.example"}


@pytest.mark.parametrize("locale, sentence", [
    ("nb", "på Ombruksmarkedet, der kommunale enheter gir videre møbler og utstyr de ikke lenger trenger."),
    ("en", "on Ombruksmarkedet, where municipal units pass on furniture and equipment they no longer need."),
])
def test_the_invitation_mail_reads_as_a_sentence_in_both_languages(region, web_app, locale, sentence):
    """It read "på Ombruksmarkedet, ombruksmarkedet." (issue 18, item 5)."""
    invitation, token = invite(region, email="ny@a.example", role="member")
    db.session.commit()
    invitations.send_invitation(invitation, token, locale)
    message = outbox(web_app)[-1]
    for kind in ("plain", "html"):
        body = " ".join(message.get_body((kind,)).get_content().split())
        assert sentence in body and "ombruksmarkedet." not in body
