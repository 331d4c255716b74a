"""The command line: migrations, the first administrator, and refusing an unsafe production setup."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from residency.cli import app as cli
from residency.config import DEFAULT_SECRET, Settings
from residency.store import migrate

runner = CliRunner()


@pytest.fixture()
def fresh_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args: str, input: str | None = None):
    return runner.invoke(cli, list(args), input=input)


def test_upgrade_downgrade_print_revisions(fresh_url):
    head = migrate.head_revision(fresh_url)
    r = run("db", "upgrade", "--database-url", fresh_url)
    assert r.exit_code == 0, r.output
    assert head in r.output
    r = run("db", "current", "--database-url", fresh_url)
    assert r.exit_code == 0 and head in r.output
    r = run("db", "downgrade", "--database-url", fresh_url)
    assert r.exit_code == 0, r.output
    assert "database at revision" in r.output and head not in r.output
    assert migrate.current_revision(fresh_url) != head
    r = run("db", "upgrade", "--database-url", fresh_url)
    assert r.exit_code == 0 and head in r.output
    assert migrate.current_revision(fresh_url) == head


def test_create_admin_then_sign_in(fresh_url):
    assert run("db", "upgrade", "--database-url", fresh_url).exit_code == 0
    r = run(
        "users", "create-admin", "--username", "root", "--password-stdin", "--database-url", fresh_url,
        input="a-strong-passphrase\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "administrator root created" in r.output
    assert "a-strong-passphrase" not in r.output

    # the same name again is refused
    r = run(
        "users", "create-admin", "--username", "root", "--password-stdin", "--database-url", fresh_url,
        input="a-strong-passphrase\n",
    )  # fmt: skip
    assert r.exit_code != 0

    from residency.api.app import create_app

    settings = Settings(DATABASE_URL=fresh_url, SECRET_KEY="cli-test-" + "z" * 40, LOG_LEVEL="WARNING")
    with TestClient(create_app(settings)) as client:
        r = client.post("/api/v1/auth/login", data={"username": "root", "password": "a-strong-passphrase"})
        assert r.status_code == 200, r.text
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.json()["role"] == "admin" and me.json()["program_id"] is None
        r = client.post("/api/v1/auth/login", data={"username": "root", "password": "wrong-passphrase"})
        assert r.status_code == 401


def test_short_password_is_refused(fresh_url):
    assert run("db", "upgrade", "--database-url", fresh_url).exit_code == 0
    r = run(
        "users", "create-admin", "--username", "root", "--password-stdin", "--database-url", fresh_url,
        input="short\n",
    )  # fmt: skip
    assert r.exit_code != 0
    r = run("users", "create-admin", "--username", "root", "--database-url", fresh_url)
    assert r.exit_code != 0
    from residency.store.db import session_scope
    from residency.store.models import User

    with session_scope(fresh_url) as db:
        assert db.query(User).count() == 0


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET, "too-short"])
def test_production_refuses_an_unsafe_secret(monkeypatch, secret):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    kwargs = {"RESIDENCY_ENV": "production", "DATABASE_URL": "sqlite:///:memory:"}
    if secret is not None:
        kwargs["SECRET_KEY"] = secret
    settings = Settings(**kwargs)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        settings.check_production()
    from residency.api.app import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


def test_production_accepts_a_real_secret(monkeypatch):
    settings = Settings(RESIDENCY_ENV="production", SECRET_KEY="r" * 48, DATABASE_URL="sqlite:///:memory:")
    settings.check_production()
    from residency.api.app import create_app

    assert create_app(settings).state.settings.is_production
