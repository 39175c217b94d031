"""People: users, their memberships and roles, login sessions."""
