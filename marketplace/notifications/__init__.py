"""Notifications: the in-app inbox (and, later, e-mail and digests)."""
