from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.listings import erasure
from marketplace.db import db
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.listings import services as listings
from marketplace.listings.models import ItemStatus
from marketplace.notifications.models import Notification
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.search import services as search
from marketplace.search.models import SavedSearch
from marketplace.wanted import matching, services
from marketplace.wanted.models import BuyNewReason, NeedOutcome, NeedStatus, NoticeStatus
from tests.factories import category, jpeg_bytes, make_item

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)  # Monday 1 June 2026, 10:00 in Oslo
DAY = timedelta(days=1)


def notice_input(slug="stackable_chair", quantity="24", needed_by=date(2026, 8, 1), **fields):
    values = {"title": "24 elevstoler", "category": category(slug), "quantity": Decimal(quantity),
              "needed_by": needed_by, "description": "Til Nordvik skole"}
    values.update(fields)
    return services.NoticeInput(**values)


def need_input(slug="stackable_chair", quantity="24", needed_by=date(2026, 8, 1), **fields):
    values = {"title": "Elevstoler", "category": category(slug), "quantity": Decimal(quantity),
              "needed_by": needed_by}
    values.update(fields)
    return services.NeedInput(**values)


def matches_for(user):
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "saved_search_match")))


@pytest.fixture
def setup(region, catalogue):
    return region


# --- Notices ---------------------------------------------------------------------------------------------

def test_a_notice_travels_by_the_listing_stages(setup):
    setup.a.network_share_days, setup.a.partner_share_days = 3, 7
    notice = services.post_notice(setup.member_a, notice_input(), now=T0)
    assert notice.unit == setup.school_a and notice.open_until == date(2026, 8, 1)
    assert notice.network_visible_at == T0 + 3 * DAY and notice.partner_visible_at == T0 + 10 * DAY

    def sees(user, when):
        return [n.id for n in services.open_notices(user, when).rows] == [notice.id]

    assert sees(setup.caretaker_a, T0) and not sees(setup.member_b, T0)
    assert sees(setup.member_b, T0 + 3 * DAY) and sees(setup.network_admin, T0 + 3 * DAY)
    assert not sees(setup.partner_user, T0 + 9 * DAY) and sees(setup.partner_user, T0 + 10 * DAY)
    assert not sees(setup.member_c, T0 + 100 * DAY)  # another network, never
    with pytest.raises(NotVisible):
        services.find_visible_notice(setup.member_c, notice.id, T0 + 100 * DAY)


def test_a_matching_item_notifies_the_poster_once_and_invisible_items_never(setup):
    setup.b.network_share_days = 2
    notice = services.post_notice(setup.member_a, notice_input(), now=T0)
    mine = make_item(setup.caretaker_a, "stackable_chair", title="Stablestoler", now=T0 + DAY)
    theirs = make_item(setup.caretaker_b, "stackable_chair", title="Stoler fra B", now=T0 + DAY)
    make_item(setup.caretaker_a, "desk", title="Pult", now=T0 + DAY)  # another category
    make_item(setup.caretaker_a, "stackable_chair", title="Utkast", publish=False, now=T0 + DAY)  # a draft
    make_item(setup.member_c and setup.caretaker_b, "stackable_chair", title="Senere", now=T0 + 10 * DAY)

    search.announce_saved_search_matches(T0 + 2 * DAY)  # B's items are not yet visible to A
    first = matches_for(setup.member_a)
    assert [n.data["item_ids"] for n in first] == [[mine.id]]
    search.announce_saved_search_matches(T0 + 2 * DAY + timedelta(hours=1))
    assert len(matches_for(setup.member_a)) == 1  # nothing new, nothing said

    search.announce_saved_search_matches(T0 + 3 * DAY + timedelta(minutes=1))  # B's chairs reach the network
    later = matches_for(setup.member_a)
    assert len(later) == 2 and later[1].data["item_ids"] == [theirs.id]
    search.announce_saved_search_matches(T0 + 4 * DAY)
    assert len(matches_for(setup.member_a)) == 2  # each item once
    assert not matches_for(setup.member_b) and not matches_for(setup.member_c)  # only the poster hears


def test_an_item_of_another_network_never_notifies(setup):
    services.post_notice(setup.member_a, notice_input(), now=T0)
    c_caretaker = __import__("tests.factories", fromlist=["make_user"]).make_user(
        "caretaker@c.example", __import__("marketplace.accounts.models", fromlist=["Role"]).Role.CARETAKER,
        setup.c, setup.school_c)
    make_item(c_caretaker, "stackable_chair", title="Stoler i C", now=T0 + DAY)
    search.announce_saved_search_matches(T0 + 60 * DAY)
    assert matches_for(setup.member_a) == []


