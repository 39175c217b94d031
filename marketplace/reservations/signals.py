"""What the reservations room tells, and asks of, the rooms above it. Sent with the reservation as the sender:
transport closes an open transport request by ``reservation_closed`` (inside the transaction that closed the
reservation) and adds its part of the reservation page through ``reservation_page``."""

from blinker import Namespace

signals = Namespace()

reservation_closed = signals.signal(
    "reservation-closed",
    doc="The reservation left requested/approved (collected, lent, cancelled, rejected, expired); sent with "
        "handed_over= (collected or lent), event=, the reuse event of a hand-over (None for a loan or when not "
        "handed over), and by_transport=, True when a transport's delivery collected it.")
reservation_page = signals.signal(
    "reservation-page", doc="Receivers return a dict of template values for the reservation page; sent with viewer=.")
