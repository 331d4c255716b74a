"""Request dependencies: settings, database session, the signed-in principal and its program."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from residency.api.errors import ApiError, forbidden
from residency.auth.roles import Access, allows
from residency.auth.tokens import TokenError, decode_access_token
from residency.config import Settings
from residency.store.db import get_sessionmaker
from residency.store.enums import Role
from residency.store.models import Program, User

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    session = get_sessionmaker(request.app.state.settings.database_url)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class Principal:
    user: User
    program_id: int

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def person_id(self) -> int | None:
        return self.user.person_id

    def require(self, access: Access) -> None:
        if not allows(access, self.role):
            raise forbidden()


UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def current_user(db: DbDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise ApiError(401, "not_authenticated", "sign in first (Authorization: Bearer <token>)", headers=UNAUTHORIZED)
    try:
        claims = decode_access_token(token, settings)
    except TokenError as exc:
        raise ApiError(401, exc.code, exc.message, headers=UNAUTHORIZED) from exc
    user = db.get(User, int(claims["sub"])) if str(claims["sub"]).isdigit() else None
    if user is None or not user.is_active:
        raise ApiError(401, "token_invalid", "the account no longer exists or is disabled", headers=UNAUTHORIZED)
    return user


UserDep = Annotated[User, Depends(current_user)]


def current_principal(
    user: UserDep,
    db: DbDep,
    x_program_id: Annotated[int | None, Header(description="Program to act on (administrators)")] = None,
) -> Principal:
    """The program a request acts on: a non-admin's own; an admin's choice (X-Program-Id), else
    the admin's own, else the only program there is."""
    if user.role != Role.ADMIN:
        if user.program_id is None:
            raise forbidden("this account belongs to no program")
        if x_program_id is not None and x_program_id != user.program_id:
            raise forbidden("you may only act on your own program")
        return Principal(user, user.program_id)
    program_id = x_program_id or user.program_id
    if program_id is None:
        ids = db.scalars(select(Program.id).limit(2)).all()
        if len(ids) != 1:
            count = db.scalar(select(func.count(Program.id)))
            raise ApiError(
                422, "program_required", f"{count} programs exist: choose one with X-Program-Id", "X-Program-Id"
            )
        program_id = ids[0]
    if db.get(Program, program_id) is None:
        raise ApiError(404, "not_found", f"program {program_id} not found", "X-Program-Id")
    return Principal(user, program_id)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def requires(access: Access):
    def check(principal: PrincipalDep) -> Principal:
        principal.require(access)
        return principal

    return Depends(check)