def test_notices_close_when_withdrawn_met_or_past_their_date(setup):
    withdrawn = services.post_notice(setup.member_a, notice_input(), now=T0)
    met = services.post_notice(setup.member_a, notice_input(), now=T0)
    dated = services.post_notice(setup.member_a, notice_input(needed_by=date(2026, 6, 3)), now=T0)
    services.close_notice(setup.member_a, withdrawn, NoticeStatus.WITHDRAWN, now=T0)
    services.close_notice(setup.caretaker_a, met, NoticeStatus.MET, now=T0)
    with pytest.raises(Forbidden):
        services.close_notice(setup.member_b, dated, NoticeStatus.WITHDRAWN, now=T0)
    with pytest.raises(Conflict):
        services.close_notice(setup.member_a, met, NoticeStatus.WITHDRAWN, now=T0)
    assert services.expire_notices(datetime(2026, 6, 3, 21, 0, tzinfo=timezone.utc)) == []  # 23:00 in Oslo
    assert services.expire_notices(datetime(2026, 6, 3, 22, 30, tzinfo=timezone.utc)) == [dated]  # the 4th
    assert (withdrawn.status, met.status, dated.status) == (
        NoticeStatus.WITHDRAWN, NoticeStatus.MET, NoticeStatus.EXPIRED)
    assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 0  # the alerts end too
    assert services.open_notices(setup.member_a, T0).rows == []
    assert services.our_notices(setup.member_a).total == 3


def test_bad_notice_input_is_refused_and_changes_nothing(setup):
    for bad in (notice_input(title=" "), notice_input(quantity="0"), notice_input(quantity="1.5"),
                notice_input(needed_by=date(2026, 5, 1)), notice_input(unit=setup.school_b)):
        with pytest.raises(services.WantedError):
            services.post_notice(setup.member_a, bad, now=T0)
    with pytest.raises(Forbidden):
        services.post_notice(setup.partner_user, notice_input(), now=T0)
    assert services.our_notices(setup.member_a).rows == []


def test_a_caretaker_answers_a_notice_with_an_item_the_poster_can_see(setup):
    setup.b.network_share_days = 0
    notice = services.post_notice(setup.member_a, notice_input(), now=T0)
    chairs = make_item(setup.caretaker_b, "stackable_chair", title="Stoler fra B", now=T0)
    assert [m.item for m in matching.answerable_items(setup.caretaker_b, notice)] == [chairs]
    assert matching.answerable_items(setup.member_b, notice) == []
    services.answer_notice(setup.caretaker_b, notice, chairs.id, now=T0 + DAY)
    services.answer_notice(setup.caretaker_b, notice, chairs.id, now=T0 + DAY)  # twice is once
    told = db.session.scalars(select(Notification).where(Notification.kind == "wanted_answer")).all()
    assert [(n.user_id, n.link) for n in told] == [(setup.member_a.id, f"/items/{chairs.id}")]
    assert [a.item for a in services.answers(notice, setup.member_a, T0 + DAY)] == [chairs]
    with pytest.raises(Forbidden):
        services.answer_notice(setup.member_b, notice, chairs.id, now=T0 + DAY)
    a_chairs = make_item(setup.caretaker_a, "stackable_chair", now=T0)
    with pytest.raises(NotVisible):  # not theirs to offer
        services.answer_notice(setup.caretaker_b, notice, a_chairs.id, now=T0 + DAY)


def test_an_item_not_yet_visible_to_the_poster_cannot_be_offered(setup):
    setup.b.network_share_days = 5
    notice = services.post_notice(setup.member_a, notice_input(), now=T0)
    notice.network_visible_at = T0  # B sees the notice at once, A does not see B's chairs yet
    chairs = make_item(setup.caretaker_b, "stackable_chair", now=T0)
    with pytest.raises(services.WantedError):
        services.answer_notice(setup.caretaker_b, notice, chairs.id, now=T0 + DAY)


# --- Needs -----------------------------------------------------------------------------------------------

@pytest.fixture
def stock(setup):
    setup.b.network_share_days = 0
    setup.a_chairs = make_item(setup.caretaker_a, "stackable_chair", title="Stablestoler A", quantity=Decimal(10),
                               now=T0 - DAY)
    setup.b_chairs = make_item(setup.caretaker_b, "stackable_chair", title="Stablestoler B", quantity=Decimal(30),
                               now=T0 - DAY)
    setup.c_caretaker = __import__("tests.factories", fromlist=["make_user"]).make_user(
        "caretaker@c.example", __import__("marketplace.accounts.models", fromlist=["Role"]).Role.CARETAKER,
        setup.c, setup.school_c)
    make_item(setup.c_caretaker, "stackable_chair", title="Stoler i C", now=T0 - DAY)
    return setup


