"""Sign-in, access-token expiry, refresh rotation with reuse detection, logout, deactivation,
lockout, and how passwords are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select

from factories import API, TEST_SECRET, app, cheap_argon2  # noqa: F401
from residency.store.db import session_scope
from residency.store.models import RefreshToken, User
from support import PASSWORD

LOGIN = f"{API}/auth/login"
REFRESH = f"{API}/auth/refresh"


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_login_success_and_me(world, client):
    pid = world.program()
    name = world.user("coordinator", pid)
    r = client.post(LOGIN, data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0
    assert tokens["access_token"] and tokens["refresh_token"]
    claims = jwt.decode(tokens["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["type"] == "access" and claims["role"] == "coordinator"
    me = client.get(f"{API}/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["username"] == name and me.json()["program_id"] == pid


def test_login_failure(world, client):
    pid = world.program()
    name = world.user("coordinator", pid)
    for data in ({"username": name, "password": "wrong-password"}, {"username": "nobody", "password": PASSWORD}):
        r = client.post(LOGIN, data=data)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"
        assert "access_token" not in r.text
    # the same answer whether or not the user exists
    assert (
        client.post(LOGIN, data={"username": name, "password": "x"}).json()
        == client.post(LOGIN, data={"username": "ghost", "password": "x"}).json()
    )


def _token(sub: int, **overrides) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(sub), "type": "access", "iat": now, "exp": now + timedelta(minutes=5)} | overrides
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def test_access_token_expiry(world, client):
    pid = world.program()
    world.login(world.user("coordinator", pid))
    with session_scope(world.url) as db:
        user_id = db.scalars(select(User.id)).one()
    fresh = _token(user_id)
    assert client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    expired = _token(user_id, iat=datetime.now(UTC) - timedelta(hours=1), exp=datetime.now(UTC) - timedelta(seconds=1))
    r = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"
    # a refresh-typed or unsigned token is not an access token
    r = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {_token(user_id, type='refresh')}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
    unsigned = jwt.encode({"sub": str(user_id), "type": "access", "exp": 9999999999}, None, algorithm="none")
    r = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"


def test_refresh_rotation(world, client):
    pid = world.program()
    first = world.login(world.user("coordinator", pid))
    r = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert client.get(f"{API}/auth/me", headers=bearer(second)).status_code == 200
    r = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401
    r = client.post(REFRESH, json={"refresh_token": "never-issued"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "refresh_invalid"


def test_reuse_of_rotated_refresh_token_revokes_the_family(world, client):
    pid = world.program()
    name = world.user("coordinator", pid)
    first = world.login(name)
    other_session = world.login(name)  # a second login is another family and survives
    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]}).json()
    third = client.post(REFRESH, json={"refresh_token": second["refresh_token"]}).json()

    r = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})  # replayed
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "refresh_reused"
    assert r.json()["error"]["field"] == "refresh_token"
    # the newest token of the family is revoked too
    r = client.post(REFRESH, json={"refresh_token": third["refresh_token"]})
    assert r.status_code == 401
    with session_scope(world.url) as db:
        rows = db.scalars(select(RefreshToken)).all()
        families = {row.family_id for row in rows}
        assert len(families) == 2
        reused_family = [row for row in rows if row.replaced_by_id is not None][0].family_id
        assert all(row.revoked_at is not None for row in rows if row.family_id == reused_family)
    assert client.post(REFRESH, json={"refresh_token": other_session["refresh_token"]}).status_code == 200


def test_logout_revokes_the_refresh_token(world, client):
    pid = world.program()
    tokens = world.login(world.user("resident", pid, world.person(pid)))
    r = client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401  # logout needs the access token too
    r = client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer(tokens))
    assert r.status_code == 204
    r = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


def test_deactivated_user_token_is_refused(world, client):
    pid = world.program()
    admin = world.headers("admin", None)
    name = world.user("coordinator", pid)
    tokens = world.login(name)
    assert client.get(f"{API}/people", headers=bearer(tokens)).status_code == 200
    user_id = client.get(f"{API}/auth/me", headers=bearer(tokens)).json()["id"]
    assert client.delete(f"{API}/users/{user_id}", headers=admin).status_code == 204
    r = client.get(f"{API}/people", headers=bearer(tokens))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
    assert client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert client.post(LOGIN, data={"username": name, "password": PASSWORD}).status_code == 401


def test_lockout_after_five_failures(world, client):
    pid = world.program()
    name = world.user("coordinator", pid)
    for _ in range(5):
        r = client.post(LOGIN, data={"username": name, "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post(LOGIN, data={"username": name, "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "login_locked"
    assert int(r.headers["Retry-After"]) > 0
    # another user from the same address is not locked out by this one
    world.login(world.user("faculty", pid))


def test_one_address_is_locked_after_four_times_the_per_user_failures(world, client):
    """A hospital NAT serves many users, so one address gets 4 x 5 = 20 failures (across any usernames)
    before every login from it is refused; other addresses are unaffected."""
    from fastapi.testclient import TestClient

    pid = world.program()
    name = world.user("coordinator", pid)
    with TestClient(client.app, client=("203.0.113.7", 40000)) as nat:
        for i in range(19):  # 19 different usernames: no single user reaches 5
            assert nat.post(LOGIN, data={"username": f"guess{i}", "password": "wrong"}).status_code == 401
        assert nat.post(LOGIN, data={"username": name, "password": PASSWORD}).status_code == 200
        assert nat.post(LOGIN, data={"username": "guess19", "password": "wrong"}).status_code == 401
        r = nat.post(LOGIN, data={"username": name, "password": PASSWORD})  # the 20th failure locks the address
        assert r.status_code == 429 and r.json()["error"]["code"] == "login_locked"
        assert int(r.headers["Retry-After"]) > 0
    world.login(name)  # the same user from another address


def test_a_success_forgives_earlier_failures(world, client):
    pid = world.program()
    name = world.user("coordinator", pid)
    for _ in range(4):
        assert client.post(LOGIN, data={"username": name, "password": "nope-nope"}).status_code == 401
    world.login(name)
    for _ in range(4):
        assert client.post(LOGIN, data={"username": name, "password": "nope-nope"}).status_code == 401
    world.login(name)  # 8 failures in the window, but never 5 in a row


def test_passwords_are_argon2_and_never_returned(world, client):
    pid = world.program()
    admin = world.headers("admin", None)
    r = client.post(
        f"{API}/users",
        json={"username": "newbie", "password": "s3cret-passphrase", "role": "coordinator", "program_id": pid},
        headers=admin,
    )
    assert r.status_code == 201
    assert "s3cret" not in r.text and "argon2" not in r.text and "password" not in r.json()
    with session_scope(world.url) as db:
        hashes = db.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    listing = client.get(f"{API}/users", headers=admin)
    assert "argon2" not in listing.text and "password" not in listing.text
    one = client.get(f"{API}/users/{r.json()['id']}", headers=admin)
    assert "argon2" not in one.text and "password" not in one.text
    r = client.post(
        f"{API}/users",
        json={"username": "shorty", "password": "short", "role": "coordinator", "program_id": pid},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "password"
    # a password change is hashed too, and the old one stops working
    user_id = client.get(f"{API}/users", headers=admin).json()["items"][-1]["id"]
    r = client.patch(f"{API}/users/{user_id}", json={"password": "another-passphrase", "version": 1}, headers=admin)
    assert r.status_code == 200 and "another" not in r.text
    assert client.post(LOGIN, data={"username": "newbie", "password": "s3cret-passphrase"}).status_code == 401
    assert client.post(LOGIN, data={"username": "newbie", "password": "another-passphrase"}).status_code == 200
