"""A wanted notice is answered by items of its category first, then of related categories (a pupil desk with chair
for pupil chairs), then of its group, each marked as such; what the poster may not see stays hidden."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.listings.categories import RELATED_CATEGORIES, related_slugs
from marketplace.listings.models import Category
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.search.models import SavedSearch
from marketplace.wanted import matching, services
from marketplace.wanted.matching import MatchKind
from tests.conftest import fresh, login
from tests.factories import category, make_item, make_user

LONG_AGO = utcnow() - timedelta(days=10)


def notice_input(slug="pupil_chair", **fields):
    values = {"title": "24 elevstoler", "category": category(slug), "quantity": Decimal(24)}
    values.update(fields)
    return services.NoticeInput(**values)


@pytest.fixture
def stock(region, catalogue):
    """B shares with the network at once; C is in another network. Pupil chairs, a desk-and-chair set, a sofa."""
    region.b.network_share_days = 0
    region.chairs = make_item(region.caretaker_b, "pupil_chair", title="Elevstoler B", quantity=Decimal(24),
                              now=LONG_AGO)
    region.sets = make_item(region.caretaker_b, "pupil_desk_set", title="Elevpulter med stoler B",
                            quantity=Decimal(28), now=LONG_AGO + timedelta(hours=1))
    region.sofa = make_item(region.caretaker_b, "sofa", title="Sofa B", quantity=Decimal(1),
                            now=LONG_AGO + timedelta(hours=2))
    region.laptop = make_item(region.caretaker_b, "laptop", title="PC B", quantity=Decimal(1), now=LONG_AGO)
    region.draft_set = make_item(region.caretaker_b, "pupil_desk_set", title="Utkast B", publish=False)
    region.caretaker_c = make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)
    region.c_set = make_item(region.caretaker_c, "pupil_desk_set", title="Elevpulter i C", now=LONG_AGO)
    db.session.commit()
    return region


def test_the_related_categories_exist_and_the_relation_goes_both_ways(catalogue):
    slugs = set(db.session.scalars(select(Category.slug)))
    assert {slug for pair in RELATED_CATEGORIES for slug in pair} <= slugs
    assert "pupil_desk_set" in related_slugs("pupil_chair") and "pupil_chair" in related_slugs("pupil_desk_set")
    assert "pupil_chair" not in related_slugs("pupil_chair") and related_slugs("nothing") == ()


def test_matches_come_exact_then_related_then_same_group_and_hidden_ones_never(stock):
    found = matching.matching_items(stock.member_a, category("pupil_chair"))
    kinds = [(match.item.title, match.kind) for match in found.matches]
    assert kinds == [("Elevstoler B", MatchKind.EXACT), ("Elevpulter med stoler B", MatchKind.RELATED),
                     ("Sofa B", MatchKind.SAME_GROUP)]  # not the laptop (another group), draft or C's
    assert found.total == 2 and found.exact.total == 1 and found.related_total == 1
    assert found.related_params.categories[0] == "pupil_chair" and "pupil_desk_set" in found.related_params.categories
    # C is outside the network: its member sees only its own set, as exact for a set notice, never B's draft.
    theirs = matching.matching_items(stock.member_c, category("pupil_desk_set"))
    assert [(m.item.title, m.kind) for m in theirs.matches] == [("Elevpulter i C", MatchKind.EXACT)]
    # The need's check covers exact and related, not the rest of the group.
    need = services.register_need(stock.member_a, services.NeedInput(
        title="Elevstoler", category=category("pupil_chair"), quantity=Decimal(24)))
    assert need.found_count == 2
    assert [(found["title"], found["related"]) for found in need.found] == [
        ("Elevstoler B", False), ("Elevpulter med stoler B", True)]


def test_the_same_group_fills_only_what_is_left_and_only_a_few(stock):
    found = matching.matching_items(stock.member_a, category("pupil_chair"), limit=2)
    assert [match.kind for match in found.matches] == [MatchKind.EXACT, MatchKind.RELATED]
    for number in range(5):
        make_item(stock.caretaker_b, "whiteboard", title=f"Tavle {number}", now=LONG_AGO)
    found = matching.matching_items(stock.member_a, category("pupil_chair"))
    kinds = [match.kind for match in found.matches]
    assert kinds.count(MatchKind.SAME_GROUP) == matching.SAME_GROUP_SHOWN == 4 and found.same_group_total == 6


def test_a_caretaker_may_offer_a_related_item_and_the_list_says_which_is_which(stock):
    notice = services.post_notice(stock.member_a, notice_input())
    offered = [(match.item.title, match.kind) for match in matching.answerable_items(stock.caretaker_b, notice)]
    assert offered == [("Elevstoler B", MatchKind.EXACT), ("Elevpulter med stoler B", MatchKind.RELATED),
                       ("Sofa B", MatchKind.SAME_GROUP)]
    assert matching.answerable_items(stock.member_b, notice) == []  # members do not answer
    answer = services.answer_notice(stock.caretaker_b, notice, stock.sets.id)
    assert answer.item_id == stock.sets.id
    # The poster's alert announces related categories too.
    alert = db.session.get(SavedSearch, notice.saved_search_id)
    assert set(alert.params["category"]) == {"pupil_chair", "pupil_desk_set", "stackable_chair"}


def test_a_need_is_met_by_a_reservation_in_a_related_category(stock):
    need = services.register_need(stock.member_a, services.NeedInput(
        title="Elevstoler", category=category("pupil_chair"), quantity=Decimal(24)))
    held = reservations.reserve(stock.member_a, stock.sets.id, Decimal(12), would_buy_new=WouldBuyNew.YES)
    sofa = reservations.reserve(stock.member_a, stock.sofa.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
    linkable = services.linkable_reservations(need)
    assert held in linkable and sofa not in linkable  # the same group is shown, but does not meet the need


def test_the_pages_mark_related_and_same_group_items(client, stock, web_app):
    notice = services.post_notice(stock.member_a, notice_input())
    db.session.commit()
    login(client, "member@a.example")
    page = client.get(f"/wanted/{notice.id}").get_data(as_text=True)
    assert "Elevstoler B" in page and "Beslektet kategori: Elevpult med stol (sett)" in page
    assert "Samme gruppe: Sofa" in page and "PC B" not in page and "Utkast B" not in page
    assert "Elevpulter i C" not in page
    assert page.index("Elevstoler B") < page.index("Elevpulter med stoler B") < page.index("Sofa B")
    fresh()
    db.session.get(type(notice), notice.id).network_visible_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@b.example")
    offer = caretaker.get(f"/wanted/{notice.id}").get_data(as_text=True)
    assert 'id="offer-' in offer and "Beslektet kategori: Elevpult med stol (sett)" in offer
    assert "28 sett ledige" in offer  # a set is counted in sets


def test_the_need_certificate_says_related_categories_were_searched(client, stock):
    need = services.register_need(stock.member_a, services.NeedInput(
        title="Elevstoler", category=category("pupil_chair"), quantity=Decimal(24)))
    db.session.commit()
    login(client, "member@a.example")
    page = client.get(f"/needs/{need.id}/certificate").get_data(as_text=True)
    assert "i kategorien «Elevstol» og de beslektede kategoriene: 2 gjenstand(er)" in page
    assert "Elevpulter med stoler B (B kommune, 28 ledig, beslektet kategori)" in page
