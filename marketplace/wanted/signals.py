"""What the wanted room asks of the rooms above it. Sent with the ``Need`` as the sender."""

from blinker import Namespace

signals = Namespace()

need_covered_elsewhere = signals.signal(
    "need-covered-elsewhere",
    doc="Receivers return the quantity that met the need other than by its reservations (a building project's "
        "own inventory moved into its room), or None.")
