"""The migrations build exactly the models' schema, and step down and up again, on a fresh database
(SQLite always; PostgreSQL too when DATABASE_URL points at one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from residency.store import (
    migrate,
    models,  # noqa: F401  (registers the tables)
)
from residency.store.base import Base
from residency.store.db import get_engine, is_sqlite, normalise_url


def _fresh_postgres() -> Iterator[str]:
    raw = os.environ["DATABASE_URL"]
    base = make_url(normalise_url(raw))
    name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite"]
if os.environ.get("DATABASE_URL") and not is_sqlite(os.environ["DATABASE_URL"]):
    BACKENDS.append("postgresql")


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        yield url
        get_engine(url).dispose()
    else:
        yield from _fresh_postgres()


def tables(url: str) -> set[str]:
    engine = get_engine(url)
    engine.dispose()  # see the schema as it is now, not a pooled connection's cache
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def schema_diff(url: str) -> list:
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_downgrade_upgrade(empty_url):
    model_tables = set(Base.metadata.tables)
    assert tables(empty_url) == set()
    assert migrate.current_revision(empty_url) is None

    migrate.upgrade(empty_url)
    head = migrate.head_revision(empty_url)
    assert head and migrate.current_revision(empty_url) == head
    assert tables(empty_url) == model_tables
    assert schema_diff(empty_url) == []

    migrate.downgrade(empty_url, "-1")
    assert migrate.current_revision(empty_url) != head
    assert tables(empty_url) < model_tables

    migrate.upgrade(empty_url)
    assert migrate.current_revision(empty_url) == head
    assert tables(empty_url) == model_tables
    assert schema_diff(empty_url) == []


def test_the_schema_diff_can_fail(empty_url):
    """compare_metadata is not vacuous: an extra table is reported."""
    migrate.upgrade(empty_url)
    with get_engine(empty_url).begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    diff = schema_diff(empty_url)
    assert any(d[0] == "remove_table" and d[1].name == "stray" for d in diff)
