"""Import (upload → staging report → apply), exports, and calendar subscription feeds.

- ``POST /imports/xlsx`` (coordinator): multipart upload of a workbook, at most ``MAX_UPLOAD_BYTES``
  (413 beyond, checked while reading, before anything is parsed); answers the staging report and an
  import id. The file is kept under ``RESIDENCY_IMPORT_DIR`` (default ``var/imports``) until applied,
  or for ``STAGED_TTL_S`` (24 h) if it never is: each new upload purges the expired ones.
- ``POST /imports/{id}/apply`` (coordinator): re-reads the kept file against the program as it is now
  and writes it in one transaction; an expired import is 410 ``import_expired`` (upload it again).
- ``GET /exports/{format}``: xlsx | csv | ics | json | duty-csv of the published schedule (drafts:
  coordinators); json (a complete backup) is for coordinators; ics is one person's calendar.
- ``POST /calendars/tokens``, ``GET /calendars/tokens``, ``DELETE /calendars/tokens/{id}``: a person's
  own feed tokens (coordinators: anyone's). The secret is returned once; only its SHA-256 is stored.
- ``GET /calendars/{token}.ics``: the subscription feed, no sign-in; an unknown or revoked token is 404.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from starlette.formparsers import MultiPartException, MultiPartParser

from residency.api.deps import DbDep, Principal, PrincipalDep, requires
from residency.api.errors import ApiError, forbidden, not_found
from residency.auth.roles import Access, allows
from residency.store import models as m

router = APIRouter(tags=["import and export"])
CoordinatorDep = Annotated[Principal, requires(Access.COORDINATOR)]

MAX_UPLOAD_BYTES = int(float(os.environ.get("RESIDENCY_MAX_UPLOAD_MB", "20")) * 1024 * 1024)
EXPORT_FORMATS = ("xlsx", "csv", "ics", "json", "duty-csv")
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "duty-csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "json": "application/json",
}
_ID = re.compile(r"^[0-9a-f]{32}$")


STAGED_TTL_S = 24 * 3600


def import_dir() -> Path:
    return Path(os.environ.get("RESIDENCY_IMPORT_DIR", "var/imports"))


def _expired(meta: dict, now: datetime) -> bool:
    try:
        created = datetime.fromisoformat(meta["created_at"])
    except (KeyError, TypeError, ValueError):
        return True  # a meta file we cannot date is not worth keeping
    return (now - created).total_seconds() > STAGED_TTL_S


def purge_expired(now: datetime | None = None) -> int:
    """Delete staged imports older than ``STAGED_TTL_S`` (and files left without their pair);
    returns how many imports went."""
    folder, now = import_dir(), now or datetime.now(UTC)
    if not folder.is_dir():
        return 0
    gone = 0
    for meta_path in folder.glob("*.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if _expired(meta, now):
            meta_path.unlink(missing_ok=True)
            (folder / f"{meta_path.stem}.xlsx").unlink(missing_ok=True)
            gone += 1
    for file_path in folder.glob("*.xlsx"):
        if not (folder / f"{file_path.stem}.json").exists():
            file_path.unlink(missing_ok=True)
    return gone


def keep_staged(principal: Principal, data: bytes, filename: str, year: int | None, sha256: str) -> str:
    """Keep an uploaded workbook until it is applied (or expires); returns its import id."""
    purge_expired()
    import_id = secrets.token_hex(16)
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{import_id}.xlsx").write_bytes(data)
    meta = {
        "program_id": principal.program_id,
        "user_id": principal.user.id,
        "filename": filename,
        "year": year,
        "sha256": sha256,
        "created_at": datetime.now(UTC).isoformat(),
    }
    (folder / f"{import_id}.json").write_text(json.dumps(meta), encoding="utf-8")
    return import_id


def _too_large() -> ApiError:
    mb = MAX_UPLOAD_BYTES / (1024 * 1024)
    return ApiError(413, "payload_too_large", f"the upload is larger than {mb:g} MB", "file")


async def _read_upload(request: Request) -> tuple[str, bytes]:
    """The single uploaded file (name, bytes); refuses oversize bodies while they stream in."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise _too_large()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the workbook as multipart/form-data (field 'file')", "file")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES + 64 * 1024:
            raise _too_large()

    async def stream():
        yield bytes(body)

    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=10).parse()
    except MultiPartException as exc:
        raise ApiError(422, "validation_error", f"the upload is not valid multipart: {exc.message}", "file") from exc
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(422, "validation_error", "no file in the upload (field 'file')", "file")
    data = await upload.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    if not data:
        raise ApiError(422, "empty_file", "the uploaded file is empty", "file")
    return upload.filename or "workbook.xlsx", data


