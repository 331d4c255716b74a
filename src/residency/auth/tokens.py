"""Short-lived access JWTs and rotating refresh tokens with reuse detection.

A refresh token is a random secret; only its SHA-256 is stored. Each refresh revokes the
presented token and issues a new one in the same family. Presenting a token that was already
rotated (a stolen copy being replayed) revokes the whole family.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from residency.config import Settings
from residency.store.models import RefreshToken, User

ALGORITHM = "HS256"


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_access_token(user: User, settings: Settings) -> str:
    now = _now()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "program_id": user.program_id,
        "type": "access",
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, settings: Settings) -> dict:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token_expired", "the access token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("token_invalid", "the access token is not valid") from exc
    if claims.get("type") != "access":
        raise TokenError("token_invalid", "not an access token")
    return claims


def _new_refresh(session: Session, user: User, family: str, settings: Settings) -> tuple[str, RefreshToken]:
    secret = secrets.token_urlsafe(48)
    row = RefreshToken(
        user_id=user.id,
        family_id=family,
        token_hash=_digest(secret),
        issued_at=_now(),
        expires_at=_now() + timedelta(days=settings.refresh_token_days),
    )
    session.add(row)
    session.flush()
    return secret, row


def issue_pair(session: Session, user: User, settings: Settings) -> TokenPair:
    secret, _ = _new_refresh(session, user, uuid.uuid4().hex, settings)
    return TokenPair(create_access_token(user, settings), secret, settings.access_token_minutes * 60)


def revoke_family(session: Session, family: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


def rotate(session: Session, presented: str, settings: Settings) -> TokenPair:
    """Exchange a refresh token for a new pair. Raises TokenError; on reuse the family is revoked
    (the caller must commit that revocation even though the request fails)."""
    row = session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(presented)).with_for_update()
    ).first()
    if row is None:
        raise TokenError("refresh_invalid", "unknown refresh token")
    if row.revoked_at is not None:
        revoke_family(session, row.family_id)
        raise TokenError("refresh_reused", "refresh token was already used; all sessions of this login are revoked")
    if _aware(row.expires_at) <= _now():
        raise TokenError("refresh_expired", "the refresh token has expired")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        revoke_family(session, row.family_id)
        raise TokenError("refresh_invalid", "the account is disabled")
    secret, new_row = _new_refresh(session, user, row.family_id, settings)
    row.revoked_at = _now()
    row.replaced_by_id = new_row.id
    return TokenPair(create_access_token(user, settings), secret, settings.access_token_minutes * 60)


def logout(session: Session, presented: str) -> bool:
    row = session.scalars(select(RefreshToken).where(RefreshToken.token_hash == _digest(presented))).first()
    if row is None:
        return False
    revoke_family(session, row.family_id)
    return True
