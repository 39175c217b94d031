"""Who may use an API token: pure predicates."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.permissions import is_signed_in
from marketplace.api.models import ApiToken


def owns_token(user: User, token: ApiToken) -> bool:
    """A token is its owner's alone: nobody else lists, names or revokes it."""
    return is_signed_in(user) and token.user_id == user.id
