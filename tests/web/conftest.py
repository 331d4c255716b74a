"""Fixtures of the web app tests: their own SQLite database holding the realistic sample program with a
complete published schedule (hand-built, as in the resilience tests) and the small sample program with
nothing generated yet; users of each role; the app; a live server; and a headless Chromium.

Browser tests are marked ``browser``. They skip only when /usr/bin/chromium is missing and the
environment variable CI is not set; in CI a missing browser fails them."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: end-to-end tests in a real Chromium (select with -m browser)")


def _builders():
    path = ROOT / "tests" / "resilience" / "resilience_builders.py"
    spec = importlib.util.spec_from_file_location("web_resilience_builders", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Seeded:
    """Ids and usernames of what the seed created."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.users: dict[str, str] = {}
        self.ids: dict[str, int] = {}


def seed(url: str) -> Seeded:
    from residency.api.routers.users import create_user
    from residency.sample import build_program
    from residency.services import store_program
    from residency.store import migrate
    from residency.store import models as m
    from residency.store import schedules as store
    from residency.store.db import session_scope

    migrate.upgrade(url)
    out = Seeded(url)
    program = build_program("realistic", 0)
    schedule = _builders().realistic_schedule(program)
    with session_scope(url) as db:
        row = store_program(db, program, "realistic")
        year = store.year_of(db, row.id)
        store.save_schedule(db, row.id, year.id, schedule, status="published", name="hand-built")
        out.ids["realistic"] = row.id
        resident = db.query(m.Person).filter_by(program_id=row.id, key=program.residents()[-1].key).one()
        out.ids["resident_person"] = resident.id
        out.ids["resident_key"] = resident.key  # type: ignore[assignment]
        # A fresh leave request to decide.
        absence = m.Absence(program_id=row.id, person_id=resident.id, start_date=date(2025, 9, 8),
                            end_date=date(2025, 9, 10), type="vacation", status="requested")  # fmt: skip
        db.add(absence)
        db.flush()
        out.ids["absence"] = absence.id
        small = store_program(db, build_program("small", 0), "small")
        out.ids["small"] = small.id
        for name, role, pid, person in (
            ("coord", "coordinator", row.id, None),
            ("resident", "resident", row.id, resident.id),
            ("coord-small", "coordinator", small.id, None),
            ("lockme", "resident", row.id, None),
        ):
            create_user(db, actor_id=None, username=name, password=PASSWORD, role=role, program_id=pid,
                        person_id=person)  # fmt: skip
            out.users[role if name != "coord-small" else "small"] = name
    return out


@pytest.fixture(scope="module")
def web_seed(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    url = f"sqlite:///{tmp_path_factory.mktemp('webdb') / 'web.db'}"
    return seed(url)


@pytest.fixture(scope="module")
def web_app(web_seed: Seeded):
    from residency.api.app import create_app
    from residency.config import Settings
    from residency.web import install

    settings = Settings(
        DATABASE_URL=web_seed.url,
        SECRET_KEY="web-test-secret-" + "y" * 40,
        RESIDENCY_ENV="development",
        LOG_LEVEL="WARNING",
        LOGIN_MAX_FAILURES=3,
    )
    app = create_app(settings)
    install(app)  # no-op once app.py mounts the web app itself
    app.state.web_inline_runs = True  # no Celery worker in these tests: runs execute in a thread
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(web_app):
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: install it with apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page_for(browser, live_server):
    """page_for(username, width) -> a signed-in page (its own browser context)."""
    contexts = []

    def make(username: str | None = None, width: int = 1366, height: int = 900):
        ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        if username:
            page.goto("/app/login")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda u: "/app/login" not in u)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = ROOT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
