"""Listings: surplus items, their photos, categories and visibility."""
