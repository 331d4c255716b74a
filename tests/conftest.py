"""Shared fixtures: a migrated database (PostgreSQL when DATABASE_URL points to one, SQLite
otherwise), an app and client on it, and helpers to create users and sign in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from residency.config import Settings
from residency.store import migrate
from residency.store.db import is_sqlite, normalise_url, session_scope
from support import PASSWORD, truncate_all  # noqa: F401  (re-exported for tests)


def _postgres_url(worker: str) -> str | None:
    raw = os.environ.get("DATABASE_URL")
    if not raw or is_sqlite(raw):
        return None
    base = make_url(normalise_url(raw))
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    pg = _postgres_url(worker_id)
    url = pg or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)
    yield url
    if pg:  # the per-worker database goes with the session (each run used to leave two behind)
        _drop_database(pg)


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return not is_sqlite(database_url)


@pytest.fixture()
def settings(database_url: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        SECRET_KEY="test-secret-" + "x" * 40,
        RESIDENCY_ENV="development",
        LOG_LEVEL="WARNING",
    )


@pytest.fixture()
def app(settings: Settings):
    from residency.api.app import create_app

    return create_app(settings)


@pytest.fixture()
def client(app, database_url: str) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
    truncate_all(database_url)


@pytest.fixture()
def db(database_url: str):
    with session_scope(database_url) as session:
        yield session


class World:
    """Creates programs, people and users directly in the database, and signs users in."""

    def __init__(self, client: TestClient, database_url: str) -> None:
        self.client = client
        self.url = database_url

    def program(self, slug: str | None = None) -> int:
        from residency.store.models import Program

        with session_scope(self.url) as db:
            row = Program(name="Test Program", slug=slug or f"p-{uuid.uuid4().hex[:8]}")
            db.add(row)
            db.flush()
            return row.id

    def person(self, program_id: int, kind: str = "resident", key: str | None = None, name: str = "Pat Doe") -> int:
        from residency.store.models import Person

        with session_scope(self.url) as db:
            row = Person(program_id=program_id, key=key or uuid.uuid4().hex[:8], kind=kind, name=name)
            db.add(row)
            db.flush()
            return row.id

    def user(self, role: str, program_id: int | None, person_id: int | None = None, username: str | None = None) -> str:
        from residency.api.routers.users import create_user

        username = username or f"{role}-{uuid.uuid4().hex[:6]}"
        with session_scope(self.url) as db:
            create_user(
                db,
                actor_id=None,
                username=username,
                password=PASSWORD,
                role=role,
                program_id=program_id,
                person_id=person_id,
            )
        return username

    def login(self, username: str, password: str = PASSWORD) -> dict:
        r = self.client.post("/api/v1/auth/login", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()

    def headers(self, role: str, program_id: int | None, person_id: int | None = None) -> dict[str, str]:
        tokens = self.login(self.user(role, program_id, person_id))
        return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture()
def world(client: TestClient, database_url: str) -> World:
    return World(client, database_url)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only shared material (workbook, benchmarks) beside the repository."""
    return Path(__file__).resolve().parents[2] / "shared"
