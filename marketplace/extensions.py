"""Extension objects shared by the app factory and the modules that use them."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
