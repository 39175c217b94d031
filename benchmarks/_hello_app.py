"""The bare Flask app the benchmarks measure against: one route, no database, no templates, no extensions.

Served by gunicorn with the same settings as the marketplace (`gunicorn --chdir benchmarks _hello_app:app`),
so the ratio of the two throughputs shows what the marketplace's own work costs per request.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
