"""What the accounts room tells the rooms above it. Each signal is sent with the person as the sender.

Each room keeps its own part of a person's data, so each room answers for it (see ``privacy.py``).
"""

from blinker import Namespace

signals = Namespace()

personal_data_collecting = signals.signal(
    "personal-data-collecting", doc="Receivers return {section: [...]} of what they hold about the person.")
personal_data_erasing = signals.signal(
    "personal-data-erasing", doc="Receivers remove or blank, in the current transaction, what the person wrote.")