def _known_program(db, program_id: int):
    from residency.store.loader import NotFound, load_program

    try:
        return load_program(db, program_id)
    except NotFound:
        return None


def _stage(db, program_id: int, data: bytes, filename: str, year: int | None):
    from residency.io.workbook import WorkbookError, stage_workbook

    try:
        return stage_workbook(data, filename, program=_known_program(db, program_id), year=year)
    except WorkbookError as exc:
        raise ApiError(422, exc.code, exc.message, "file") from exc


@router.post("/imports/xlsx", summary="Upload a program workbook: the staging report (nothing is written)")
async def upload_workbook(
    request: Request,
    db: DbDep,
    principal: CoordinatorDep,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="academic year start (2025)")] = None,
) -> dict:
    filename, data = await _read_upload(request)
    staged = _stage(db, principal.program_id, data, filename, year)
    import_id = keep_staged(principal, data, filename, year, staged.sha256)
    return {"import_id": import_id, "apply": f"/api/v1/imports/{import_id}/apply", "report": staged.report()}


@router.post("/imports/{import_id}/apply", summary="Write a staged import (one transaction)")
def apply_import(import_id: str, db: DbDep, principal: CoordinatorDep) -> dict:
    from residency.io.workbook import apply_staging

    folder = import_dir()
    meta_path, file_path = folder / f"{import_id}.json", folder / f"{import_id}.xlsx"
    if not _ID.match(import_id) or not meta_path.is_file() or not file_path.is_file():
        raise not_found("import", import_id)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["program_id"] != principal.program_id:
        raise not_found("import", import_id)
    if _expired(meta, datetime.now(UTC)):
        meta_path.unlink(missing_ok=True)
        file_path.unlink(missing_ok=True)
        hours = STAGED_TTL_S // 3600
        raise ApiError(410, "import_expired", f"staged imports are kept {hours} h; upload the workbook again",
                       "import_id")  # fmt: skip
    staged = _stage(db, principal.program_id, file_path.read_bytes(), meta["filename"], meta.get("year"))
    result = apply_staging(db, staged, program_id=principal.program_id)
    db.add(
        m.AuditLog(
            program_id=principal.program_id,
            actor_user_id=principal.user.id,
            entity="import",
            entity_id=result.schedule_id,
            action="apply",
            after={"file": meta["filename"], "sha256": staged.sha256, **result.to_dict()},
        )
    )
    db.commit()
    meta_path.unlink(missing_ok=True)
    file_path.unlink(missing_ok=True)
    return {"import_id": import_id, **result.to_dict(), "summary": staged.summary()}


