"""Reservations and hand-over: hold a quantity, approve, pick up, and log the reuse."""
