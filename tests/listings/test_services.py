import errno
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.listings import erasure
from marketplace.accounts import administration
from marketplace.accounts.models import Role
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings import lists, services, visibility
from marketplace.listings.models import Condition, Item, ItemStatus
from tests.factories import item_input, make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def setup(region, catalogue):
    return region


def visible_to(user, now):
    seen = set(db.session.scalars(select(Item.id).where(services.visible_items_clause(user, now))))
    # The clause kept per worker with the moment as a parameter (the home page's) sees exactly the same.
    kept = visibility.kept_clause(visibility.visibility_key(user))
    assert set(db.session.scalars(select(Item.id).where(kept), {"visible_at": now})) == seen
    return seen


def test_create_publish_edit_withdraw(setup):
    item = make_item(setup.caretaker_a, publish=False)
    assert item.status == ItemStatus.DRAFT and item.unit == setup.depot_a  # the caretaker's own unit
    services.publish_item(setup.caretaker_a, item, now=T0)
    assert item.status == ItemStatus.PUBLISHED and item.published_at == T0
    assert item.network_visible_at == T0 + timedelta(days=3)
    assert item.partner_visible_at == T0 + timedelta(days=3 + 14)
    services.update_item(setup.caretaker_a, item, item_input(title="Kontorstoler, svarte", quantity=Decimal(12)))
    assert item.title == "Kontorstoler, svarte" and item.quantity == 12
    services.withdraw_item(setup.caretaker_a, item)
    assert item.status == ItemStatus.WITHDRAWN and item.closed_at is not None
    with pytest.raises(services.TransitionError):
        services.withdraw_item(setup.caretaker_a, item)
    services.publish_item(setup.caretaker_a, item, now=T0 + timedelta(days=10))
    assert item.status == ItemStatus.PUBLISHED and item.closed_at is None


def test_only_drafts_are_deleted(setup):
    draft = make_item(setup.caretaker_a, publish=False)
    published = make_item(setup.caretaker_a)
    with pytest.raises(services.TransitionError):
        services.delete_draft(setup.caretaker_a, published)
    services.delete_draft(setup.caretaker_a, draft)
    assert db.session.get(Item, draft.id) is None


def test_members_and_other_municipalities_cannot_list_or_change(setup):
    with pytest.raises(Forbidden):
        make_item(setup.member_a)
    item = make_item(setup.caretaker_a)
    for outsider in (setup.caretaker_b, setup.member_a, setup.network_admin, setup.partner_user):
        for change in (lambda u: services.withdraw_item(u, item),
                       lambda u: services.update_item(u, item, item_input(title="Hijacked")),
                       lambda u: services.publish_item(u, item)):
            with pytest.raises(Forbidden):
                change(outsider)
    assert item.title == "Kontorstoler, grå" and item.status == ItemStatus.PUBLISHED
    services.withdraw_item(setup.admin_a, item)  # the municipal admin may


def test_find_manageable_item_hides_or_forbids(setup):
    item = make_item(setup.caretaker_a, now=T0)
    with pytest.raises(NotVisible):
        services.find_manageable_item(setup.member_c, item.id)
    with pytest.raises(Forbidden):
        services.find_manageable_item(setup.caretaker_b, item.id)  # visible in the network now, but not theirs


@pytest.mark.parametrize("fields, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 141}, "title"),
    ({"quantity": Decimal("0")}, "quantity"),
    ({"quantity": Decimal("-3")}, "quantity"),
    ({"quantity": Decimal("2.5")}, "quantity"),  # chairs come in whole pieces
    ({"quantity": Decimal("10000001")}, "quantity"),
    ({"available_from": date(2026, 9, 10), "advertise_until": date(2026, 9, 1)}, "advertise_until"),
    ({"kgco2e_new": Decimal("-1"), "figures_source": "EPD"}, "kgco2e_new"),
    ({"kgco2e_new": Decimal("55")}, "figures_source"),
])
def test_validation_errors_name_their_field_and_change_nothing(setup, fields, field):
    with pytest.raises(services.ListingError) as error:
        make_item(setup.caretaker_a, **fields)
    assert field in error.value.errors
    assert db.session.scalar(select(Item.id)) is None


def test_unit_must_belong_to_the_municipality(setup):
    with pytest.raises(services.ListingError) as error:
        make_item(setup.caretaker_a, unit=setup.school_b)
    assert "unit" in error.value.errors


