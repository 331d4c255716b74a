"""The web app: server-rendered pages (Jinja2 + htmx) served by the API's FastAPI process, over the
same use cases. ``install(app)`` mounts it (pages under ``/app``, assets under ``/static``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def _freeze_startup_objects() -> None:
    """Move the objects that live as long as the process (modules, app, routes) out of the garbage
    collector's reach: without this a full collection re-traverses them every few requests, which
    on a loaded 2-CPU machine costs 100-300 ms and would break the block grid's 300 ms budget."""
    import gc

    gc.collect()
    gc.freeze()


def _on_startup(app: FastAPI, hook) -> None:
    from contextlib import asynccontextmanager

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        hook()
        async with inner(a) as state:
            yield state

    app.router.lifespan_context = lifespan


def install(app: FastAPI) -> None:
    """Mount the web app on an API app (idempotent)."""
    if getattr(app.state, "web_installed", False):
        return
    app.state.web_installed = True
    from residency.api.errors import ApiError
    from residency.web import routes
    from residency.web.session import CsrfFailed, LoginRequired, login_redirect_target

    app.include_router(routes.router)
    _on_startup(app, _freeze_startup_objects)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/app/", status_code=307)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = login_redirect_target(request)
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return routes.html_error(request, 403, "The form expired or did not come from this site. Reload and retry.")

    api_handler = app.exception_handlers.get(ApiError)

    async def api_error(request: Request, exc: ApiError) -> Response:
        if request.url.path.startswith("/app/") and api_handler is not None:
            return routes.html_error(request, exc.status, exc.message)
        if api_handler is None:
            raise exc
        return await api_handler(request, exc)

    if api_handler is not None:
        app.add_exception_handler(ApiError, api_error)

    from fastapi.exceptions import RequestValidationError

    validation_handler = app.exception_handlers.get(RequestValidationError)

    async def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/app/"):
            errors = exc.errors()
            first = errors[0] if errors else {"loc": (), "msg": "invalid input"}
            field = ".".join(str(x) for x in first.get("loc", ())[1:])
            return routes.html_error(request, 422, f"{field}: {first.get('msg', 'invalid input')}")
        return await validation_handler(request, exc)

    if validation_handler is not None:
        app.add_exception_handler(RequestValidationError, invalid_form)


__all__ = ["install"]
