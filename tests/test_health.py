"""Health, readiness, metrics, request ids, and logs without personal data."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from factories import TEST_SECRET, app, cheap_argon2  # noqa: F401
from residency.config import Settings
from support import PASSWORD


def test_live_and_ready(client):
    r = client.get("/health/live")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = client.get("/health/ready")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_ready_fails_fast_when_the_database_is_unreachable():
    from residency.api.app import create_app

    url = "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=1"
    settings = Settings(DATABASE_URL=url, SECRET_KEY=TEST_SECRET, LOG_LEVEL="WARNING")
    with TestClient(create_app(settings)) as client:
        started = time.perf_counter()
        r = client.get("/health/ready")
        assert time.perf_counter() - started < 10
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "not_ready"
        assert client.get("/health/live").status_code == 200  # alive, just not ready


def test_metrics(client):
    client.get("/health/live")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE residency_http_requests_total counter" in r.text
    assert 'residency_http_requests_total{method="GET",route="/health/live",status="200"}' in r.text
    assert "residency_http_request_seconds" in r.text


def test_metrics_can_require_a_token(database_url):
    from residency.api.app import create_app

    settings = Settings(DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET, LOG_LEVEL="WARNING", METRICS_PUBLIC=False)
    with TestClient(create_app(settings)) as client:
        r = client.get("/metrics")
        assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_request_id(client):
    r = client.get("/health/live")
    generated = r.headers["X-Request-ID"]
    assert len(generated) >= 16
    assert client.get("/health/live").headers["X-Request-ID"] != generated
    r = client.get("/health/live", headers={"X-Request-ID": "trace-me-123"})
    assert r.headers["X-Request-ID"] == "trace-me-123"
    # errors carry it too
    r = client.get("/api/v1/people", headers={"X-Request-ID": "err-456"})
    assert r.status_code == 401 and r.headers["X-Request-ID"] == "err-456"
    assert client.get("/nowhere").headers.get("X-Request-ID")


def test_logs_hold_no_username_or_password(world, database_url, capsys):
    from residency.api.app import create_app

    pid = world.program()
    username = world.user("coordinator", pid, username="dr.sensitive-name")
    settings = Settings(DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET, LOG_LEVEL="DEBUG")
    application = create_app(settings)  # configures logging onto the captured stderr
    with TestClient(application) as client:
        capsys.readouterr()
        r = client.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 200
        r = client.post("/api/v1/auth/login", data={"username": username, "password": "wrong-" + PASSWORD})
        assert r.status_code == 401
        r = client.post("/api/v1/auth/login", data={"username": "ghost-user-x", "password": "ghost-pass-y"})
        assert r.status_code == 401
    out = capsys.readouterr()
    from residency import logs

    logs.configure("WARNING")  # stop logging onto this test's captured stream
    logged = out.err + out.out
    assert "/api/v1/auth/login" in logged and "request_id" in logged  # the requests were logged
    for secret in (username, PASSWORD, "ghost-user-x", "ghost-pass-y", r.request.headers.get("authorization", "")):
        if secret:
            assert secret not in logged, secret
