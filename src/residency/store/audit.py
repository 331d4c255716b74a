"""The audit trail: one row for every write, in the same transaction as the write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from residency.store.models import AuditLog


def record(
    session: Session,
    *,
    actor_id: int | None,
    program_id: int | None,
    entity: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        AuditLog(
            actor_user_id=actor_id,
            program_id=program_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
            reason=reason,
        )
    )
