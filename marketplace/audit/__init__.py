"""The audit log: who did what, when, from where. Never secrets. (Its page is the admin room's.)"""
