"""The home page, language choice and the public information pages."""
