"""Site-wide settings (a small key-value table) and the system status for site administrators."""
