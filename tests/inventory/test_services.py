"""The inventory: registering what is in use, who sees it (its own municipality only), status changes and
their audit, and offering an item as surplus with its history kept."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.inventory import services as inventory
from marketplace.listings import lists
from marketplace.listings import services as listings
from marketplace.listings.models import DisposalReason, Item, ItemStatus
from marketplace.search import services as search
from tests.factories import item_input, make_item

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def chairs(region, catalogue):
    """Twelve chairs in use in A's school, room 204 on the second floor, and a listing of A's beside them."""
    region.chairs = inventory.register(region.caretaker_a, item_input(
        title="Elevstoler, blå", building="Dulten skole", floor="2", room="204"), now=NOW)
    region.listing = make_item(region.caretaker_a, title="Kontorstoler til overs", now=NOW)
    db.session.commit()
    return region


def test_registering_puts_an_item_in_use_where_it_stands_and_is_audited(chairs):
    item = chairs.chairs
    assert (item.status, item.building, item.floor, item.room) == (ItemStatus.IN_USE, "Dulten skole", "2", "204")
    assert item.published_at is None and item.municipality_id == chairs.a.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inventory_registered"))
    assert event.details == {"item_id": item.id, "status": "in_use"}


def test_only_caretakers_and_admins_register(region, catalogue):
    for person in (region.member_a, region.store_keeper_a, region.partner_user, region.network_admin):
        with pytest.raises(Forbidden):
            inventory.register(person, item_input())
    with pytest.raises(inventory.InventoryError):
        inventory.register(region.caretaker_a, item_input(), status=ItemStatus.PUBLISHED)
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_items_in_use_are_seen_by_their_own_municipality_only(chairs):
    item_id = chairs.chairs.id
    for person in (chairs.member_a, chairs.caretaker_a, chairs.store_keeper_a, chairs.admin_a):
        assert listings.find_item(person, item_id).id == item_id
        assert [i.id for i in inventory.inventory(person).items] == [item_id]
    for person in (chairs.member_b, chairs.caretaker_b, chairs.member_c, chairs.partner_user, chairs.network_admin):
        with pytest.raises(NotVisible):
            listings.find_item(person, item_id)
    assert inventory.inventory(chairs.member_b).items == []  # B's own inventory, empty
    for person in (chairs.partner_user, chairs.network_admin):  # no municipality: no inventory
        with pytest.raises(Forbidden):
            inventory.inventory(person)


def test_the_market_shows_no_item_in_use_even_at_home(chairs):
    for person in (chairs.member_a, chairs.caretaker_a, chairs.member_b):
        for params in (search.SearchParams(q="stoler"), search.SearchParams()):
            results = search.search(person, params, now=chairs.listing.network_visible_at)
            assert chairs.chairs not in results.items and results.total == 1
            assert sum(value.count for value in results.facets["category"]) == 1
    assert chairs.chairs.id not in {card.id for card in lists.recent_items(chairs.member_a)}
    ours = {card.id for card in lists.my_municipality_items(chairs.caretaker_a).rows}
    assert chairs.chairs.id not in ours and chairs.listing.id in ours


def test_status_changes_move_between_the_inventory_statuses_and_are_audited(chairs):
    item = inventory.change_status(chairs.caretaker_a, chairs.chairs.id, ItemStatus.FOR_REPAIR, reason="Løs rygg")
    assert item.status == ItemStatus.FOR_REPAIR
    item = inventory.change_status(chairs.caretaker_a, item.id, ItemStatus.DISPOSED, reason="Knekt",
                                   disposal_reason=DisposalReason.SCRAPPED, now=NOW)
    assert (item.status, item.disposal_reason, item.closed_at) == (ItemStatus.DISPOSED, DisposalReason.SCRAPPED, NOW)
    changes = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "inventory_status_changed").order_by(AuditEvent.id)).all()
    assert [(c["status_from"], c["status_to"], c["reason"]) for c in changes] == [
        ("in_use", "for_repair", "Løs rygg"), ("for_repair", "disposed", "Knekt")]
    with pytest.raises(Conflict):
        inventory.change_status(chairs.caretaker_a, item.id, ItemStatus.IN_USE)


@pytest.mark.parametrize("status, fields", [
    (ItemStatus.IN_USE, {}), (ItemStatus.PUBLISHED, {}), (ItemStatus.DISPOSED, {}),
    (ItemStatus.FOR_REPAIR, {"reason": "x" * 501}),
])
def test_bad_status_changes_are_refused_and_change_nothing(chairs, status, fields):
    with pytest.raises(inventory.InventoryError):
        inventory.change_status(chairs.caretaker_a, chairs.chairs.id, status, **fields)
    db.session.rollback()
    assert db.session.get(Item, chairs.chairs.id).status == ItemStatus.IN_USE


def test_others_cannot_change_the_status(chairs):
    with pytest.raises(Forbidden):
        inventory.change_status(chairs.member_a, chairs.chairs.id, ItemStatus.FOR_REPAIR)
    with pytest.raises(NotVisible):
        inventory.change_status(chairs.caretaker_b, chairs.chairs.id, ItemStatus.FOR_REPAIR)
    with pytest.raises(Conflict):
        inventory.change_status(chairs.caretaker_a, chairs.listing.id, ItemStatus.FOR_REPAIR)


def test_surplus_goes_on_the_market_as_the_same_item_with_its_history(chairs):
    inventory.change_status(chairs.caretaker_a, chairs.chairs.id, ItemStatus.FOR_RECYCLING, reason="Nye stoler")
    item = inventory.offer_as_surplus(chairs.caretaker_a, chairs.chairs.id, now=NOW)
    assert item.id == chairs.chairs.id and item.status == ItemStatus.PUBLISHED and item.published_at == NOW
    assert item.room == "204"
    history = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.details["item_id"].as_integer() == item.id).order_by(AuditEvent.id)).all()
    assert history == ["item_created", "inventory_registered", "inventory_status_changed", "item_published",
                       "inventory_offered"]
    db.session.commit()
    assert listings.find_item(chairs.member_b, item.id, now=item.network_visible_at).id == item.id
    with pytest.raises(Conflict):
        inventory.offer_as_surplus(chairs.caretaker_a, item.id)


def test_offering_part_of_a_row_splits_it_and_both_parts_keep_the_history(chairs):
    from decimal import Decimal

    offered = inventory.offer_as_surplus(chairs.caretaker_a, chairs.chairs.id, Decimal(4), now=NOW)
    rest = db.session.get(Item, chairs.chairs.id)
    assert (rest.status, rest.quantity, rest.room) == (ItemStatus.IN_USE, Decimal(6), "204")
    assert (offered.status, offered.quantity, offered.quantity_available) == (ItemStatus.PUBLISHED, Decimal(4),
                                                                              Decimal(4))
    assert offered.origin_item_id == rest.id and (offered.building, offered.room) == ("Dulten skole", "204")
    split = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inventory_split"))
    assert split.details["item_id"] == rest.id and split.details["part_id"] == offered.id
    for quantity in (Decimal(7), Decimal("1.5"), Decimal(0)):  # more than the row, half a chair, nothing
        with pytest.raises(inventory.InventoryError):
            inventory.offer_as_surplus(chairs.caretaker_a, rest.id, quantity)
    assert inventory.offer_as_surplus(chairs.caretaker_a, rest.id, Decimal(6)).id == rest.id  # the whole row


def test_an_offer_the_market_refuses_leaves_the_item_in_use(chairs):
    chairs.a.electrical_safety_note_required = True
    projector = inventory.register(chairs.caretaker_a, item_input("projector", title="Prosjektor"))
    db.session.commit()
    assert projector.category.electrical
    with pytest.raises(listings.ListingError):
        inventory.offer_as_surplus(chairs.caretaker_a, projector.id)
    assert projector.status == ItemStatus.IN_USE


def test_the_inventory_filters_by_place_category_and_status_and_pages(chairs):
    desk = inventory.register(chairs.caretaker_a, item_input("pupil_desk", title="Pulter", building="Dulten skole",
                                                             floor="2", room="205"))
    inventory.change_status(chairs.caretaker_a, desk.id, ItemStatus.FOR_REPAIR)
    view = chairs.member_a
    assert [i.id for i in inventory.inventory(view, inventory.Filters(room="205")).items] == [desk.id]
    assert [i.id for i in inventory.inventory(view, inventory.Filters(building="dulten skole")).items] == [
        chairs.chairs.id, desk.id]  # by floor and room: 204 before 205
    assert [i.id for i in inventory.inventory(view, inventory.Filters(status=ItemStatus.FOR_REPAIR)).items] == [
        desk.id]
    assert [i.id for i in inventory.inventory(view, inventory.Filters(category=desk.category)).items] == [desk.id]
    first = inventory.inventory(view, page=1, per_page=1)
    second = inventory.inventory(view, page=2, per_page=1)
    assert first.total == second.total == 2 and {first.items[0].id, second.items[0].id} == {desk.id, chairs.chairs.id}
    assert inventory.places(view) == [("Dulten skole", "2", "204"), ("Dulten skole", "2", "205")]
