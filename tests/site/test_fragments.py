"""The header's menus and the item cards are kept rendered per worker (marketplace/fragments.py): what is kept
must follow each person's roles, language and page, and each item's values, exactly as a fresh render would."""

import re
from datetime import timedelta
from decimal import Decimal

from jinja2 import Environment
from sqlalchemy import select

from marketplace import fragments
from marketplace.accounts.models import Membership, Role
from marketplace.db import db, utcnow
from marketplace.fragments import FragmentCache
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import TEST_PASSWORD, login, without_csrf_tokens
from tests.factories import make_item

OUR_LISTINGS = 'href="/items/ours"'
AUDIT_LOG = 'href="/admin/audit"'


def _menu(html: str) -> str:
    return re.search(r'<ul id="site-nav-links">.*?</ul>', html, re.DOTALL).group(0)


def _user_menu(html: str) -> str:
    return re.search(r'<div class="user-menu__panel">.*?</ul>', html, re.DOTALL).group(0)


def test_one_worker_shows_each_person_the_menus_of_their_own_roles(web_app, region):
    member, caretaker, admin, other = (web_app.test_client() for _ in range(4))
    login(member, "member@a.example")
    login(caretaker, "caretaker@a.example")
    login(admin, "admin@a.example")
    login(other, "member@b.example")
    for _ in range(2):  # the second round is served from what the first kept
        member_page = member.get("/privacy").get_data(as_text=True)
        caretaker_page = caretaker.get("/privacy").get_data(as_text=True)
        admin_page = admin.get("/privacy").get_data(as_text=True)
        other_page = other.get("/privacy").get_data(as_text=True)
        assert OUR_LISTINGS not in _menu(member_page) and OUR_LISTINGS in _menu(caretaker_page)
        assert AUDIT_LOG in _user_menu(admin_page) and AUDIT_LOG not in _user_menu(caretaker_page)
        assert "A kommune" in _user_menu(member_page) and "B kommune" in _user_menu(other_page)
        assert "A kommune" not in _user_menu(other_page)
    assert len(web_app.jinja_env.extensions[FragmentCache.identifier].kept) > 0


def test_the_kept_menu_marks_the_page_shown(client, region):
    login(client, "member@a.example")
    for path, current in (("/items", "/items"), ("/reservations", "/reservations"), ("/items", "/items")):
        menu = _menu(client.get(path).get_data(as_text=True))
        assert re.findall(r'<a href="([^"]+)" aria-current="page"', menu) == [current]


def test_the_kept_menu_follows_the_language(client, region):
    login(client, "member@a.example")
    assert "Finn gjenstander" in _menu(client.get("/privacy").get_data(as_text=True))
    client.post("/language", data={"locale": "en"})
    menu = _menu(client.get("/privacy").get_data(as_text=True))
    assert "Find items" in menu and "Finn gjenstander" not in menu


def test_a_new_role_shows_in_the_menu_at_once(client, region):
    login(client, "member@a.example")
    assert OUR_LISTINGS not in _menu(client.get("/privacy").get_data(as_text=True))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == region.member_a.id))
    membership.role = Role.CARETAKER
    db.session.commit()
    assert OUR_LISTINGS in _menu(client.get("/privacy").get_data(as_text=True))


def _counting_environment(**options) -> tuple[Environment, list]:
    renders = []
    environment = Environment(extensions=[FragmentCache], **({"auto_reload": False} | options))
    environment.globals["render"] = lambda: renders.append(1) or len(renders)
    return environment, renders


def test_a_fragment_is_rendered_once_per_key():
    environment, renders = _counting_environment()
    template = environment.from_string('{% cache "menu", who %}[{{ render() }} {{ who }}]{% endcache %}')
    assert [template.render(who=who) for who in ("a", "a", "b", "a")] == ["[1 a]", "[1 a]", "[2 b]", "[1 a]"]
    assert len(renders) == 2


