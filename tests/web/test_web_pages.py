"""Web app pages through the ASGI client (fast): sign-in, cookies and CSRF, the lockout shared with the
API, role boundaries, the grid, the compliance check before saving, leave, findings, exports."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from support import PASSWORD


@pytest.fixture()
def client(web_app):
    with TestClient(web_app, base_url="http://localhost") as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/app/login")
    return client.post(
        "/app/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/app/"},
        follow_redirects=False,
    )


def test_sign_in_sets_http_only_cookies_and_redirects_by_role(client, web_seed):
    r = sign_in(client, "coord")
    assert r.status_code == 303 and r.headers["location"] == "/app/"
    cookies = r.headers.get_list("set-cookie")
    for name in ("rs_at", "rs_rt"):
        line = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in line and "samesite=lax" in line.lower() and "Secure" not in line
    assert client.get("/app/", follow_redirects=False).headers["location"] == "/app/year"
    year = client.get("/app/year")
    assert year.status_code == 200 and "Block 13" in year.text


def test_pages_need_a_session_and_posts_need_the_csrf_token(client):
    r = client.get("/app/year", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login?next=")
    r = client.post("/app/login", data={"username": "coord", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    sign_in(client, "coord")
    r = client.post("/app/runs", data={"time_limit": "5", "csrf_token": "forged" * 8})
    assert r.status_code == 403 and "did not come from this site" in r.text


def test_web_sign_in_obeys_the_api_lockout(client):
    for _ in range(3):
        assert sign_in(client, "lockme", "wrong-password").status_code == 401
    r = sign_in(client, "lockme")
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    api = client.post("/api/v1/auth/login", data={"username": "lockme", "password": PASSWORD})
    assert api.status_code == 429


def test_expired_access_token_is_refreshed_from_the_refresh_cookie(client):
    sign_in(client, "coord")
    client.cookies.set("rs_at", "expired-or-garbage")
    r = client.get("/app/year", follow_redirects=False)
    assert r.status_code == 200
    assert any(c.startswith("rs_rt=") for c in r.headers.get_list("set-cookie"))


def test_block_grid_has_call_rows_people_and_editable_cells(client):
    sign_in(client, "coord")
    r = client.get("/app/blocks/3/")
    assert r.status_code == 200
    html = r.text
    assert 'class="grid"' in html and "Resident call" in html and "Staff call" in html
    assert html.count('<a href="c?p=') >= 28 * 56
    assert len(r.content) < 1_000_000


def test_cell_check_shows_a_violation_and_save_needs_a_reason(client, web_seed):
    sign_in(client, "coord")
    token = csrf_of(client.get("/app/blocks/4/").text)
    pid = web_seed.ids["resident_person"]
    # Block 4 starts on 25 Sep 2025; half-day 32 is Saturday 11 Oct AM. The resident already holds the
    # Sunday's 24-hour call, so Saturday's too makes 48 h of continuous duty (LEN-02).
    panel = client.get(f"/app/blocks/4/c?p={pid}&i=32")
    assert panel.status_code == 200 and "Check compliance" in panel.text and "Sat 11 Oct AM" in panel.text
    data = {"csrf_token": token, "schedule_id": _published_id(client), "person_id": pid, "half": "AM",
            "day": "2025-10-11", "code": "__keep__", "call_pool": "Resident in-house call (weekends)",
            "call_action": "add", "block": 4}  # fmt: skip
    check = client.post("/app/cell/check", data=data, headers={"HX-Request": "true"})
    assert check.status_code == 200
    assert "creates an ACGME violation" in check.text and "LEN-02" in check.text and "48:00 h" in check.text
    refused = client.post("/app/cell/save", data=data, follow_redirects=False)
    assert "Not%20saved" in refused.headers["location"]
    ok = client.post("/app/cell/save", data={**data, "override_reason": "test of an override"},
                     follow_redirects=False)  # fmt: skip
    assert "Saved" in ok.headers["location"]
    # A plain cell change without violation saves directly.
    clean = {**data, "call_pool": "", "call_action": "", "code": "LEC", "day": "2025-10-08", "half": "PM"}
    assert "Saved" in client.post("/app/cell/save", data=clean, follow_redirects=False).headers["location"]
    grid = client.get("/app/blocks/4/").text
    assert "LEC" in grid


def _published_id(client) -> str:
    html = client.get("/app/year").text
    return re.search(r"published #(\d+)", html).group(1)


def test_resident_sees_own_schedule_but_not_coordinator_pages(client, web_seed):
    sign_in(client, "resident")
    me = client.get("/app/me")
    assert me.status_code == 200 and "Hours this week" in me.text and "4-week average" in me.text
    for path in ("/app/year", "/app/blocks/1/", "/app/leave", "/app/runs", "/app/resilience", "/app/io",
                 "/app/admin/people"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    findings = client.get("/app/compliance")
    assert findings.status_code == 200
    assert 'id="person"' not in findings.text  # no choice of person: only their own findings
    assert client.get("/app/on-call").status_code == 200
    ics = client.get("/app/io/export/ics")
    assert ics.status_code == 200 and b"BEGIN:VCALENDAR" in ics.content
    assert client.get("/app/io/export/json").status_code == 403


def test_resident_requests_leave_and_coordinator_sees_its_effect(client, web_seed):
    sign_in(client, "resident")
    token = csrf_of(client.get("/app/me").text)
    r = client.post("/app/me/leave", data={"csrf_token": token, "start_date": "2025-11-03", "end_date": "2025-11-04",
                                          "type": "conference"}, follow_redirects=True)  # fmt: skip
    assert "Leave requested" in r.text and "requested" in r.text
    link = client.post("/app/me/calendar", data={"csrf_token": token})
    assert re.search(r"/api/v1/calendars/[^\"]+\.ics", link.text)
    client.cookies.clear()
    sign_in(client, "coord")
    page = client.get("/app/leave")
    assert "Effect on coverage" in page.text and "Effect on compliance" in page.text


def test_findings_page_filters_and_links_to_cells(client):
    sign_in(client, "coord")
    r = client.get("/app/compliance?block=2")
    assert r.status_code == 200 and "finding(s)" in r.text


def test_exports_and_admin_editors(client):
    sign_in(client, "coord")
    assert client.get("/app/io/export/csv").status_code == 200
    assert client.get("/app/io").status_code == 200
    people = client.get("/app/admin/people")
    assert people.status_code == 200
    rot = client.get("/app/admin/rotations")
    first = re.search(r'href="/app/admin/rotations/(\d+)"', rot.text).group(1)
    edit = client.get(f"/app/admin/rotations/{first}")
    assert edit.status_code == 200 and 'name="pattern_55"' in edit.text
    token = csrf_of(edit.text)
    form = dict(re.findall(r'<input id="f-(\w+)" name="\1"[^>]*value="([^"]*)"', edit.text))
    selects = {}
    for i in range(56):
        block = edit.text.split(f'name="pattern_{i}"')[1].split("</select>")[0]
        chosen = re.search(r"<option selected>([^<]+)</option>", block)
        selects[f"pattern_{i}"] = chosen.group(1) if chosen else ""
    version = re.search(r'name="version" value="(\d+)"', edit.text).group(1)
    data = {**{k: v.replace("&#34;", '"') for k, v in form.items()}, **selects, "csrf_token": token,
            "version": version, "name": "Renamed rotation"}  # fmt: skip
    saved = client.post(f"/app/admin/rotations/{first}", data=data, follow_redirects=True)
    assert "Saved." in saved.text, saved.text[:2000]
    assert "Renamed rotation" in saved.text


def test_a_web_upload_over_the_size_limit_is_refused_and_nothing_is_kept(client, web_seed, tmp_path, monkeypatch):
    """The web form used to check a setting that does not exist, so any size was parsed and kept."""
    from residency.api.routers import io

    monkeypatch.setenv("RESIDENCY_IMPORT_DIR", str(tmp_path))
    monkeypatch.setattr(io, "MAX_UPLOAD_BYTES", 1000)
    sign_in(client, "coord")
    token = csrf_of(client.get("/app/io").text)
    big = ("big.xlsx", b"x" * 5000, "application/octet-stream")
    r = client.post("/app/io/import", data={"csrf_token": token}, files={"file": big})
    assert r.status_code == 413 and "larger than" in r.text
    assert not list(tmp_path.iterdir())
