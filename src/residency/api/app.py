"""The FastAPI application factory."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import Counter, Histogram

from residency import __version__, logs
from residency.api import crud, errors, metrics
from residency.api.resources import RESOURCES
from residency.api.routers import (
    actions,
    auth,
    compliance,
    health,
    io,
    programs,
    repairs,
    resilience,
    schedule,
    users,
)
from residency.config import Settings, get_settings

log = structlog.get_logger("residency.api")
REQUESTS = Counter("residency_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("residency_http_request_seconds", "HTTP request latency", ["method", "route"])

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    logs.configure(settings.log_level)
    if settings.sentry_dsn:
        import sentry_sdk

        sentry_sdk.init(dsn=settings.sentry_dsn, send_default_pii=False, environment=settings.env)

    app = FastAPI(
        title="Residency Scheduler",
        version=__version__,
        description="Schedules and ACGME compliance for medical residency programs.",
    )
    app.state.settings = settings
    metrics.install(settings.database_url)
    errors.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        LATENCY.labels(request.method, template).observe(elapsed)
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request", method=request.method, route=template, status=response.status_code, ms=round(elapsed * 1000, 1)
        )
        return response

    app.include_router(health.router)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth.router)
    api.include_router(programs.router)
    api.include_router(users.router)
    api.include_router(actions.router)
    api.include_router(schedule.router)
    api.include_router(repairs.router)
    api.include_router(compliance.router)
    api.include_router(resilience.router)
    api.include_router(io.router)
    for resource in RESOURCES:
        api.include_router(crud.router_for(resource))
    app.include_router(api)
    from residency.web import install as install_web

    install_web(app)
    return app
