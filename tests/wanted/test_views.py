from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db, utcnow
from marketplace.organisations.services import find_municipality
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted import services
from marketplace.wanted.models import Need, NeedOutcome, NeedStatus, NoticeStatus, WantedNotice
from tests.conftest import counting_queries, fresh, login
from tests.factories import category, make_item

LONG_AGO = utcnow() - timedelta(days=10)


@pytest.fixture
def setup(region, catalogue):
    region.a_chairs = make_item(region.caretaker_a, "stackable_chair", title="Stablestoler A", now=LONG_AGO)
    region.b_chairs = make_item(region.caretaker_b, "stackable_chair", title="Stablestoler B", now=LONG_AGO)
    db.session.commit()
    return region


def count(model):
    fresh()
    return db.session.scalar(select(func.count()).select_from(model))


NOTICE = {"title": "24 elevstoler", "category": "stackable_chair", "quantity": "24", "needed_by": "2099-08-01",
          "description": "Til A skole"}


def test_post_a_notice_and_see_it_by_the_stages(client, setup, web_app):
    login(client, "member@a.example")
    assert client.get("/wanted/new").status_code == 200
    assert client.post("/wanted/new", data={**NOTICE, "quantity": "0"}).status_code == 400
    assert client.post("/wanted/new", data={**NOTICE, "category": "nope"}).status_code == 400
    assert count(WantedNotice) == 0
    response = client.post("/wanted/new", data=NOTICE)
    assert response.status_code == 303
    fresh()
    notice = db.session.scalars(select(WantedNotice)).one()
    page = client.get(f"/wanted/{notice.id}").get_data(as_text=True)
    assert 'id="matches"' in page and "Stablestoler A" in page and "Stablestoler B" in page
    assert "24 elevstoler" in client.get("/wanted").get_data(as_text=True)
    assert "24 elevstoler" in client.get("/wanted/ours").get_data(as_text=True)

    other = web_app.test_client()
    login(other, "member@b.example")  # A shares with the network after 3 days
    assert other.get(f"/wanted/{notice.id}").status_code == 404
    assert "24 elevstoler" not in other.get("/wanted").get_data(as_text=True)
    fresh()
    db.session.get(WantedNotice, notice.id).network_visible_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert other.get(f"/wanted/{notice.id}").status_code == 200
    assert other.post(f"/wanted/{notice.id}/withdrawn").status_code == 403
    far = web_app.test_client()
    login(far, "member@c.example")
    assert far.get(f"/wanted/{notice.id}").status_code == 404
    assert client.post(f"/wanted/{notice.id}/withdrawn").status_code == 303
    fresh()
    assert db.session.get(WantedNotice, notice.id).status == NoticeStatus.WITHDRAWN


def test_a_caretaker_of_another_municipality_answers_from_the_notice(client, setup, web_app):
    notice = services.post_notice(setup.member_a, services.NoticeInput(
        title="Stoler", category=setup.a_chairs.category, quantity=Decimal(5)))
    notice.network_visible_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(client, "caretaker@b.example")
    page = client.get(f"/wanted/{notice.id}").get_data(as_text=True)
    assert f'value="{setup.b_chairs.id}"' in page and 'id="matches"' not in page
    assert client.post(f"/wanted/{notice.id}/answer", data={"item_id": str(setup.a_chairs.id)}).status_code == 404
    assert client.post(f"/wanted/{notice.id}/answer", data={"item_id": "x"}).status_code == 400
    assert client.post(f"/wanted/{notice.id}/answer", data={"item_id": "9" * 30}).status_code == 400
    assert client.post(f"/wanted/{notice.id}/answer", data={"item_id": str(setup.b_chairs.id)}).status_code == 303
    poster = web_app.test_client()
    login(poster, "member@a.example")
    assert 'id="answers-heading"' in poster.get(f"/wanted/{notice.id}").get_data(as_text=True)


