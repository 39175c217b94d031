"""Notifications: the in-app inbox, e-mail at once or in a daily digest."""
