"""Login rate limiting with a temporary lockout, kept in the database so that every API process
shares it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from residency.config import Settings
from residency.store.models import LoginAttempt

# A client address serves many users (a hospital NAT), so it gets more room than one username.
CLIENT_FACTOR = 4


def seconds_locked(session: Session, username: str, client: str, settings: Settings) -> int:
    """Seconds until a login for this username or client may be tried again; 0 when allowed."""
    since = datetime.now(UTC) - timedelta(seconds=settings.login_lockout_seconds)
    worst = 0
    for column, value, limit in (
        (LoginAttempt.username, username, settings.login_max_failures),
        (LoginAttempt.client, client, settings.login_max_failures * CLIENT_FACTOR),
    ):
        window_start = since
        if column is LoginAttempt.username:
            # A successful login forgives the failures before it.
            last_ok = session.scalar(
                select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(True))
            )
            if last_ok is not None:
                window_start = max(since, last_ok if last_ok.tzinfo else last_ok.replace(tzinfo=UTC))
        failures = select(LoginAttempt.at).where(
            column == value, LoginAttempt.at >= window_start, LoginAttempt.success.is_(False)
        )
        count = session.scalar(select(func.count()).select_from(failures.subquery()))
        if count and count >= limit:
            last = session.scalar(
                select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(False))
            )
            last = last if last.tzinfo else last.replace(tzinfo=UTC)
            remaining = (
                int((last + timedelta(seconds=settings.login_lockout_seconds) - datetime.now(UTC)).total_seconds()) + 1
            )
            worst = max(worst, remaining)
    return worst


def record(session: Session, username: str, client: str, success: bool) -> None:
    session.add(LoginAttempt(username=username[:64], client=client[:64], success=success, at=datetime.now(UTC)))
