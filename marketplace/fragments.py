"""Parts of a page that many requests render alike, kept rendered in each worker:

    {% cache "site-nav", current_locale(), request.endpoint, permission_facts(current_user) %}…{% endcache %}

The header's menus cost about a millisecond on every page: some thirty links, each a translated label, a URL and a
permission asked of the signed-in person's memberships. They change only with the language, the page and the
person's roles, so the template names those as the fragment's key and a worker renders each menu once per key.
An item card (``_macros/items.html``) is keyed by the language and the whole ``listings.lists.Card``, the values it
shows: 80–100 µs a card, six on the home page and twenty-four on a page of search results.

The key must name everything the fragment shows, as the visibility clause must name everything it hides: a fact
left out of it shows one person's menu to another. So a fragment holds no per-request value (a CSRF token, a
count, the page's query string); those stay outside the ``cache`` block. When templates reload on change
(development), nothing is kept, so an edited template shows at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import ClassVar

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

FRAGMENTS_KEPT = 4096  # per worker; a menu is about 3 kB, a card with its key 1–2 kB: some 10 MB at most


class FragmentCache(Extension):
    """The ``{% cache key, … %}…{% endcache %}`` tag: the block's output, kept under its key (least recently used
    out first)."""

    tags: ClassVar[set[str]] = {"cache"}

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.kept: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()  # threaded workers share it

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", [nodes.Tuple(key, "load")]), [], [], body) \
            .set_lineno(lineno)

    def _render(self, key: tuple, caller: Callable[[], str]) -> Markup:
        if self.environment.auto_reload:
            return Markup(caller())
        with self.lock:
            fragment = self.kept.get(key)
            if fragment is not None:
                self.kept.move_to_end(key)
                return fragment
        fragment = Markup(caller())  # outside the lock: two threads may render the same key once each
        with self.lock:
            self.kept[key] = fragment
            if len(self.kept) > FRAGMENTS_KEPT:
                self.kept.popitem(last=False)
        return fragment
