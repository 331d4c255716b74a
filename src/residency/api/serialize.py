"""Rows to plain JSON-able dicts (for responses and audit before/after)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import inspect


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored instants are UTC; SQLite hands them back naive
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def row_dict(row: Any, hide: tuple[str, ...] = ()) -> dict[str, Any]:
    mapper = inspect(type(row))
    return {c.key: jsonable(getattr(row, c.key)) for c in mapper.column_attrs if c.key not in hide}
