"""The web app's session: the API's own access + refresh tokens kept in HttpOnly cookies, refreshed
transparently, and a double-submit CSRF token required on every POST.

- ``rs_at``: the access JWT (same as ``POST /api/v1/auth/login`` returns), HttpOnly, SameSite=Lax.
- ``rs_rt``: the rotating refresh token, HttpOnly, SameSite=Lax; an expired access token is exchanged
  with ``residency.auth.tokens.rotate`` (reuse detection and family revocation included).
- ``rs_csrf``: a random token, HttpOnly; every form carries it in ``csrf_token`` (htmx requests in
  the ``X-CSRF-Token`` header) and the two must match. Requests whose ``Origin`` names another host
  are refused too.
- ``Secure`` is set unless the app runs in development or on localhost.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from sqlalchemy.orm import Session

from residency.api.deps import Principal, current_principal
from residency.api.errors import ApiError
from residency.auth import tokens
from residency.config import Settings
from residency.store.models import User

ACCESS, REFRESH, CSRF, PROGRAM = "rs_at", "rs_rt", "rs_csrf", "rs_program"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "testserver"}


class LoginRequired(Exception):
    """Raised by the web dependencies; answered with a redirect to the sign-in page."""


class CsrfFailed(Exception):
    pass


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str | None  # None deletes
    max_age: int | None = None


def secure_cookies(request: Request, settings: Settings) -> bool:
    host = (request.url.hostname or "").lower()
    return settings.is_production and host not in LOCAL_HOSTS


def queue_cookie(request: Request, name: str, value: str | None, max_age: int | None = None) -> None:
    pending = getattr(request.state, "web_cookies", None)
    if pending is None:
        pending = request.state.web_cookies = []
    pending.append(Cookie(name, value, max_age))


def apply_cookies(request: Request, response, settings: Settings):
    secure = secure_cookies(request, settings)
    for c in getattr(request.state, "web_cookies", []) or []:
        if c.value is None:
            response.delete_cookie(c.name, path="/", httponly=True, samesite="lax", secure=secure)
        else:
            response.set_cookie(
                c.name, c.value, max_age=c.max_age, path="/", httponly=True, samesite="lax", secure=secure
            )
    return response


def store_pair(request: Request, pair: tokens.TokenPair, settings: Settings) -> None:
    queue_cookie(request, ACCESS, pair.access_token, settings.access_token_minutes * 60)
    queue_cookie(request, REFRESH, pair.refresh_token, settings.refresh_token_days * 86400)


def clear_session(request: Request) -> None:
    for name in (ACCESS, REFRESH, PROGRAM):
        queue_cookie(request, name, None)


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser, created (and queued as a cookie) on first use."""
    token = getattr(request.state, "csrf", None) or request.cookies.get(CSRF)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
        queue_cookie(request, CSRF, token)
    request.state.csrf = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF) or ""
    sent = submitted or request.headers.get("X-CSRF-Token") or ""
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfFailed()
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise CsrfFailed()


def _user_from_access(db: Session, token: str, settings: Settings) -> User | None:
    try:
        claims = tokens.decode_access_token(token, settings)
    except tokens.TokenError:
        return None
    sub = str(claims.get("sub", ""))
    user = db.get(User, int(sub)) if sub.isdigit() else None
    return user if user is not None and user.is_active else None


def signed_in_user(request: Request, db: Session, settings: Settings) -> User | None:
    """The user of the session; an expired access token is refreshed with the refresh cookie."""
    cached = getattr(request.state, "web_user", None)
    if cached is not None:
        return cached
    access = request.cookies.get(ACCESS)
    user = _user_from_access(db, access, settings) if access else None
    if user is None and request.cookies.get(REFRESH):
        try:
            pair = tokens.rotate(db, request.cookies[REFRESH], settings)
        except tokens.TokenError:
            db.commit()  # keep a family revocation caused by a replayed token
            clear_session(request)
            return None
        db.commit()
        store_pair(request, pair, settings)
        user = _user_from_access(db, pair.access_token, settings)
    request.state.web_user = user
    return user


def principal_for(request: Request, db: Session, settings: Settings) -> Principal:
    user = signed_in_user(request, db, settings)
    if user is None:
        raise LoginRequired()
    chosen = request.cookies.get(PROGRAM)
    program_id = int(chosen) if chosen and chosen.isdigit() and user.role == "admin" else None
    try:
        return current_principal(user, db, program_id)
    except ApiError as exc:
        if exc.code == "not_found" and program_id is not None:
            queue_cookie(request, PROGRAM, None)
            return current_principal(user, db, None)
        raise


def login_redirect_target(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return "/app/login?next=" + quote(path, safe="")


def safe_next(value: str | None) -> str:
    """Only local paths of the web app are followed after sign-in (no open redirect)."""
    if value and value.startswith("/app") and not value.startswith("//") and "\\" not in value:
        return value
    return "/app/"