def test_register_a_need_see_matches_record_the_outcome_and_print_the_certificate(client, setup, web_app):
    login(client, "member@a.example")
    assert client.get("/needs/new").status_code == 200
    assert client.post("/needs/new", data={**NOTICE, "title": ""}).status_code == 400
    assert client.post("/needs/new", data={**NOTICE, "category": "laptop", "quantity": "1"}).status_code == 400
    assert count(Need) == 0
    response = client.post("/needs/new", data=NOTICE)
    assert response.status_code == 303
    fresh()
    need = db.session.scalars(select(Need)).one()
    assert response.headers["Location"].endswith(f"/needs/{need.id}")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Stablestoler A" in page and 'id="outcome-form"' in page
    assert need.found_count == 2  # both municipalities at once

    reservation = reservations.reserve(setup.member_a, setup.a_chairs.id, Decimal(10), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    assert client.post(f"/needs/{need.id}/outcome",
                       data={"reservation_ids": str(reservation.id)}).status_code == 400  # the rest: no reason
    assert client.post(f"/needs/{need.id}/outcome", data={"reason": "other"}).status_code == 400
    fresh()
    assert db.session.get(Need, need.id).outcome is None
    assert client.post(f"/needs/{need.id}/outcome", data={"reservation_ids": str(reservation.id),
                                                          "reason": "quantity"}).status_code == 303
    fresh()
    need = db.session.get(Need, need.id)
    assert need.outcome == NeedOutcome.PARTLY_REUSED and need.status == NeedStatus.CLOSED
    certificate = client.get(f"/needs/{need.id}/certificate")
    assert certificate.status_code == 200 and 'id="certificate-outcome"' in certificate.get_data(as_text=True)
    assert "Stablestoler A" in certificate.get_data(as_text=True)

    for email in ("member@b.example", "coordinator@vest.example", "helper@hjelpen.example"):
        other = web_app.test_client()
        login(other, email)
        assert other.get(f"/needs/{need.id}").status_code == 404
        assert other.get(f"/needs/{need.id}/certificate").status_code == 404
        assert other.post(f"/needs/{need.id}/outcome", data={"reason": "deadline"}).status_code == 404


def test_approval_by_the_municipal_admin(client, setup, web_app):
    setup.a.need_approval_required = True
    need = services.register_need(setup.member_a, services.NeedInput(
        title="Stoler", category=setup.a_chairs.category, quantity=Decimal(5)))
    db.session.commit()
    login(client, "member@a.example")
    assert client.post(f"/needs/{need.id}/outcome", data={"reason": "deadline"}).status_code == 303
    assert client.post(f"/needs/{need.id}/approve").status_code == 403
    admin = web_app.test_client()
    login(admin, "admin@a.example")
    assert 'id="awaiting"' in admin.get("/needs").get_data(as_text=True)
    assert admin.post(f"/needs/{need.id}/approve").status_code == 303
    assert admin.post(f"/needs/{need.id}/approve").status_code == 409
    fresh()
    assert db.session.get(Need, need.id).status == NeedStatus.CLOSED


def test_a_caretaker_registers_the_returned_device(client, setup):
    need = services.register_need(setup.member_a, services.NeedInput(
        title="Ny PC", category=category("laptop"), quantity=Decimal(1),
        returned_asset_tag="A-77"))
    db.session.commit()
    login(client, "caretaker@a.example")
    response = client.post(f"/needs/{need.id}/returned-device")
    assert response.status_code == 303
    fresh()
    device = db.session.get(Need, need.id).returned_item
    assert device.asset_tag == "A-77" and device.needs_erasure and device.status.value == "draft"


def test_roles_and_policy(client, setup, web_app):
    login(client, "helper@hjelpen.example")  # partners post no needs
    for path in ("/needs", "/needs/new", "/wanted/new", "/wanted/ours"):
        assert client.get(path).status_code == 403
    assert client.get("/wanted").status_code == 200
    admin = web_app.test_client()
    login(admin, "admin@a.example")
    rules = {"network_share_days": "3", "hold_days": "5", "pickup_grace_days": "2", "waitlist_offer_hours": "48",
             "displacement_unknown": "0,7"}
    assert admin.post("/admin/sharing", data={**rules, "need_open_days": "0"}).status_code == 400
    assert admin.post("/admin/sharing", data={**rules, "need_open_days": "21",
                                              "need_approval_required": "y"}).status_code == 303
    fresh()
    municipality = find_municipality("kommune-a")
    assert (municipality.need_open_days, municipality.need_approval_required) == (21, True)


def test_list_pages_query_count_is_bounded(client, setup, web_app):
    login(client, "member@a.example")
    for number in range(3):
        services.post_notice(setup.member_a, services.NoticeInput(
            title=f"Behov {number}", category=setup.a_chairs.category, quantity=Decimal(1)))
    db.session.commit()
    client.get("/wanted/ours")
    with counting_queries(web_app) as few:
        client.get("/wanted/ours")
    for number in range(10):
        services.post_notice(setup.member_a, services.NoticeInput(
            title=f"Mer {number}", category=setup.a_chairs.category, quantity=Decimal(1)))
    db.session.commit()
    with counting_queries(web_app) as many:
        client.get("/wanted/ours")
    assert len(many) == len(few)


def test_the_need_form_names_the_returned_device(client, setup):
    login(client, "member@a.example")
    response = client.post("/needs/new", data={**NOTICE, "category": "laptop", "quantity": "1",
                                               "returned_asset_tag": " A-9 "})
    assert response.status_code == 303
    fresh()
    assert db.session.scalar(select(Need.returned_asset_tag)) == "A-9"


def _shown(page: str, titles: list[str]) -> list[str]:
    """The titles linked on ``page``, in the page's order."""
    return sorted((title for title in titles if f">{title}</a>" in page), key=lambda title: page.index(f">{title}</a>"))


@pytest.mark.parametrize("path", ["/wanted", "/wanted/ours", "/needs"])
def test_the_lists_come_a_page_at_a_time(client, setup, monkeypatch, path):
    """A network's open notices, and a municipality's notices and needs over the years, run to thousands: each
    page reads its own rows, the pager links the pages, and a page after the last says so and links back."""
    monkeypatch.setattr(services, "LIST_PAGE_SIZE", 2)
    titles = [f"Behov {number}" for number in range(5)]
    for title in titles:
        data = {"title": title, "category": setup.a_chairs.category, "quantity": Decimal(2)}
        if path == "/needs":
            services.register_need(setup.member_a, services.NeedInput(**data))
        else:
            services.post_notice(setup.member_a, services.NoticeInput(**data))
    db.session.commit()
    login(client, "member@a.example")
    pages = [client.get(f"{path}?page={number}").get_data(as_text=True) for number in (1, 2, 3)]
    shown = [_shown(page, titles) for page in pages]
    assert [len(titles_of_page) for titles_of_page in shown] == [2, 2, 1]
    assert sorted(sum(shown, [])) == titles  # no notice twice, none left out
    assert shown[0] == titles[:-3:-1]  # newest first: the last posted leads
    assert 'rel="next"' in pages[0] and 'rel="prev"' not in pages[0]
    assert 'rel="prev"' in pages[2] and 'rel="next"' not in pages[2] and "Side 3 av 3" in pages[2]
    assert _shown(client.get(f"{path}?page=abc").get_data(as_text=True), titles) == shown[0]
    beyond = client.get(f"{path}?page=9")
    text = beyond.get_data(as_text=True)
    assert beyond.status_code == 200 and 'id="beyond-last"' in text and f'href="{path}?page=3"' in text
    assert not _shown(text, titles)

