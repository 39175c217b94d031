"""Entry point for production servers: `gunicorn wsgi:app`."""

import gc

from marketplace import create_app

app = create_app()

# The app's own objects (about 120,000: models, templates, translations) live as long as the worker. Frozen,
# they are out of the collector's sight, so a full collection checks only what requests leave behind: about
# 4 ms instead of 35-75 ms, a pause that otherwise lands inside some request (benchmarks/search.py does the same).
gc.collect()
gc.freeze()
# A page leaves some thousand container objects alive while it renders (ORM states, template contexts); at
# Python's default threshold (700 new objects) the youngest generation was collected about once a page, each time
# walking the live objects of the request in flight: 0.6 ms of a 12 ms home page. At 10,000 it is once in about
# fifteen pages; what waits for the next collection is only reference cycles, a few hundred kB at most.
gc.set_threshold(10_000, 10, 10)
