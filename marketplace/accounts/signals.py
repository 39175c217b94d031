"""What the accounts room tells the rooms above it. Each signal is sent with the person as the sender.

Each room keeps its own part of a person's data, so each room answers for it (see ``privacy.py``).
"""

from blinker import Namespace

signals = Namespace()

personal_data_collecting = signals.signal(
    "personal-data-collecting", doc="Receivers return {section: [...]} of what they hold about the person.")
personal_data_erasing = signals.signal(
    "personal-data-erasing", doc="Receivers remove or blank, in the current transaction, what the person wrote.")
password_sign_in_checking = signals.signal(
    "password-sign-in-checking", doc="Sent with an e-mail address before its password is checked; a receiver "
    "returns a message when that address must sign in another way (its identity provider).")
signing_out = signals.signal(
    "signing-out", doc="Sent with the person before their login session ends; a receiver may return the URL "
    "the browser goes on to (the identity provider's sign-out).")
