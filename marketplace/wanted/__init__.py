"""Wanted notices ("we need 24 pupil chairs") and needs registered before buying new (reuse first)."""
