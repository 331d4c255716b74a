"""A complete JSON backup of one program, and its restore.

The backup holds every row of every program-scoped table (the program, its years, blocks, holidays,
people, PGY levels, activities, rotations, curriculum, call pools, absences, procedures, credentials,
certifications, runs and every schedule version with its block, half-day and call assignments), with
the rows' own values (timestamps and versions included). User accounts, sign-in tokens, calendar
tokens and the audit log are not part of it: references to users are dropped (set to null).

Restoring inserts the rows with new ids (references are translated), so it also works into a
database that already holds other programs; a program with the same slug is refused.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Date, DateTime, Time, insert, select
from sqlalchemy.orm import Session

from residency.store import models as m

FORMAT = "residency-backup"
VERSION = 1
# parents before children
MODELS = (
    m.Program,
    m.AcademicYear,
    m.Block,
    m.Holiday,
    m.Person,
    m.PgyLevel,
    m.Activity,
    m.Rotation,
    m.CurriculumRequirement,
    m.CallPool,
    m.Absence,
    m.Procedure,
    m.ProcedureCredential,
    m.CertificationType,
    m.PersonCertification,
    m.ScheduleRun,
    m.Schedule,
    m.BlockAssignment,
    m.HalfDayAssignment,
    m.CallAssignment,
)
USER_REFERENCES = {"requested_by_id", "decided_by_id", "created_by_id"}


class BackupError(Exception):
    pass


def _out(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def backup(db: Session, program_id: int) -> dict:
    program = db.get(m.Program, program_id)
    if program is None:
        raise BackupError(f"program {program_id} not found")
    tables = {}
    for model in MODELS:
        table = model.__table__
        cols = [c.name for c in table.columns]
        key = table.c.id if model is m.Program else table.c.program_id
        rows = db.execute(select(table).where(key == program_id).order_by(table.c.id)).all()
        tables[table.name] = {
            "columns": cols,
            "rows": [[None if c in USER_REFERENCES else _out(getattr(r, c)) for c in cols] for r in rows],
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "program": {"id": program.id, "slug": program.slug, "name": program.name},
        "tables": tables,
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _in(column, value: Any) -> Any:
    if value is None:
        return None
    t = column.type
    if isinstance(t, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(t, Date):
        return date.fromisoformat(value)
    if isinstance(t, Time):
        return time.fromisoformat(value)
    return value


def restore(db: Session, data: dict, *, slug: str | None = None) -> int:
    """Insert a backup (flush only; the caller commits). Returns the new program id."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("not a residency backup file")
    if data.get("version") != VERSION:
        raise BackupError(f"backup version {data.get('version')} is not supported (expected {VERSION})")
    tables = data.get("tables") or {}
    slug = slug or data["program"]["slug"]
    if db.scalars(select(m.Program).where(m.Program.slug == slug)).first() is not None:
        raise BackupError(f"a program with slug {slug!r} already exists")
    ids: dict[str, dict[int, int]] = {}
    referenced = {fk.column.table.name for model in MODELS for fk in model.__table__.foreign_keys}
    for model in MODELS:
        table = model.__table__
        block = tables.get(table.name, {"columns": [], "rows": []})
        cols = block["columns"]
        fks = {c.name: next(iter(c.foreign_keys)).column.table.name for c in table.columns if c.foreign_keys}
        rows = []
        for raw in block["rows"]:
            row = {c: _in(table.c[c], v) for c, v in zip(cols, raw, strict=True) if c in table.c}
            for c, target in fks.items():
                if row.get(c) is None:
                    continue
                if target == "users":
                    row[c] = None
                    continue
                if row[c] not in ids.get(target, {}):
                    raise BackupError(f"{table.name}: {c} refers to a missing {target} row {row[c]}")
                row[c] = ids[target][row[c]]
            if model is m.Program:
                row["slug"] = slug
            rows.append(row)
        if table.name in referenced:
            mapping = ids.setdefault(table.name, {})
            for row in rows:
                old = row.pop("id")
                mapping[old] = db.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
        elif rows:
            for row in rows:
                row.pop("id", None)
            for start in range(0, len(rows), 5000):
                db.execute(insert(table), rows[start : start + 5000])
    db.flush()
    if not ids.get("programs"):
        raise BackupError("the backup holds no program")
    return next(iter(ids["programs"].values()))