def test_the_least_recently_used_fragment_goes_first(monkeypatch):
    monkeypatch.setattr(fragments, "FRAGMENTS_KEPT", 2)
    environment, renders = _counting_environment()
    template = environment.from_string("{% cache who %}{{ render() }}{% endcache %}")
    for who in ("a", "b", "a", "c", "a", "b"):  # c pushes out b (a was used since), then b comes back
        template.render(who=who)
    assert len(renders) == 4
    assert list(environment.extensions[FragmentCache.identifier].kept) == [("a",), ("b",)]


def test_nothing_is_kept_while_templates_reload_on_change():
    environment, _ = _counting_environment(auto_reload=True)
    template = environment.from_string("{% cache 1 %}{{ render() }}{% endcache %}")
    assert [template.render(), template.render()] == ["1", "2"]


def _card(html: str, title: str) -> str:
    return re.search(rf'<li class="item-card">(?:(?!</li>).)*?{re.escape(title)}.*?</li>', html, re.DOTALL).group(0)


def test_a_kept_card_follows_its_item_and_the_language(web_app, region, catalogue):
    """Cards are kept by all they show: a reservation that lowers what is available, or another language, is
    another card, at once, in the same worker."""
    chairs = make_item(region.caretaker_a, "office_chair", title="Kontorstoler", quantity=Decimal(10),
                       now=utcnow() - timedelta(days=30))
    db.session.commit()
    member, caretaker = web_app.test_client(), web_app.test_client()
    login(member, "member@b.example")
    login(caretaker, "caretaker@a.example")
    for _ in range(2):
        assert "10 stk. ledige" in _card(member.get("/").get_data(as_text=True), "Kontorstoler")
        assert "10 stk. ledige" in _card(caretaker.get("/items/ours").get_data(as_text=True), "Kontorstoler")
    reservations.reserve(region.member_b, chairs.id, Decimal(3), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    assert "7 av 10 stk. ledige" in _card(member.get("/").get_data(as_text=True), "Kontorstoler")
    ours = _card(caretaker.get("/items/ours").get_data(as_text=True), "Kontorstoler")
    assert "7 av 10 stk. ledige" in ours and "Publisert" in ours  # our listings show the status; the home page not
    assert "Publisert" not in _card(member.get("/").get_data(as_text=True), "Kontorstoler")
    member.post("/language", data={"locale": "en"})
    assert "7 of 10 pieces available" in _card(member.get("/").get_data(as_text=True), "Kontorstoler")


CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _reserve_form(html: str) -> str:
    return re.search(r'<form method="post" action="/items/\d+/reserve".*?</form>', html, re.DOTALL).group(0)


def _signed_in_with_tokens(web, email: str):
    client = web.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_TOKEN.search(page).group(1)
    signed_in = client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    return client


def test_the_kept_reserve_form_is_empty_in_the_language_shown_with_each_person_s_own_token(make_app, region, catalogue):
    """The item page's reservation form is kept per language: every item's page shows it empty, with the person's
    own CSRF token (outside what is kept) and the item's own address."""
    chairs, desks = (make_item(region.caretaker_a, title=title, now=utcnow() - timedelta(days=30))
                     for title in ("Kontorstoler", "Skrivebord"))
    db.session.commit()
    web = make_app(WTF_CSRF_ENABLED=True)
    member, other = (_signed_in_with_tokens(web, email) for email in ("member@b.example", "member@a.example"))
    forms = [_reserve_form(client.get(f"/items/{item.id}").get_data(as_text=True))
             for client in (member, other) for item in (chairs, desks)]
    tokens = [CSRF_TOKEN.search(form).group(1) for form in forms]
    assert tokens[0] != tokens[2] and f'action="/items/{desks.id}/reserve"' in forms[1]
    assert len({re.sub(r"/items/\d+/", "", without_csrf_tokens(form)) for form in forms}) == 1
    assert 'name="quantity" required type="text" value=""' in forms[3] and "Ville dere ellers kjøpt nytt?" in forms[3]
    member.post("/language", data={"locale": "en", "csrf_token": tokens[0]})
    english = _reserve_form(member.get(f"/items/{desks.id}").get_data(as_text=True))
    assert "Would you otherwise have bought new?" in english and "Ville dere" not in english
