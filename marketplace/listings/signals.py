"""What the listings room tells the rooms above it (search keeps its index by these). Sent with the item as
the sender, inside the transaction that changed it."""

from blinker import Namespace

signals = Namespace()

item_saved = signals.signal("item-saved", doc="An item was created or its text changed.")
item_deleting = signals.signal("item-deleting", doc="A draft item is about to be deleted.")
item_page = signals.signal(
    "item-page", doc="Receivers return a dict of template values for the item page; sent with viewer=, the user.")
