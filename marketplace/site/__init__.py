"""Site-wide settings (a small key-value table) and the record of the last `marketplace tick`."""
