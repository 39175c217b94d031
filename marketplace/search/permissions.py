"""Who may keep saved searches: pure predicates. (What a search finds is decided by listings' visibility.)"""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.permissions import is_signed_in
from marketplace.search.models import SavedSearch


def can_save_search(user: User) -> bool:
    return is_signed_in(user)


def owns_saved_search(user: User, saved: SavedSearch) -> bool:
    """A saved search is its owner's alone: nobody else sees, changes or deletes it."""
    return is_signed_in(user) and saved.user_id == user.id
