"""Liveness, readiness (really asks the database) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from residency.api.deps import DbDep, current_user, get_db, get_settings
from residency.api.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/health/live", summary="The process is up (public)")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="The database answers (public)")
def ready(db: DbDep) -> dict[str, str]:
    try:
        db.execute(text("SELECT 1"))
    except Exception as exc:
        raise ApiError(503, "not_ready", "the database does not answer") from exc
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", summary="Prometheus metrics (public unless METRICS_PUBLIC=false)")
def metrics(request: Request) -> Response:
    if not get_settings(request).metrics_public:
        # Same rules as any other route: a valid bearer token of an active user.
        from fastapi.security.utils import get_authorization_scheme_param

        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        db_gen = get_db(request)
        db = next(db_gen)
        try:
            current_user(db, get_settings(request), token if scheme.lower() == "bearer" else None)
        finally:
            db_gen.close()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
