"""A site admin belongs to no municipality: the user menu offers no municipal pages, and those pages answer
404 (they gave a 500) when asked for anyway (issue 18, found by the phone-menu walk)."""

import re

from tests.conftest import login


def _user_menu_links(page: str) -> list[str]:
    panel = page[page.index('class="user-menu__panel"'):page.index("</details>")]
    return re.findall(r'<a href="([^"]+)"', panel)


def test_the_site_admins_menu_links_all_answer(client, region):
    login(client, "root@site.example")
    links = _user_menu_links(client.get("/").get_data(as_text=True))
    assert "/admin/networks" in links and "/admin/municipalities" in links
    assert "/admin/sharing" not in links and "/admin/audit" not in links and "/admin/users" not in links
    for href in links:
        assert client.get(href).status_code in (200, 302), href
    for municipal_page in ("/admin/sharing", "/admin/audit", "/admin/units", "/admin/users"):
        assert client.get(municipal_page).status_code == 404, municipal_page


def test_a_municipal_admin_keeps_the_municipal_pages(client, region):
    login(client, "admin@a.example")
    links = _user_menu_links(client.get("/").get_data(as_text=True))
    assert {"/admin/sharing", "/admin/audit", "/admin/units", "/admin/users"} <= set(links)
    for href in links:
        assert client.get(href).status_code in (200, 302), href
