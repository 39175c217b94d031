"""Entry point for production servers: `gunicorn wsgi:app`."""

import gc

from marketplace import create_app

app = create_app()

# The app's own objects (about 120,000: models, templates, translations) live as long as the worker. Frozen,
# they are out of the collector's sight, so a full collection checks only what requests leave behind: about
# 4 ms instead of 35-75 ms, a pause that otherwise lands inside some request (benchmarks/search.py does the same).
gc.collect()
gc.freeze()
