"""Programs: administrators create them; everyone else sees only their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from residency.api.crud import expected_version
from residency.api.deps import DbDep, UserDep
from residency.api.errors import ApiError, forbidden, not_found
from residency.api.serialize import row_dict
from residency.store import audit
from residency.store.enums import Role
from residency.store.models import Program, User

router = APIRouter(prefix="/programs", tags=["programs"])


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    timezone: str = "America/New_York"


class ProgramPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = None
    version: int | None = None


class ProgramOut(BaseModel):
    id: int
    name: str
    slug: str
    timezone: str
    version: int


def _check_tz(tz: str | None) -> None:
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(422, "validation_error", f"timezone: unknown time zone {tz!r}", "timezone") from exc


@router.get("", response_model=list[ProgramOut], summary="Programs you can see")
def list_programs(db: DbDep, user: UserDep) -> list[dict]:
    query = select(Program).order_by(Program.id)
    if user.role != Role.ADMIN:
        query = query.where(Program.id == (user.program_id or -1))
    return [row_dict(p) for p in db.scalars(query)]


def _admin(user: UserDep) -> User:
    if user.role != Role.ADMIN:
        raise forbidden()
    return user


def _admin_or_coordinator(user: UserDep) -> User:
    if user.role not in (Role.ADMIN, Role.COORDINATOR):
        raise forbidden()
    return user


@router.post("", response_model=ProgramOut, status_code=201, summary="Create a program (admin)")
def create_program(body: ProgramIn, db: DbDep, user: Annotated[User, Depends(_admin)], response: Response) -> dict:
    _check_tz(body.timezone)
    if db.scalar(select(func.count(Program.id)).where(Program.slug == body.slug)):
        raise ApiError(409, "duplicate", f"a program with slug {body.slug!r} exists", "slug")
    program = Program(**body.model_dump())
    db.add(program)
    db.flush()
    audit.record(
        db,
        actor_id=user.id,
        program_id=program.id,
        entity="program",
        entity_id=program.id,
        action="create",
        after=row_dict(program),
    )
    db.commit()
    response.headers["ETag"] = f'"{program.version}"'
    return row_dict(program)


@router.get("/{program_id}", response_model=ProgramOut, summary="Read a program")
def read_program(program_id: int, db: DbDep, user: UserDep, response: Response) -> dict:
    program = db.get(Program, program_id)
    if program is None or (user.role != Role.ADMIN and user.program_id != program_id):
        raise not_found("program", program_id)
    response.headers["ETag"] = f'"{program.version}"'
    return row_dict(program)


@router.patch("/{program_id}", response_model=ProgramOut, summary="Rename a program (admin, coordinator)")
def update_program(
    program_id: int,
    body: ProgramPatch,
    db: DbDep,
    user: Annotated[User, Depends(_admin_or_coordinator)],
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> dict:
    program = db.get(Program, program_id)
    if program is None or (user.role != Role.ADMIN and user.program_id != program_id):
        raise not_found("program", program_id)
    changes = body.model_dump(exclude_unset=True)
    version = expected_version(changes.pop("version", None), if_match)
    if version != program.version:
        raise ApiError(409, "version_conflict", f"program {program_id} is at version {program.version}", "version")
    _check_tz(changes.get("timezone"))
    before = row_dict(program)
    for key, value in changes.items():
        if value is None:
            raise ApiError(422, "validation_error", f"{key} may not be null", key)
        setattr(program, key, value)
    db.flush()
    audit.record(
        db,
        actor_id=user.id,
        program_id=program.id,
        entity="program",
        entity_id=program.id,
        action="update",
        before=before,
        after=row_dict(program),
    )
    db.commit()
    response.headers["ETag"] = f'"{program.version}"'
    return row_dict(program)
