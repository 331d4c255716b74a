"""Sign in, refresh, sign out, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from residency.api.deps import DbDep, SettingsDep, UserDep
from residency.api.errors import ApiError
from residency.auth import throttle, tokens
from residency.auth.passwords import DUMMY_HASH, verify_password
from residency.store import audit
from residency.store.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshIn(BaseModel):
    refresh_token: str


class MeOut(BaseModel):
    id: int
    username: str
    email: str | None
    role: str
    program_id: int | None
    person_id: int | None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=TokenOut, summary="Sign in (OAuth2 password flow)")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, db: DbDep, settings: SettingsDep
) -> TokenOut:
    username, client = form.username.strip(), _client(request)
    wait = throttle.seconds_locked(db, username, client, settings)
    if wait > 0:
        raise ApiError(
            429, "login_locked", f"too many failed sign-ins; try again in {wait} s", headers={"Retry-After": str(wait)}
        )
    user = db.scalars(select(User).where(User.username == username)).first()
    valid = verify_password(form.password, user.password_hash if user else DUMMY_HASH)
    if not (user and valid and user.is_active):
        throttle.record(db, username, client, success=False)
        db.commit()
        raise ApiError(401, "invalid_credentials", "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    throttle.record(db, username, client, success=True)
    pair = tokens.issue_pair(db, user, settings)
    audit.record(db, actor_id=user.id, program_id=user.program_id, entity="user", entity_id=user.id, action="login")
    db.commit()
    return TokenOut(**pair.__dict__)


@router.post("/refresh", response_model=TokenOut, summary="Exchange a refresh token for a new pair")
def refresh(body: RefreshIn, db: DbDep, settings: SettingsDep) -> TokenOut:
    try:
        pair = tokens.rotate(db, body.refresh_token, settings)
    except tokens.TokenError as exc:
        db.commit()  # keep the family revocation a replayed token triggered
        raise ApiError(401, exc.code, exc.message, "refresh_token") from exc
    db.commit()
    return TokenOut(**pair.__dict__)


@router.post("/logout", status_code=204, summary="Revoke the refresh token and its family")
def logout(body: RefreshIn, db: DbDep, user: UserDep) -> None:
    tokens.logout(db, body.refresh_token)
    audit.record(db, actor_id=user.id, program_id=user.program_id, entity="user", entity_id=user.id, action="logout")
    db.commit()


@router.get("/me", response_model=MeOut, summary="The signed-in user")
def me(user: UserDep) -> MeOut:
    return MeOut(
        id=user.id,
        username=user.username,
        email=user.email,
        role=user.role,
        program_id=user.program_id,
        person_id=user.person_id,
    )
