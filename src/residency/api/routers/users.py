"""User accounts (administrators only). There is no open registration."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from residency.api.crud import expected_version
from residency.api.deps import DbDep, Principal, requires
from residency.api.errors import ApiError, not_found
from residency.api.serialize import row_dict
from residency.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from residency.auth.roles import Access
from residency.store import audit
from residency.store.models import Person, Program, User

router = APIRouter(prefix="/users", tags=["users"])
AdminDep = Annotated[Principal, requires(Access.ADMIN)]
RoleName = Literal["admin", "coordinator", "faculty", "resident"]
HIDE = ("password_hash",)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: RoleName
    email: str | None = Field(None, max_length=254)
    program_id: int | None = None
    person_id: int | None = None
    is_active: bool = True


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(None, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: RoleName | None = None
    email: str | None = Field(None, max_length=254)
    program_id: int | None = None
    person_id: int | None = None
    is_active: bool | None = None
    version: int | None = None


class UserOut(BaseModel):
    id: int
    username: str
    email: str | None
    role: str
    program_id: int | None
    person_id: int | None
    is_active: bool
    version: int


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


def _check_links(db: Session, program_id: int | None, person_id: int | None, role: str | None) -> None:
    if program_id is not None and db.get(Program, program_id) is None:
        raise ApiError(422, "invalid_reference", f"program_id: no program {program_id}", "program_id")
    if role is not None and role != "admin" and program_id is None:
        raise ApiError(422, "validation_error", "program_id: required for every role but admin", "program_id")
    if person_id is not None:
        person = db.get(Person, person_id)
        if person is None or person.program_id != program_id:
            raise ApiError(
                422, "invalid_reference", f"person_id: no person {person_id} in program {program_id}", "person_id"
            )


def create_user(
    db: Session,
    *,
    actor_id: int | None,
    username: str,
    password: str,
    role: str,
    email: str | None = None,
    program_id: int | None = None,
    person_id: int | None = None,
    is_active: bool = True,
) -> User:
    if db.scalar(select(func.count(User.id)).where(User.username == username)):
        raise ApiError(409, "duplicate", f"username {username!r} is taken", "username")
    _check_links(db, program_id, person_id, role)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        email=email,
        program_id=program_id,
        person_id=person_id,
        is_active=is_active,
    )
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor_id=actor_id,
        program_id=program_id,
        entity="user",
        entity_id=user.id,
        action="create",
        after=row_dict(user, HIDE),
    )
    return user


@router.get("", response_model=UserPage, summary="List users")
def list_users(db: DbDep, principal: AdminDep, limit: int = 50, offset: int = 0, role: RoleName | None = None) -> dict:
    if not 1 <= limit <= 500:
        raise ApiError(422, "invalid_filter", "limit must be between 1 and 500", "limit")
    query = select(User)
    if role:
        query = query.where(User.role == role)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.scalars(query.order_by(User.id).limit(limit).offset(max(offset, 0))).all()
    return {"items": [row_dict(u, HIDE) for u in rows], "total": total, "limit": limit, "offset": offset}


@router.post("", response_model=UserOut, status_code=201, summary="Create a user")
def create(body: UserCreate, db: DbDep, principal: AdminDep) -> dict:
    user = create_user(db, actor_id=principal.user.id, **body.model_dump())
    db.commit()
    return row_dict(user, HIDE)


@router.get("/{user_id}", response_model=UserOut, summary="Read a user")
def read(user_id: int, db: DbDep, principal: AdminDep, response: Response) -> dict:
    user = db.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    response.headers["ETag"] = f'"{user.version}"'
    return row_dict(user, HIDE)


@router.patch("/{user_id}", response_model=UserOut, summary="Update a user (role, password, active)")
def update(
    user_id: int,
    body: UserUpdate,
    db: DbDep,
    principal: AdminDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> dict:
    user = db.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    changes = body.model_dump(exclude_unset=True)
    version = expected_version(changes.pop("version", None), if_match)
    if version != user.version:
        raise ApiError(409, "version_conflict", f"user {user_id} is at version {user.version}", "version")
    before = row_dict(user, HIDE)
    password = changes.pop("password", None)
    for key, value in changes.items():
        if value is None and key in ("role", "is_active"):
            raise ApiError(422, "validation_error", f"{key} may not be null", key)
        setattr(user, key, value)
    _check_links(db, user.program_id, user.person_id, user.role)
    if password:
        user.password_hash = hash_password(password)
    db.flush()
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=user.program_id,
        entity="user",
        entity_id=user.id,
        action="update",
        before=before,
        after=row_dict(user, HIDE),
        reason="password reset" if password else None,
    )
    db.commit()
    response.headers["ETag"] = f'"{user.version}"'
    return row_dict(user, HIDE)


@router.delete("/{user_id}", status_code=204, summary="Deactivate a user (history keeps the account)")
def deactivate(user_id: int, db: DbDep, principal: AdminDep) -> Response:
    user = db.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    if user.id == principal.user.id:
        raise ApiError(409, "conflict", "you cannot deactivate your own account")
    before = row_dict(user, HIDE)
    user.is_active = False
    from residency.auth.tokens import revoke_family
    from residency.store.models import RefreshToken

    for family in set(db.scalars(select(RefreshToken.family_id).where(RefreshToken.user_id == user.id))):
        revoke_family(db, family)
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=user.program_id,
        entity="user",
        entity_id=user.id,
        action="deactivate",
        before=before,
        after=row_dict(user, HIDE),
    )
    db.commit()
    return Response(status_code=204)
