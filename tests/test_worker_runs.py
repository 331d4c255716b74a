"""A generation run through the real path: API → Redis → a Celery worker process → draft in the
database → publish → diff. Needs Redis (started by .ci/run)."""

import os
import subprocess
import sys
import time

import pytest
import redis

from residency.config import get_settings
from residency.sample import build_program
from residency.services import store_program
from residency.store.db import session_scope

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture()
def worker(database_url, tmp_path):
    if not _redis_up():
        pytest.fail(f"Redis is not reachable at {REDIS_URL}; .ci/run starts it")
    from residency.jobs.celery_app import celery_app

    celery_app.control.purge()  # leftovers of other runs must not reach this worker
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "residency.cli", "worker", "--concurrency", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_run_goes_through_a_real_worker(worker, world, client, database_url, tmp_path):
    assert get_settings().redis_url == REDIS_URL
    with session_scope(database_url) as db:
        program_id = store_program(db, build_program("small"), "worker").id
    h = world.headers("coordinator", program_id)
    r = client.post("/api/v1/schedule/runs", json={"time_limit": 20, "seed": 1, "workers": 2}, headers=h)
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert r.headers["Location"] == f"/api/v1/schedule/runs/{run_id}"
    # one writing run per program at a time
    second = client.post("/api/v1/schedule/runs", json={"time_limit": 5}, headers=h)
    assert second.status_code == 409 and second.json()["error"]["code"] == "run_in_progress"

    deadline = time.monotonic() + 150
    seen_running = False
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/schedule/runs/{run_id}", headers=h).json()
        seen_running |= run["status"] == "running"
        if run["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.5)
    log = (tmp_path / "worker.log").read_text()
    assert run["status"] == "succeeded", (run, log[-3000:])
    assert seen_running or run["progress"], run
    assert run["counts"]["violations"] == 0 and run["counts"]["unfilled"] == 0
    diff = client.get(f"/api/v1/schedule/runs/{run_id}/diff", headers=h).json()
    assert diff["summary"]["cells_changed"] == 2 * 112 * 13  # 13 people x 112 days x AM/PM, all new
    published = client.post(f"/api/v1/schedule/runs/{run_id}/publish", headers=h)
    assert published.status_code == 200 and published.json()["status"] == "published"
    report = client.get("/api/v1/compliance/report", headers=h).json()
    assert report["summary"]["by_severity"].get("violation", 0) == 0


def test_cancel_a_queued_run(world, client, database_url):
    with session_scope(database_url) as db:
        program_id = store_program(db, build_program("small"), "cancel").id
    h = world.headers("coordinator", program_id)
    from residency.runs import request_run

    with session_scope(database_url) as db:  # queued without a worker: it stays queued
        run_id = request_run(db, program_id=program_id, user_id=None, time_limit=1).id
    r = client.post(f"/api/v1/schedule/runs/{run_id}/cancel", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelling"
    from residency.runs import execute_run

    assert execute_run(database_url, run_id).status == "cancelled"
    again = client.post(f"/api/v1/schedule/runs/{run_id}/cancel", headers=h)
    assert again.status_code == 409
