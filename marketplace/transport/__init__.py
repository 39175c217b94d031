"""Transport requests: carrying a reservation from where it stands to the requester."""