def test_registering_a_need_searches_everything_visible_and_posts_a_notice_for_the_policy_period(stock):
    stock.a.need_open_days = 10
    need = services.register_need(stock.member_a, need_input(), now=T0)
    assert need.status == NeedStatus.OPEN and need.found_count == 2
    assert {found["title"] for found in need.found} == {"Stablestoler A", "Stablestoler B"}  # not C's
    # The search covered the related categories too (office and pupil chairs can stand in for stackable ones).
    assert need.searched == {"category": ["stackable_chair", "office_chair", "pupil_chair"], "sort": "newest",
                             "per_page": 12}
    assert need.notice.status == NoticeStatus.OPEN and need.notice.open_until == date(2026, 6, 11)
    soon = services.register_need(stock.member_a, need_input(needed_by=date(2026, 6, 5)), now=T0)
    assert soon.notice.open_until == date(2026, 6, 5)  # never beyond the needed-by date
    services.expire_notices(T0 + 11 * DAY)
    assert need.notice.status == NoticeStatus.EXPIRED and need.status == NeedStatus.OPEN  # still to decide


def reserve(user, item, quantity, now=T0 + DAY):
    return reservations.reserve(user, item.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES, now=now)


def test_met_by_reuse_in_full_closes_the_need_and_its_notice(stock):
    need = services.register_need(stock.member_a, need_input(), now=T0)
    first, second = reserve(stock.member_a, stock.a_chairs, 10), reserve(stock.member_a, stock.b_chairs, 14)
    services.record_outcome(stock.member_a, need, reservation_ids=[first.id, second.id], now=T0 + 2 * DAY)
    assert need.outcome == NeedOutcome.REUSED and need.reused_quantity == Decimal(24)
    assert need.status == NeedStatus.CLOSED and need.closed_at == T0 + 2 * DAY and need.buy_new_reason is None
    assert need.notice.status == NoticeStatus.MET and need.reservations == [first, second]
    with pytest.raises(Conflict):
        services.record_outcome(stock.member_a, need, reservation_ids=[], reason="other", reason_text="x")


def test_partly_reused_needs_a_reason_for_the_rest(stock):
    need = services.register_need(stock.member_a, need_input(), now=T0)
    part = reserve(stock.member_a, stock.a_chairs, 10)
    with pytest.raises(services.WantedError) as refused:
        services.record_outcome(stock.member_a, need, reservation_ids=[part.id], now=T0 + 2 * DAY)
    assert "reason" in refused.value.errors and need.status == NeedStatus.OPEN and need.outcome is None
    services.record_outcome(stock.member_a, need, reservation_ids=[part.id], reason="quantity", now=T0 + 2 * DAY)
    assert need.outcome == NeedOutcome.PARTLY_REUSED and need.reused_quantity == Decimal(10)
    assert need.buy_new_reason == BuyNewReason.QUANTITY and need.status == NeedStatus.CLOSED


def test_buying_new_without_a_reason_is_refused_and_other_needs_words(stock):
    need = services.register_need(stock.member_a, need_input(), now=T0)
    for reason, text in (("", ""), ("cheaper", ""), ("other", "  ")):
        with pytest.raises(services.WantedError):
            services.record_outcome(stock.member_a, need, reservation_ids=[], reason=reason, reason_text=text)
    assert need.status == NeedStatus.OPEN and need.outcome is None
    services.record_outcome(stock.member_a, need, reservation_ids=[], reason="other",
                            reason_text="Må være brannklassifisert", now=T0 + 3 * DAY)
    assert need.outcome == NeedOutcome.BOUGHT_NEW and need.buy_new_reason_text == "Må være brannklassifisert"
    assert need.notice.status == NoticeStatus.WITHDRAWN and need.status == NeedStatus.CLOSED


def test_reservations_of_others_cannot_be_claimed(stock):
    need = services.register_need(stock.member_a, need_input(), now=T0)
    other = reserve(stock.member_b, stock.b_chairs, 5)
    with pytest.raises(services.WantedError):
        services.record_outcome(stock.member_a, need, reservation_ids=[other.id], reason="deadline")
    claimed = reserve(stock.member_a, stock.a_chairs, 5)
    second = services.register_need(stock.member_a, need_input(), now=T0)
    services.record_outcome(stock.member_a, need, reservation_ids=[claimed.id], reason="deadline")
    assert claimed not in services.linkable_reservations(second)  # one reservation meets one need


