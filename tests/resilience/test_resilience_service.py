"""Health checks in the running product: stored reports, level-change events, alerts by in-app
notification and real SMTP, expiry reminders sent once, and the API and /metrics over them."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from resilience_builders import sample
from sqlalchemy import select

from residency.config import Settings
from residency.health_service import REMINDER_DAYS, run_check, send_reminders
from residency.services import store_program
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture()
def published(client, database_url, world):
    program, schedule = sample("realistic")
    with session_scope(database_url) as db:
        row = store_program(db, program, "resilience")
        year = store.year_of(db, row.id)
        for old in db.scalars(select(m.Schedule).where(m.Schedule.program_id == row.id)):
            old.status = "archived"
        store.save_schedule(db, row.id, year.id, schedule, status="published", name="hand-made")
        program_id = row.id
    coordinator = world.user("coordinator", program_id, username="coord")
    with session_scope(database_url) as db:
        db.scalars(select(m.User).where(m.User.username == coordinator)).one().email = "coord@example.org"
    return program, schedule, program_id


def test_check_is_stored_alerts_once_and_emails(published, database_url, smtp):
    program, schedule, program_id = published
    inbox, port = smtp
    settings = Settings(DATABASE_URL=database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with session_scope(database_url) as db:
        first = run_check(db, settings, program_id, as_of=program.year.start, kind="quick")
        level, fatal = first.level, first.report["contingency"]["fatal_people"]
    assert level and first.report["hubs"]["single_points_of_failure"]
    assert "F-03" in fatal  # the only vasectomy credential holder
    with session_scope(database_url) as db:
        events = db.scalars(select(m.DefenseEvent).where(m.DefenseEvent.program_id == program_id)).all()
        notes = db.scalars(select(m.Notification).where(m.Notification.program_id == program_id)).all()
        assert [e.level for e in events] == [level]
        assert {n.kind for n in notes} == {"defense_level", "n1_failed"}
        assert all(n.emailed_at is not None for n in notes)
    assert len(inbox.messages) == 2 and all(msg.rcpt_tos == ["coord@example.org"] for msg in inbox.messages)
    # the same state again: a new report, but no new event and no new alert
    with session_scope(database_url) as db:
        run_check(db, settings, program_id, as_of=program.year.start, kind="quick")
    with session_scope(database_url) as db:
        assert db.query(m.HealthReportRow).filter_by(program_id=program_id).count() == 2
        assert db.query(m.DefenseEvent).filter_by(program_id=program_id).count() == 1
        assert db.query(m.Notification).filter_by(program_id=program_id).count() == 2
    assert len(inbox.messages) == 2


def test_expiry_reminders_go_out_once_per_threshold(published, database_url):
    program, _, program_id = published
    settings = Settings(DATABASE_URL=database_url)
    with session_scope(database_url) as db:
        cert = db.scalars(
            select(m.PersonCertification)
            .where(m.PersonCertification.program_id == program_id)
            .order_by(m.PersonCertification.expires)
        ).first()
        expires, cert_id = cert.expires, cert.id
    day = expires - timedelta(days=30)
    with session_scope(database_url) as db:
        assert send_reminders(db, settings, program_id, today=day) >= 1
    with session_scope(database_url) as db:
        sent = {
            r.days_before
            for r in db.scalars(
                select(m.ReminderSent).where(
                    m.ReminderSent.subject_id == cert_id, m.ReminderSent.subject == "certification"
                )
            )
        }
        assert sent == {d for d in REMINDER_DAYS if d >= 30}
        before = db.query(m.Notification).filter_by(program_id=program_id).count()
        assert send_reminders(db, settings, program_id, today=day) == 0
        assert db.query(m.Notification).filter_by(program_id=program_id).count() == before
    with session_scope(database_url) as db:  # the 14-day threshold later sends one more
        send_reminders(db, settings, program_id, today=expires - timedelta(days=14))
        sent = {
            r.days_before
            for r in db.scalars(
                select(m.ReminderSent).where(
                    m.ReminderSent.subject_id == cert_id, m.ReminderSent.subject == "certification"
                )
            )
        }
        assert 14 in sent and 7 not in sent


def test_api_report_sections_notifications_and_metrics(published, client, world):
    program, _, program_id = published
    h = {"Authorization": f"Bearer {world.login('coord')['access_token']}"}
    assert client.get("/api/v1/resilience/report", headers=h).json()["error"]["code"] == "no_health_report"
    r = client.post(
        "/api/v1/resilience/check", json={"kind": "quick", "as_of": program.year.start.isoformat()}, headers=h
    )
    assert r.status_code == 200, r.text
    hubs = client.get("/api/v1/resilience/hubs", headers=h).json()["hubs"]
    assert any("F-03" in c["holders"] for c in hubs["single_points_of_failure"])
    assert client.get("/api/v1/resilience/nonsense", headers=h).status_code == 404
    notes = client.get("/api/v1/notifications", headers=h).json()["items"]
    assert notes and all(n["read_at"] is None for n in notes)
    assert client.post(f"/api/v1/notifications/{notes[0]['id']}/read", headers=h).json()["read_at"]
    metrics = client.get("/metrics").text
    assert f'residency_defense_level{{program="{program_id}"}}' in metrics
    resident = world.headers("resident", program_id)
    assert client.get("/api/v1/resilience/report", headers=resident).status_code == 403
