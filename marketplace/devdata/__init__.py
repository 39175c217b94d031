"""Made-up data for development, demonstrations and benchmarks; never for production databases.

Two generators live here, each behind a `marketplace` command:

- the demo region (``demo``, `marketplace demo`): the fictional network Dulten-regionen with three
  municipalities, their people, listings with drawn photos (``photos``), a year of reuse history and
  reservations in every state, created through the same services the app uses;
- benchmark regions (``benchdata``, `marketplace bench-data`): tens of municipalities and a hundred thousand
  items written in bulk, for the scripts in benchmarks/.

This package sits above every room: it may import any of them, and none of the runtime rooms imports it
(only the command line, the tests and the benchmarks do).
"""