def test_buying_new_waits_for_approval_when_policy_requires_it(stock):
    stock.a.need_approval_required = True
    need = services.register_need(stock.member_a, need_input(), now=T0)
    services.record_outcome(stock.member_a, need, reservation_ids=[], reason="condition", now=T0 + DAY)
    assert need.status == NeedStatus.AWAITING_APPROVAL and need.notice.status == NoticeStatus.OPEN
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "need_awaiting_approval"))
    assert set(told) == {stock.admin_a.id}
    assert services.needs_awaiting_approval(stock.admin_a) == [need]
    assert services.needs_awaiting_approval(stock.caretaker_a) == []
    for not_admin in (stock.member_a, stock.caretaker_a):
        with pytest.raises(Forbidden):
            services.approve_need(not_admin, need, now=T0 + 2 * DAY)
    services.refuse_need(stock.admin_a, need, now=T0 + 2 * DAY)
    assert need.status == NeedStatus.OPEN and need.outcome is None  # look further
    services.record_outcome(stock.member_a, need, reservation_ids=[], reason="deadline", now=T0 + 3 * DAY)
    services.approve_need(stock.admin_a, need, now=T0 + 4 * DAY)
    assert need.status == NeedStatus.CLOSED and need.approved_by_id == stock.admin_a.id
    assert need.approved_at == T0 + 4 * DAY and need.notice.status == NoticeStatus.WITHDRAWN


def test_reuse_in_full_needs_no_approval(stock):
    stock.a.need_approval_required = True
    need = services.register_need(stock.member_a, need_input(quantity="5"), now=T0)
    services.record_outcome(stock.member_a, need, reservation_ids=[reserve(stock.member_a, stock.a_chairs, 5).id])
    assert need.status == NeedStatus.CLOSED


def test_needs_stay_inside_their_municipality(stock):
    need = services.register_need(stock.member_a, need_input(), now=T0)
    assert services.find_need(stock.caretaker_a, need.id) is need
    for outsider in (stock.member_b, stock.network_admin, stock.partner_user):
        with pytest.raises(NotVisible):
            services.find_need(outsider, need.id)
    with pytest.raises(Forbidden):
        services.record_outcome(stock.member_b, need, reservation_ids=[], reason="deadline")


# --- ICT trade-in ----------------------------------------------------------------------------------------

def test_an_ict_need_names_the_returned_device_or_why_none(setup):
    with pytest.raises(services.WantedError) as refused:
        services.register_need(setup.member_a, need_input("laptop", quantity="1"), now=T0)
    assert "returned_asset_tag" in refused.value.errors
    none_back = services.register_need(setup.member_a, need_input("laptop", quantity="1",
                                                                  no_return_reason="Ny stilling"), now=T0)
    assert none_back.returned_item_id is None and none_back.no_return_reason == "Ny stilling"


def test_the_returned_device_is_a_draft_with_erasure_pending_invisible_outside_until_erased(setup):
    need = services.register_need(setup.caretaker_a, need_input("laptop", quantity="1",
                                                                returned_asset_tag="A-1234"), now=T0)
    device = need.returned_item
    assert device.status == ItemStatus.DRAFT and device.asset_tag == "A-1234" and device.needs_erasure
    assert device.municipality == setup.a and device.category.slug == "laptop"
    setup.a.network_share_days = 0
    listings.publish_item(setup.caretaker_a, device, now=T0)
    later = T0 + 30 * DAY
    assert listings.find_visible_item(setup.member_a, device.id, later) is device  # inside: yes
    for outsider in (setup.member_b, setup.network_admin, setup.partner_user, setup.member_c):
        assert listings.find_visible_item(outsider, device.id, later) is None
    erasure.record_erasure(setup.caretaker_a, device, jpeg_bytes(), now=T0 + DAY)
    assert listings.find_visible_item(setup.member_b, device.id, later) is device


def test_a_member_registers_the_need_and_a_caretaker_the_returned_device(setup):
    need = services.register_need(setup.member_a, need_input("laptop", quantity="1", returned_asset_tag="A-9"),
                                  now=T0)
    assert need.returned_item_id is None  # a member lists nothing
    with pytest.raises(Forbidden):
        services.register_returned_device(setup.member_a, need)
    device = services.register_returned_device(setup.caretaker_a, need, now=T0)
    assert need.returned_item_id == device.id and device.status == ItemStatus.DRAFT
    with pytest.raises(Conflict):
        services.register_returned_device(setup.caretaker_a, need)