def _person_key(db, principal: Principal, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    person = db.get(m.Person, person_id)
    if person is None or person.program_id != principal.program_id:
        raise not_found("person", person_id)
    return person.key


@router.get("/exports/{fmt}", summary="Export the schedule: xlsx | csv | ics | json | duty-csv")
def export(
    fmt: str,
    db: DbDep,
    principal: PrincipalDep,
    schedule_id: int | None = None,
    block: int | None = None,
    person_id: int | None = None,
) -> Response:
    from residency.io.csv_export import export_csv
    from residency.io.ics import person_calendar
    from residency.io.xlsx_export import export_xlsx
    from residency.views import ViewError, current

    if fmt not in EXPORT_FORMATS:
        raise ApiError(404, "not_found", f"unknown export format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}", "fmt")
    coordinator = allows(Access.COORDINATOR, principal.role)
    if fmt == "json":
        if not coordinator:
            raise forbidden("a complete backup is for coordinators")
        from residency.io.backup import backup, dumps

        body = dumps(backup(db, principal.program_id))
        return _download(body.encode(), fmt, f"program-{principal.program_id}-backup.json")
    key = _person_key(db, principal, person_id)
    if fmt == "ics":
        if key is None:
            raise ApiError(422, "validation_error", "an ics export is one person's: give person_id", "person_id")
        if not coordinator and principal.person_id != person_id:
            raise forbidden("you may export only your own calendar")
    try:
        cur = current(db, principal.program_id, schedule_id, drafts_allowed=coordinator)
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    if block is not None and block not in {b.number for b in cur.program.year.blocks}:
        raise ApiError(404, "not_found", f"block {block} not found", "block")
    stem = f"schedule-{cur.row.id}" + (f"-block{block}" if block else "") + (f"-{key}" if key else "")
    if fmt == "xlsx":
        return _download(export_xlsx(cur.program, cur.schedule, block=block, person=key), fmt, f"{stem}.xlsx")
    if fmt == "csv":
        return _download(export_csv(cur.program, cur.schedule, block=block, person=key).encode(), fmt, f"{stem}.csv")
    if fmt == "ics":
        return _download(person_calendar(cur.program, cur.schedule, key), fmt, f"{stem}.ics")
    from residency.compliance.duty_csv import write_duty_csv
    from residency.domain.duty_periods import derive

    periods = derive(cur.program, cur.schedule).periods
    if key:
        periods = [p for p in periods if p.person_id == key]
    return _download(write_duty_csv(periods).encode(), fmt, f"{stem}-duty-periods.csv")


def _download(body: bytes, fmt: str, filename: str) -> Response:
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---- calendar feed tokens ---------------------------------------------------------------------


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: int


def _token_out(row: m.CalendarToken) -> dict:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def _may_manage(principal: Principal, person_id: int) -> bool:
    return allows(Access.COORDINATOR, principal.role) or principal.person_id == person_id


@router.post("/calendars/tokens", status_code=201, summary="Create a calendar feed token (the secret is shown once)")
def create_token(body: TokenIn, db: DbDep, principal: PrincipalDep) -> dict:
    person = db.get(m.Person, body.person_id)
    if person is None or person.program_id != principal.program_id:
        raise not_found("person", body.person_id)
    if not _may_manage(principal, person.id):
        raise forbidden("you may create a feed only for yourself")
    secret = secrets.token_urlsafe(32)
    row = m.CalendarToken(
        program_id=principal.program_id,
        person_id=person.id,
        token_hash=hashlib.sha256(secret.encode()).hexdigest(),
        created_by_id=principal.user.id,
    )
    db.add(row)
    db.commit()
    return {**_token_out(row), "token": secret, "url": f"/api/v1/calendars/{secret}.ics"}


@router.get("/calendars/tokens", summary="Calendar feed tokens (yours; coordinators: the program's)")
def list_tokens(db: DbDep, principal: PrincipalDep) -> dict:
    query = select(m.CalendarToken).where(m.CalendarToken.program_id == principal.program_id)
    if not allows(Access.COORDINATOR, principal.role):
        query = query.where(m.CalendarToken.person_id == (principal.person_id or -1))
    return {"items": [_token_out(r) for r in db.scalars(query.order_by(m.CalendarToken.id))]}


@router.delete("/calendars/tokens/{token_id}", status_code=204, summary="Revoke a calendar feed token")
def revoke_token(token_id: int, db: DbDep, principal: PrincipalDep) -> Response:
    row = db.get(m.CalendarToken, token_id)
    if row is None or row.program_id != principal.program_id or not _may_manage(principal, row.person_id):
        raise not_found("calendar token", token_id)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        db.commit()
    return Response(status_code=204)


@router.get(
    "/calendars/{token}.ics",
    summary="A person's calendar feed (subscription URL; no sign-in)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def feed(token: str, db: DbDep) -> Response:
    from residency.io.ics import person_calendar
    from residency.store.loader import NotFound, load_program
    from residency.views import ViewError, current

    digest = hashlib.sha256(token.encode()).hexdigest()
    row = db.scalars(select(m.CalendarToken).where(m.CalendarToken.token_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        raise ApiError(404, "not_found", "no such calendar feed")
    person = db.get(m.Person, row.person_id)
    try:
        cur = current(db, row.program_id, None)
        program, schedule, stamp = cur.program, cur.schedule, cur.row.published_at
    except ViewError:
        try:
            program, schedule, stamp = load_program(db, row.program_id), None, None
        except NotFound as exc:
            raise ApiError(404, "not_found", "no such calendar feed") from exc
    if stamp is not None and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    body = person_calendar(program, schedule, person.key, stamp=stamp)
    return Response(body, media_type=MEDIA["ics"], headers={"Cache-Control": "private, max-age=300"})


def purge_imports(older_than_hours: float = 24) -> int:
    """Delete staged uploads older than this (a maintenance hook)."""
    folder = import_dir()
    if not folder.is_dir():
        return 0
    cutoff = datetime.now(UTC).timestamp() - older_than_hours * 3600
    gone = 0
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True) if path.is_file() else shutil.rmtree(path, ignore_errors=True)
            gone += 1
    return gone
