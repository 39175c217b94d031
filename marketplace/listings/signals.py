"""What the listings room tells, and asks of, the rooms above it. Sent with the item as the sender: search
keeps its index by ``item_saved`` and ``item_deleting`` (inside the transaction that changed the item); impact
and reservations add their parts of the item page through ``item_page``."""

from blinker import Namespace

signals = Namespace()

item_saved = signals.signal("item-saved", doc="An item was created or its text changed.")
item_deleting = signals.signal("item-deleting", doc="A draft item is about to be deleted.")
item_page = signals.signal(
    "item-page", doc="Receivers return a dict of template values for the item page; sent with viewer=, the user.")
