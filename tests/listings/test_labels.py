"""Printed labels: the QR code encodes the item's short URL (decoded from the SVG the page prints), and only the
owner side prints labels, one or a sheet; nobody learns from a label URL that another municipality's item exists."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings import labels
from tests.conftest import login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    long_ago = utcnow() - timedelta(days=30)  # shared with the network (B sees it; C, in another network, not)
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(12), unit=region.depot_a,
                              building="Hovedbygget", room="Rom 104", now=long_ago)
    region.desk = make_item(region.caretaker_a, "desk", title="Skrivebord", unit=region.depot_a, now=long_ago)
    region.draft = make_item(region.caretaker_a, "desk", title="Kladd", unit=region.depot_a, publish=False)
    region.theirs = make_item(region.caretaker_b, "desk", title="Bs pult", now=long_ago)
    db.session.commit()
    return region


def signed_in(web_app, email):
    client = web_app.test_client()
    login(client, email)
    return client


def decode(svg: str) -> list[str]:
    """Draw the SVG's modules (segno's one path of unit-wide horizontal strokes) and read it as a phone would."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, *numbers in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path):
        values = [float(number) for number in numbers if number]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            draw.rectangle([x * scale, (y - .5) * scale, (x + values[0]) * scale - 1, (y + .5) * scale - 1], fill=0)
            x += values[0]
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_qr_code_decodes_to_the_short_url(app, setup):
    url = labels.short_url(setup.chairs)
    assert url == f"{app.config['BASE_URL']}/i/{setup.chairs.id}"
    svg = labels.qr_svg(url)
    assert decode(svg) == [url]
    assert labels.qr_svg(url) == svg and labels.qr_svg(url + "0") != svg  # the same URL, the same code
    assert 'width="' not in svg.split(">")[0]  # sized by the page's CSS, so it prints at the label's size


def test_only_the_owner_side_prints_a_label(setup):
    assert labels.item_for_label(setup.caretaker_a, setup.chairs.id) == setup.chairs
    assert labels.item_for_label(setup.admin_a, setup.draft.id) == setup.draft
    assert labels.item_for_label(setup.store_keeper_a, setup.chairs.id) == setup.chairs  # labels the store's stock
    for outsider in (setup.member_a, setup.member_b, setup.caretaker_b, setup.partner_user):
        with pytest.raises(Forbidden):
            labels.item_for_label(outsider, setup.chairs.id)
    with pytest.raises(NotVisible):
        labels.item_for_label(setup.member_c, setup.chairs.id)  # another network: as if it did not exist


def test_the_label_page_through_http(web_app, setup):
    client = signed_in(web_app, "caretaker@a.example")
    page = client.get(f"/items/{setup.chairs.id}/label")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="label"') == 1
    assert "Kontorstoler, grå" in html and "A depot" in html and "Hovedbygget, Rom 104" in html
    assert "12 stk" in html and f"/i/{setup.chairs.id}</p>" in html and "<svg" in html
    item_page = client.get(f"/items/{setup.chairs.id}").get_data(as_text=True)
    assert f'href="/items/{setup.chairs.id}/label"' in item_page
    for email, status in (("member@a.example", 403), ("caretaker@b.example", 403), ("member@c.example", 404)):
        assert signed_in(web_app, email).get(f"/items/{setup.chairs.id}/label").status_code == status, email
    store = signed_in(web_app, "store@a.example")
    assert f'href="/items/{setup.chairs.id}/label"' in store.get(f"/items/{setup.chairs.id}").get_data(as_text=True)
    assert store.get(f"/items/{setup.chairs.id}/label").status_code == 200
    neighbour = signed_in(web_app, "member@b.example")
    assert f"/items/{setup.chairs.id}/label" not in neighbour.get(f"/items/{setup.chairs.id}").get_data(as_text=True)


def test_a_sheet_of_ticked_listings_or_of_a_unit(web_app, setup):
    client = signed_in(web_app, "caretaker@a.example")
    ticked = client.get(f"/items/labels?item={setup.chairs.id}&item={setup.theirs.id}&item=x").get_data(as_text=True)
    assert ticked.count('class="label"') == 1 and "Bs pult" not in ticked  # another municipality's is left out
    unit = client.get(f"/items/labels?unit={setup.depot_a.id}").get_data(as_text=True)
    assert unit.count('class="label"') == 2 and "Skrivebord" in unit and "Kladd" not in unit  # published only
    nothing = client.get("/items/labels")
    assert nothing.status_code == 303 and nothing.headers["Location"] == "/items/ours#labels"
    ours = client.get("/items/ours").get_data(as_text=True)
    assert f'name="item" value="{setup.chairs.id}" form="labels"' in ours and f'value="{setup.depot_a.id}"' in ours

    client = signed_in(web_app, "caretaker@b.example")
    assert client.get(f"/items/labels?item={setup.chairs.id}").status_code == 404
    assert client.get(f"/items/labels?unit={setup.depot_a.id}").status_code == 404
    assert client.get("/items/labels?unit=999999").status_code == 404
    member = signed_in(web_app, "member@a.example")
    assert member.get(f"/items/labels?unit={setup.depot_a.id}").status_code == 404
