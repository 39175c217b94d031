"""Pickup locations and reuse stores: the places of a municipality where items stand and are fetched."""
