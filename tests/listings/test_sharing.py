"""Staged sharing explained and shortened (issue 18, item 2): the search's empty and thin results, one "not
found" page for every hidden item, and the owner side sharing an item with the network now."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.listings import sharing
from marketplace.search import services as search
from marketplace.search.services import SearchParams
from tests.conftest import fresh, login
from tests.factories import make_item

# What differs between two renderings of the same page for reasons of its own (tokens, nonces, request ids).
_PER_REQUEST = re.compile(r'(value|nonce|content)="[A-Za-z0-9._\-]{20,}"|<code>[0-9a-f\-]{8,}</code>')


def _stablestol() -> SearchParams:
    return SearchParams.from_args(MultiDict({"q": "stablestol"}))


def _page(client, url: str, own_address: str = "") -> tuple[int, str]:
    response = client.get(url)
    body = _PER_REQUEST.sub("", response.get_data(as_text=True))
    return response.status_code, body.replace(f'value="{own_address}"', 'value="ADDRESS"') if own_address else body


@pytest.fixture
def shared_later(region, catalogue):
    """A chair listed in A yesterday (B sees it in two days) and a chair never leaving C's network."""
    yesterday = utcnow() - timedelta(days=1)
    region.fresh = make_item(region.caretaker_a, "stackable_chair", title="Stablestol blå", quantity=Decimal(30),
                             now=yesterday)
    region.elsewhere = make_item(_caretaker_c(region), "stackable_chair",
                                 title="Stablestol rød", now=yesterday - timedelta(days=30))
    db.session.commit()
    return region


def _caretaker_c(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)


def test_hidden_items_are_in_no_result_count_or_facet(shared_later):
    result = search.search(shared_later.member_b, _stablestol())
    assert result.total == 0 and result.items == []
    assert [value for values in result.facets.values() for value in values if value.count] == []
    own = search.search(shared_later.member_a, _stablestol())
    assert own.total == 1  # the same search finds it at home: the test can fail


def test_an_empty_search_reads_the_same_whether_or_not_something_hidden_matches(client, shared_later):
    login(client, "member@b.example")
    status, hidden_match = _page(client, "/items?q=stablestol")
    assert status == 200 and "Stablestol blå" not in hidden_match and "Stablestol rød" not in hidden_match
    assert "Mer kan komme" in hidden_match and "noen dager senere" in hidden_match
    assert "Lagre søk" in hidden_match  # the saved search is offered
    db.session.delete(db.session.get(type(shared_later.fresh), shared_later.fresh.id))
    db.session.commit()
    status, no_match = _page(client, "/items?q=stablestol")
    assert status == 200 and no_match == hidden_match


def test_a_thin_result_explains_staged_sharing_and_a_full_one_does_not(client, shared_later):
    login(client, "member@a.example")
    thin = client.get("/items?q=stablestol").get_data(as_text=True)
    assert "Stablestol blå" in thin and 'id="staged-sharing"' in thin
    for number in range(5):
        make_item(shared_later.caretaker_a, "stackable_chair", title=f"Stablestol {number}")
    db.session.commit()
    assert 'id="staged-sharing"' not in client.get("/items?q=stablestol").get_data(as_text=True)


def test_one_not_found_page_for_missing_not_yet_shared_and_never_shared_items(client, shared_later):
    login(client, "member@b.example")
    # The only difference allowed is the page's own address (the language switch returns to it).
    pages = {name: _page(client, f"/items/{item_id}", f"/items/{item_id}") for name, item_id in
             (("not yet shared", shared_later.fresh.id), ("never shared", shared_later.elsewhere.id),
              ("missing", 999_999))}
    assert {status for status, _body in pages.values()} == {404}
    bodies = {body for _status, body in pages.values()}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "Fant ikke gjenstanden" in body and "noen dager senere" in body and "/searches" in body
    assert "Stablestol" not in body and "A kommune" not in body


def test_the_owner_side_shares_now_and_the_network_finds_it_at_once(client, shared_later):
    login(client, "caretaker@a.example")
    item_id = shared_later.fresh.id
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "Del med nettverket nå" in page and f"/items/{item_id}/share" in page
    confirm = client.get(f"/items/{item_id}/share")
    assert confirm.status_code == 200 and "Ja, del med nettverket nå" in confirm.get_data(as_text=True)
    response = client.post(f"/items/{item_id}/share")
    assert response.status_code == 303
    fresh()
    assert "Del med nettverket nå" not in client.get(f"/items/{item_id}").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_shared_with_network"))
    assert event is not None and event.actor_id == shared_later.caretaker_a.id
    client.post("/logout")
    login(client, "member@b.example")
    assert "Stablestol blå" in client.get("/items?q=stablestol").get_data(as_text=True)
    assert client.get(f"/items/{item_id}").status_code == 200
    fresh()
    assert search.search(shared_later.member_b, _stablestol()).total == 1
    # The partner stage keeps its date: the partner still does not see it.
    assert search.search(shared_later.partner_user, _stablestol()).total == 0


@pytest.mark.parametrize("email, status", [("member@a.example", 403), ("member@b.example", 404),
                                           ("caretaker@b.example", 404)])
def test_others_cannot_share_early(client, shared_later, email, status):
    login(client, email)
    item_id = shared_later.fresh.id
    assert client.post(f"/items/{item_id}/share").status_code == status
    assert client.get(f"/items/{item_id}/share").status_code == status
    fresh()
    assert search.search(shared_later.member_b, _stablestol()).total == 0
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_shared_with_network")) is None


def test_share_now_service_rules(shared_later):
    item = shared_later.fresh
    with pytest.raises(Forbidden):
        sharing.share_with_network_now(shared_later.member_a, item)
    now = utcnow()
    partner_stage = item.partner_visible_at
    sharing.share_with_network_now(shared_later.admin_a, item, now=now)
    assert item.network_visible_at == now and item.partner_visible_at == partner_stage
    with pytest.raises(Conflict):
        sharing.share_with_network_now(shared_later.admin_a, item, now=now)
    draft = make_item(shared_later.caretaker_a, publish=False)
    with pytest.raises(Conflict):
        sharing.share_with_network_now(shared_later.caretaker_a, draft)
