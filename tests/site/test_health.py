"""The health checks a load balancer asks: /healthz (the process answers) and /readyz (the database answers and
is at the newest migration)."""

from marketplace.db import upgrade

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"  # nothing listens on port 1


def test_both_answer_ok_on_a_migrated_database(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}, path
        assert response.headers["Cache-Control"] == "no-store"


def test_without_the_database_the_process_is_alive_but_not_ready(app, make_app):  # app: emptied at the end
    client = make_app(DATABASE_URL=UNREACHABLE).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json() == {"status": "unavailable", "reason": "database_unreachable"}


def test_a_database_behind_the_code_is_not_ready(app, make_app, tmp_path):
    behind = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(behind, "0013")
    response = make_app(DATABASE_URL=behind).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database_not_migrated"}
    upgrade(behind)
    assert make_app(DATABASE_URL=behind).test_client().get("/readyz").status_code == 200
