"""The reuse store: intake (also of an expiring listing), stock, moves and write-offs, each audited; refused
with open reservations; and what store keepers see."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.listings import services as listings
from marketplace.listings.models import DisposalReason, ItemStatus
from marketplace.locations import services as locations
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.store import services as store
from tests.factories import make_item, make_location

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def places(region, catalogue):
    region.store = make_location(region.admin_a, region.a, "Ombrukslageret", address="Lagervegen 4")
    region.pickup = make_location(region.admin_a, region.a, "Porten", "pickup")
    db.session.commit()
    return region


def audit_of(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()


def test_intake_keeps_an_expiring_listing_listed_and_is_audited(places):
    item = make_item(places.caretaker_a, advertise_until=date(2026, 12, 2), now=NOW)
    item.expiry_reminded_at = NOW
    store.take_into_store(places.store_keeper_a, item, places.store, now=NOW)
    assert item.location == places.store and item.location_since == NOW
    assert item.advertise_until == date(2026, 12, 1) + timedelta(days=store.STORE_LISTING_DAYS)
    assert item.expiry_reminded_at is None and item.status == ItemStatus.PUBLISHED
    event = audit_of("item_taken_into_store")
    assert event.actor_id == places.store_keeper_a.id and event.details["location_from"] == "A depot"
    assert event.details["location_to"] == "Ombrukslageret"
    assert listings.expire_items(NOW + timedelta(days=5)) == []  # it did not expire
    with pytest.raises(store.StoreError):
        store.take_into_store(places.store_keeper_a, item, places.store, now=NOW)  # already there
    with pytest.raises(store.StoreError):
        store.take_into_store(places.store_keeper_a, item, places.pickup, now=NOW)  # not a store


def test_only_the_municipalitys_store_runners_take_items_in(places):
    item = make_item(places.caretaker_a)
    for user in (places.member_a, places.transport_a, places.caretaker_b):
        with pytest.raises(Forbidden):
            store.take_into_store(user, item, places.store)
    item_b = make_item(places.caretaker_b)
    with pytest.raises(Forbidden):  # A's store keeper does not run B's stores
        store.take_into_store(places.store_keeper_a, item_b, places.store)
    with pytest.raises(store.StoreError):  # nor does B's caretaker put B's item into A's store
        store.take_into_store(places.caretaker_b, item_b, places.store)
    assert item_b.location is None


def test_move_between_locations_and_back_to_the_unit_is_audited(places):
    item = make_item(places.caretaker_a, location=places.store, building="Bygg B", room="Rom 12",
                     pickup_instructions="Ring på")
    store.move_item(places.caretaker_a, item, places.pickup, now=NOW)
    assert item.location == places.pickup and item.location_since == NOW
    # What was written for the old place does not follow the item; the audit keeps it.
    assert (item.building, item.room, item.pickup_instructions) == ("", "", "")
    store.move_item(places.store_keeper_a, item, None, now=NOW)
    assert item.location is None
    moves = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_moved")
                               .order_by(AuditEvent.id)).all()
    assert [(m.details["location_from"], m.details["location_to"]) for m in moves] == [
        ("Ombrukslageret", "Porten"), ("Porten", "A depot")]
    assert moves[0].details["where_within_before"] == "Bygg B · Rom 12 · Ring på"
    assert "where_within_before" not in moves[1].details
    locations.set_location_archived(places.admin_a, places.pickup, True)
    with pytest.raises(store.StoreError):
        store.move_item(places.store_keeper_a, item, places.pickup)


def test_write_off_closes_the_listing_with_reason_and_note(places):
    item = make_item(places.caretaker_a, location=places.store)
    with pytest.raises(store.StoreError) as refused:
        store.write_off(places.store_keeper_a, item, "burnt")
    assert "reason" in refused.value.errors
    with pytest.raises(store.StoreError):
        store.write_off(places.store_keeper_a, item, "recycled", "x" * 1001)
    store.write_off(places.store_keeper_a, item, "recycled", " Levert på Dulten gjenvinningsstasjon ", now=NOW)
    assert item.status == ItemStatus.DISPOSED and item.closed_at == NOW
    assert item.disposal_reason == DisposalReason.RECYCLED and item.disposal_note.startswith("Levert")
    assert audit_of("item_written_off").details["reason"] == "recycled"
    with pytest.raises(Conflict):
        store.write_off(places.store_keeper_a, item, "scrapped")
    with pytest.raises(Conflict):
        store.move_item(places.store_keeper_a, item, places.pickup)
    with pytest.raises(listings.TransitionError):
        listings.publish_item(places.caretaker_a, item)
    assert store.stock(places.store_keeper_a, places.store).rows == []


def test_write_off_is_refused_while_a_reservation_holds_some(places):
    item = make_item(places.caretaker_a, location=places.store)
    reservation = reservations.reserve(places.member_a, item.id, Decimal("2"), would_buy_new=WouldBuyNew.YES)
    with pytest.raises(Conflict) as refused:
        store.write_off(places.store_keeper_a, item, "scrapped")
    assert "1" in str(refused.value)
    assert item.status == ItemStatus.PUBLISHED and item.quantity_available == Decimal("8")
    reservations.cancel(places.member_a, reservation)
    store.write_off(places.store_keeper_a, item, "scrapped")
    assert item.status == ItemStatus.DISPOSED


def test_write_off_only_of_items_standing_in_a_store(places):
    item = make_item(places.caretaker_a, location=places.pickup)
    with pytest.raises(store.StoreError) as refused:
        store.write_off(places.caretaker_a, item, "scrapped")
    assert "location" in refused.value.errors
    with pytest.raises(Forbidden):
        store.write_off(places.member_a, item, "scrapped")


def test_store_keepers_see_the_stock_of_their_stores_drafts_included(places):
    draft = make_item(places.caretaker_a, title="Utkast på lager", publish=False, location=places.store)
    published = make_item(places.caretaker_a, title="Utlyst på lager", location=places.store)
    elsewhere = make_item(places.caretaker_a, title="Utkast på skolen", publish=False)
    assert {i.id for i in store.stock(places.store_keeper_a, places.store).rows} == {published.id, draft.id}
    assert listings.find_visible_item(places.store_keeper_a, draft.id) is not None
    assert listings.find_visible_item(places.store_keeper_a, elsewhere.id) is None  # as a member: not drafts
    assert listings.find_visible_item(places.member_a, draft.id) is None
    assert listings.find_visible_item(places.caretaker_b, draft.id) is None
    with pytest.raises(Forbidden):
        store.find_store(places.member_a, places.store.id)
    with pytest.raises(NotVisible):
        store.find_store(places.caretaker_b, places.store.id)
    with pytest.raises(NotVisible):
        store.find_store(places.store_keeper_a, places.pickup.id)  # not a store
    assert store.my_stores(places.store_keeper_a) == [(places.store, 2)]
    assert store.my_stores(places.member_a) == []
    assert not store.runs_a_store(places.member_a) and store.runs_a_store(places.store_keeper_a)
    # A store keeper lists nothing.
    with pytest.raises(Forbidden):
        make_item(places.store_keeper_a)