def test_decimal_quantities_for_mass_categories(setup):
    item = make_item(setup.caretaker_a, slug="other_furniture", quantity=Decimal("12.5"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Item, item.id).quantity == Decimal("12.500")
    sand = make_item(setup.caretaker_a, slug="grit_sand", quantity=Decimal("3.125"))
    assert sand.quantity == Decimal("3.125")
    with pytest.raises(services.ListingError):
        make_item(setup.caretaker_a, slug="grit_sand", quantity=Decimal("1.0005"))


def test_publishing_with_an_end_date_in_the_past_is_refused(setup):
    item = make_item(setup.caretaker_a, publish=False, advertise_until=date(2026, 8, 1))
    with pytest.raises(services.ListingError):
        services.publish_item(setup.caretaker_a, item, now=T0)
    assert item.status == ItemStatus.DRAFT


def test_a_refused_publication_stores_no_draft(setup):
    """The form keeps what the user typed and answers 400; the refused item must not linger as a draft."""
    before = db.session.scalar(select(func.count()).select_from(Item))
    with pytest.raises(services.ListingError) as refused:
        make_item(setup.caretaker_a, publish=True, advertise_until=date(2026, 8, 1), now=T0)
    assert "advertise_until" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Item)) == before


def test_a_refused_publication_on_saving_changes_nothing(setup):
    item = make_item(setup.caretaker_a, publish=False)
    with pytest.raises(services.ListingError) as refused:
        services.update_item(setup.caretaker_a, item, item_input(title="Nytt navn", advertise_until=date(2026, 8, 1)),
                             publish=True, now=T0)
    assert "advertise_until" in refused.value.errors
    assert (item.title, item.advertise_until, item.status) == ("Kontorstoler, grå", None, ItemStatus.DRAFT)
    services.update_item(setup.caretaker_a, item, item_input(title="Nytt navn"), publish=True, now=T0)
    assert (item.title, item.status) == ("Nytt navn", ItemStatus.PUBLISHED)


def test_expiry_uses_the_norwegian_date(setup):
    item = make_item(setup.caretaker_a, advertise_until=date(2026, 9, 30), now=T0)
    # 23:30 UTC on 30 September is already 1 October in Oslo (summer time, UTC+2).
    assert services.expire_items(datetime(2026, 9, 30, 21, 0, tzinfo=timezone.utc)) == []
    assert services.expire_items(datetime(2026, 9, 30, 23, 30, tzinfo=timezone.utc)) == [item]
    assert item.status == ItemStatus.EXPIRED
    assert services.expire_items(datetime(2026, 10, 5, tzinfo=timezone.utc)) == []  # once only


def test_visibility_matrix(setup):
    item = make_item(setup.caretaker_a, now=T0)
    draft = make_item(setup.caretaker_a, publish=False)
    db.session.commit()
    before_network = T0 + timedelta(days=1)
    after_network = T0 + timedelta(days=3, minutes=1)
    after_partner = T0 + timedelta(days=17, minutes=1)
    expectations = [
        # user, moment, sees item, sees draft
        (setup.caretaker_a, before_network, True, True),
        (setup.member_a, before_network, True, False),
        (setup.admin_a, before_network, True, True),
        (setup.member_b, before_network, False, False),
        (setup.member_b, after_network, True, False),
        (setup.caretaker_b, after_network, True, False),
        (setup.network_admin, before_network, False, False),
        (setup.network_admin, after_network, True, False),
        (setup.partner_user, after_network, False, False),
        (setup.partner_user, after_partner, True, False),
        (setup.member_c, after_partner, False, False),  # another network
        (setup.site_admin, before_network, True, True),
    ]
    for user, moment, sees_item, sees_draft in expectations:
        seen = visible_to(user, moment)
        assert (item.id in seen, draft.id in seen) == (sees_item, sees_draft), (user.email, moment)


def test_the_sql_kept_per_worker_follows_each_request_s_roles_and_networks(setup):
    """The visibility SQL is kept per worker by what a person may see (``visibility_plan``), never by who they
    are: a role taken away or a network left shows at once, and two people with the same rights share one."""
    colleague = make_user("caretaker2@a.example", Role.CARETAKER, setup.a)
    item = make_item(setup.caretaker_a, now=T0)
    draft = make_item(colleague, publish=False)  # a member sees their own drafts: this one is the colleague's
    db.session.commit()
    later = T0 + timedelta(days=3, minutes=1)
    assert {item.id, draft.id} <= visible_to(setup.caretaker_a, later)
    assert visibility.visibility_plan(colleague) == visibility.visibility_plan(setup.caretaker_a)
    administration.change_membership(setup.admin_a, setup.a, setup.caretaker_a.id, role=Role.MEMBER.value,
                                     unit_id=None)
    db.session.commit()
    assert item.id in visible_to(setup.caretaker_a, later) and draft.id not in visible_to(setup.caretaker_a, later)
    assert item.id in visible_to(setup.member_b, later)
    setup.vest.organisations.remove(setup.b)
    db.session.commit()
    assert item.id not in visible_to(setup.member_b, later)


def test_anonymous_sees_nothing(setup):
    from flask_login import AnonymousUserMixin

    make_item(setup.caretaker_a, now=T0)
    assert visible_to(AnonymousUserMixin(), T0 + timedelta(days=100)) == set()


def test_partners_switched_off_never_see(setup):
    setup.a.partner_share_days = None
    item = make_item(setup.caretaker_a, now=T0)
    assert item.partner_visible_at is None
    assert item.id not in visible_to(setup.partner_user, T0 + timedelta(days=365))


def test_zero_share_days_means_at_once(setup):
    setup.a.network_share_days = 0
    setup.a.partner_share_days = 0
    item = make_item(setup.caretaker_a, now=T0)
    assert item.id in visible_to(setup.member_b, T0) and item.id in visible_to(setup.partner_user, T0)


def test_withdrawn_and_expired_items_leave_the_market(setup):
    item = make_item(setup.caretaker_a, now=T0)
    later = T0 + timedelta(days=20)
    services.withdraw_item(setup.caretaker_a, item)
    assert item.id not in visible_to(setup.member_b, later)
    assert item.id not in visible_to(setup.member_a, later)
    assert item.id in visible_to(setup.caretaker_a, later)  # history stays with those who handle it


def test_ict_without_erasure_stays_home(setup, tmp_path):
    laptop = make_item(setup.caretaker_a, slug="laptop", quantity=Decimal(5), now=T0)
    keyboard = make_item(setup.caretaker_a, slug="keyboard", quantity=Decimal(5), now=T0)
    later = T0 + timedelta(days=30)
    assert laptop.id in visible_to(setup.member_a, later)
    assert laptop.id not in visible_to(setup.member_b, later)
    assert laptop.id not in visible_to(setup.partner_user, later)
    assert laptop.id not in visible_to(setup.network_admin, later)
    assert keyboard.id in visible_to(setup.member_b, later)  # holds no data
    erasure.record_erasure(setup.caretaker_a, laptop, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", now=T0)
    assert laptop.id in visible_to(setup.member_b, later)
    stages = visibility.visibility_stages(laptop, later)
    assert [stage.reached for stage in stages] == [True, True, True]


def test_erasure_needs_a_real_certificate(setup):
    laptop = make_item(setup.caretaker_a, slug="laptop", quantity=Decimal(1), now=T0)
    for bad in (None, b"", b"<html>not a certificate</html>", b"%PDF-1.4 truncated"):
        with pytest.raises(services.ListingError):
            erasure.record_erasure(setup.caretaker_a, laptop, bad)
    assert laptop.erasure_recorded_at is None
    with pytest.raises(Forbidden):
        erasure.record_erasure(setup.caretaker_b, laptop, b"%PDF-1.4\n%%EOF")


def test_a_full_upload_directory_leaves_the_erasure_unrecorded(setup, app, monkeypatch):
    laptop = make_item(setup.caretaker_a, slug="laptop", quantity=Decimal(1), now=T0)

    def disk_full(target, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(erasure, "write_atomically", disk_full)
    with pytest.raises(services.ListingError) as caught:
        erasure.record_erasure(setup.caretaker_a, laptop, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    assert list(caught.value.errors) == ["certificate"]
    assert laptop.erasure_recorded_at is None and laptop.erasure_certificate is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "certificates").exists()


def test_visibility_stages_for_the_owner(setup):
    item = make_item(setup.caretaker_a, now=T0)
    stages = visibility.visibility_stages(item, T0 + timedelta(days=4))
    assert [(s.audience, s.reached) for s in stages] == [("municipality", True), ("network", True),
                                                         ("partners", False)]
    assert stages[2].visible_from == T0 + timedelta(days=17)


def test_recent_items_for_the_home_page(setup):
    mine = make_item(setup.caretaker_a, now=T0)
    theirs = make_item(setup.caretaker_b, title="Pulter", now=T0)
    db.session.commit()
    assert [card.id for card in lists.recent_items(setup.member_a)] == [theirs.id, mine.id]  # newest id first
    assert [card.id for card in lists.recent_items(setup.member_c)] == []


def test_caretaker_without_unit_lists_without_unit(setup):
    caretaker = make_user("nounit@a.example", Role.CARETAKER, setup.a)
    item = make_item(caretaker, condition=Condition.WORN)
    assert item.unit is None and item.condition == Condition.WORN
