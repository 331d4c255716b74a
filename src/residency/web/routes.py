"""The web app's pages (server-rendered, Jinja2 + htmx). Every action goes through the same use cases
as the API: ``residency.views`` for grids, reports and checks, ``residency.runs`` for generation, the
API's CRUD service (with its compliance guard) for edits, its action functions for leave decisions,
imports, exports and calendar tokens. Pages only arrange what those return."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.api import crud
from residency.api.deps import Principal, get_db
from residency.api.errors import ApiError
from residency.api.resources import RESOURCES
from residency.auth import throttle, tokens
from residency.auth.passwords import DUMMY_HASH, verify_password
from residency.auth.roles import Access, allows
from residency.config import Settings
from residency.domain.calendar import HalfDay
from residency.store import audit
from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import RunStatus
from residency.views import CallEdit, CellEdit, ViewError, apply_edits, check_change, compliance_report, current
from residency.web import queries as q
from residency.web.session import (
    LoginRequired,
    apply_cookies,
    check_csrf,
    clear_session,
    csrf_token,
    principal_for,
    queue_cookie,
    safe_next,
    signed_in_user,
    store_pair,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/app", include_in_schema=False)
log = structlog.get_logger("residency.web")
RES = {r.name: r for r in RESOURCES}
CATEGORY_CLASS = {"clinical": "kc", "education": "ke", "admin": "ka", "off": "ko", "leave": "kl", "call": "kx"}
templates.env.globals["cat"] = CATEGORY_CLASS


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@dataclass
class Ctx:
    request: Request
    db: Session
    settings: Settings
    principal: Principal

    @property
    def coordinator(self) -> bool:
        return allows(Access.COORDINATOR, self.principal.role)

    @property
    def staff(self) -> bool:
        return allows(Access.STAFF, self.principal.role)

    def require(self, access: Access) -> None:
        if not allows(access, self.principal.role):
            raise ApiError(403, "forbidden", "your role may not open this page")


def web_ctx(request: Request, db: Annotated[Session, Depends(get_db)]) -> Ctx:
    settings = _settings(request)
    return Ctx(request, db, settings, principal_for(request, db, settings))


Web = Annotated[Ctx, Depends(web_ctx)]
Csrf = Annotated[str | None, Form()]


def render(request: Request, name: str, ctx: dict[str, Any] | None = None, status: int = 200, web: Ctx | None = None):
    data = {"csrf": csrf_token(request), "today": date.today(), "path": request.url.path,
            "msg": request.query_params.get("msg")}  # fmt: skip
    if web is not None:
        data.update(me=web.principal.user, coordinator=web.coordinator, staff=web.staff)
    data.update(ctx or {})
    response = templates.TemplateResponse(request, name, data, status_code=status)
    return apply_cookies(request, response, _settings(request))


def redirect(request: Request, url: str) -> Response:
    if request.headers.get("HX-Request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return apply_cookies(request, response, _settings(request))


def flash_url(url: str, message: str) -> str:
    from urllib.parse import quote

    return url + ("&" if "?" in url else "?") + "msg=" + quote(message)


# ---------------------------------------------------------------- sign in / out


@router.get("/login")
def login_page(request: Request, next: str | None = None):
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    db: Annotated[Session, Depends(get_db)],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Csrf = None,
    next: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    settings = _settings(request)
    username = username.strip()
    client = request.client.host if request.client else "unknown"
    wait = throttle.seconds_locked(db, username, client, settings)
    if wait > 0:
        ctx = {"next": safe_next(next), "error": f"Too many failed sign-ins. Try again in {wait} seconds."}
        return render(request, "login.html", ctx, status=429)
    user = db.scalars(select(m.User).where(m.User.username == username)).first()
    valid = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if not (user and valid and user.is_active):
        throttle.record(db, username, client, success=False)
        db.commit()
        return render(request, "login.html", {"next": safe_next(next), "error": "Wrong username or password."}, 401)
    throttle.record(db, username, client, success=True)
    pair = tokens.issue_pair(db, user, settings)
    audit.record(db, actor_id=user.id, program_id=user.program_id, entity="user", entity_id=user.id, action="login")
    db.commit()
    store_pair(request, pair, settings)
    return redirect(request, safe_next(next))


@router.post("/logout")
def logout(request: Request, db: Annotated[Session, Depends(get_db)], csrf_token: Csrf = None):
    check_csrf(request, csrf_token)
    refresh = request.cookies.get("rs_rt")
    user = signed_in_user(request, db, _settings(request))
    if refresh:
        tokens.logout(db, refresh)
    if user is not None:
        audit.record(
            db, actor_id=user.id, program_id=user.program_id, entity="user", entity_id=user.id, action="logout"
        )
    db.commit()
    clear_session(request)
    return redirect(request, "/app/login")


@router.get("/")
def home(web: Web):
    if web.coordinator:
        return redirect(web.request, "/app/year")
    return redirect(web.request, "/app/me")


@router.get("/program")
def program_picker(web: Web):
    web.require(Access.ADMIN)
    programs = web.db.scalars(select(m.Program).order_by(m.Program.name)).all()
    return render(web.request, "program.html", {"programs": programs, "current": web.principal.program_id}, web=web)


@router.post("/program")
def choose_program(web: Web, program_id: Annotated[int, Form()], csrf_token: Csrf = None):
    check_csrf(web.request, csrf_token)
    web.require(Access.ADMIN)
    if web.db.get(m.Program, program_id) is None:
        raise ApiError(404, "not_found", f"program {program_id} not found")
    queue_cookie(web.request, "rs_program", str(program_id))
    return redirect(web.request, "/app/")


# ---------------------------------------------------------------- schedule: year and block grid


def _schedule(web: Ctx, schedule_id: int | None) -> m.Schedule | None:
    try:
        return q.schedule_row(web.db, web.principal.program_id, schedule_id, drafts_allowed=web.coordinator)
    except (q.NotFound, store.ScheduleError):
        if schedule_id is not None:
            raise ApiError(404, "not_found", f"schedule {schedule_id} not found") from None
        return None


def _schedules(web: Ctx) -> list[m.Schedule]:
    if not web.coordinator:
        return []
    return list(
        web.db.scalars(
            select(m.Schedule)
            .where(m.Schedule.program_id == web.principal.program_id, m.Schedule.status != "archived")
            .order_by(m.Schedule.id.desc())
            .limit(20)
        )
    )


@router.get("/year")
def year(web: Web, schedule: int | None = None):
    web.require(Access.STAFF)
    sched = _schedule(web, schedule)
    data = q.year_view(web.db, web.principal.program_id, sched) if sched else None
    ctx = {"sched": sched, "data": data, "schedules": _schedules(web)}
    return render(web.request, "year.html", ctx, web=web)


@router.get("/blocks/{number}")
def block_no_slash(web: Web, number: int):
    return redirect(web.request, f"/app/blocks/{number}/")


@router.get("/blocks/{number}/")
@router.get("/schedules/{schedule_id}/blocks/{number}/")
def block(
    web: Web,
    number: int,
    schedule_id: int | None = None,
    person: int | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    msg: str | None = None,
):
    web.require(Access.STAFF)
    sched = _schedule(web, schedule_id)
    if sched is None:
        return render(web.request, "empty.html", {"title": f"Block {number}"}, web=web)
    try:
        data = q.block_grid(web.db, web.principal.program_id, sched, number)
    except q.NotFound as exc:
        raise ApiError(404, "not_found", exc.message) from exc
    highlight = set()
    if person is not None and from_ is not None:
        last = to or from_
        days = data["days"]
        for i, d in enumerate(days):
            if from_ <= d <= last:
                highlight.update({(person, 2 * i), (person, 2 * i + 1)})
    changed = {}
    if sched.status == "draft" and web.coordinator:
        published = store.published(web.db, web.principal.program_id, sched.academic_year_id)
        block_row = data["block"]
        raw = q.changed_cells(web.db, published, sched, block_row.start_date, block_row.end_date)
        first = block_row.start_date
        changed = {(p, (d - first).days * 2 + (0 if h == "AM" else 1)): was for (p, d, h), was in raw.items()}
    ctx = {
        "sched": sched,
        "data": data,
        "highlight": highlight,
        "changed": changed,
        "editable": web.coordinator,
        "schedules": _schedules(web),
        "msg": msg,
        "base": f"/app/schedules/{sched.id}/blocks" if schedule_id else "/app/blocks",
    }
    return render(web.request, "block.html", ctx, web=web)


def _cell_target(web: Ctx, sched: m.Schedule, number: int, person_id: int, index: int):
    blocks = q.blocks_of(web.db, sched.academic_year_id)
    block_row = next((b for b in blocks if b.number == number), None)
    person = web.db.get(m.Person, person_id)
    if block_row is None or person is None or person.program_id != web.principal.program_id:
        raise ApiError(404, "not_found", "no such cell")
    day = block_row.start_date + timedelta(days=index // 2)
    if day > block_row.end_date or index < 0:
        raise ApiError(404, "not_found", "no such cell")
    return block_row, person, day, q.HALVES[index % 2]


def _current_cell(web: Ctx, sched: m.Schedule, person_id: int, day: date, half: str) -> m.HalfDayAssignment | None:
    return web.db.scalars(
        select(m.HalfDayAssignment).where(
            m.HalfDayAssignment.schedule_id == sched.id,
            m.HalfDayAssignment.person_id == person_id,
            m.HalfDayAssignment.day == day,
            m.HalfDayAssignment.half == half,
        )
    ).first()


@router.get("/blocks/{number}/c")
@router.get("/schedules/{schedule_id}/blocks/{number}/c")
def cell_panel(web: Web, number: int, p: int, i: int, schedule_id: int | None = None):
    web.require(Access.COORDINATOR)
    sched = _schedule(web, schedule_id)
    if sched is None:
        raise ApiError(404, "no_published_schedule", "nothing is published yet")
    block_row, person, day, half = _cell_target(web, sched, number, p, i)
    row = _current_cell(web, sched, person.id, day, half)
    acts = sorted(q.activities(web.db, web.principal.program_id).values(), key=lambda a: a.code)
    pools = web.db.scalars(
        select(m.CallPool).where(m.CallPool.program_id == web.principal.program_id).order_by(m.CallPool.name)
    ).all()
    on_call = web.db.execute(
        select(m.CallPool.name, m.CallAssignment.call_pool_id)
        .select_from(m.CallAssignment)
        .join(m.CallPool, m.CallPool.id == m.CallAssignment.call_pool_id)
        .where(m.CallAssignment.schedule_id == sched.id, m.CallAssignment.person_id == person.id,
               m.CallAssignment.night == day)
    ).all()  # fmt: skip
    ctx = {
        "sched": sched,
        "block": block_row,
        "person": person,
        "day": day,
        "half": half,
        "index": i,
        "row": row,
        "current_code": q.activities(web.db, web.principal.program_id)[row.activity_id].code if row else "",
        "activities": acts,
        "pools": pools,
        "on_call": {name for name, _ in on_call},
        "partial": bool(web.request.headers.get("HX-Request")),
    }
    return render(web.request, "cell.html", ctx, web=web)


def _edits(web: Ctx, person: m.Person, day: date, half: str, code: str, call_pool: str, call_action: str):
    cells = [CellEdit(person.key, day, HalfDay(half), code or None)] if code != "__keep__" else []
    calls = []
    if call_pool and call_action in ("add", "remove"):
        calls.append(CallEdit(person.key, day, call_pool, call_action == "add"))
    return cells, calls


@router.post("/cell/check")
def cell_check(
    web: Web,
    schedule_id: Annotated[int, Form()],
    person_id: Annotated[int, Form()],
    day: Annotated[date, Form()],
    half: Annotated[str, Form()],
    code: Annotated[str, Form()] = "__keep__",
    call_pool: Annotated[str, Form()] = "",
    call_action: Annotated[str, Form()] = "",
    csrf_token: Csrf = None,
):
    """The findings the proposed change would create or clear (POST /compliance/check; nothing saved)."""
    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    person = web.db.get(m.Person, person_id)
    if person is None or person.program_id != web.principal.program_id:
        raise ApiError(404, "not_found", f"person {person_id} not found")
    try:
        cur = current(web.db, web.principal.program_id, schedule_id)
        cells, calls = _edits(web, person, day, half, code, call_pool, call_action)
        result = check_change(cur, apply_edits(cur.program, cur.schedule, cells, calls))
    except ViewError as exc:
        return render(web.request, "_check.html", {"error": exc.message}, web=web)
    violation = any(f.severity.value == "violation" for f in result.created)
    ctx = {"result": result, "violation": violation, "error": None}
    return render(web.request, "_check.html", ctx, web=web)


@router.post("/cell/save")
def cell_save(
    web: Web,
    schedule_id: Annotated[int, Form()],
    person_id: Annotated[int, Form()],
    day: Annotated[date, Form()],
    half: Annotated[str, Form()],
    block: Annotated[int, Form()],
    code: Annotated[str, Form()] = "__keep__",
    call_pool: Annotated[str, Form()] = "",
    call_action: Annotated[str, Form()] = "",
    override_reason: Annotated[str, Form()] = "",
    csrf_token: Csrf = None,
):
    """Save through the API's CRUD service, whose guard refuses a new violation without a reason."""
    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    sched = _schedule(web, schedule_id)
    back = (f"/app/schedules/{sched.id}" if sched.status != "published" else "/app") + f"/blocks/{block}/"
    reason = override_reason.strip() or None
    try:
        if code != "__keep__":
            row = _current_cell(web, sched, person_id, day, half)
            act = None
            if code:
                act = web.db.scalars(
                    select(m.Activity).where(m.Activity.program_id == web.principal.program_id, m.Activity.code == code)
                ).first()
                if act is None:
                    raise ApiError(422, "invalid_reference", f"unknown activity {code}", "code")
            res = RES["half_day_assignment"]
            create, update, *_ = crud.build_schemas(res)
            if row is None and act is not None:
                crud.create_row(web.db, res, web.principal, create(schedule_id=sched.id, person_id=person_id, day=day,
                                half=half, activity_id=act.id, source="manual", override_reason=reason))  # fmt: skip
            elif row is not None and act is not None and act.id != row.activity_id:
                payload = update(activity_id=act.id, source="manual", override_reason=reason, version=row.version)
                crud.update_row(web.db, res, web.principal, row.id, payload, None)
            elif row is not None and act is None:
                crud.delete_row(web.db, res, web.principal, row.id)
        if call_pool and call_action in ("add", "remove"):
            _save_call(web, sched, person_id, day, call_pool, call_action, reason)
    except ApiError as exc:
        web.db.rollback()
        return render(web.request, "_check.html", {"error": exc.message, "saved": False}, status=200, web=web) \
            if web.request.headers.get("HX-Request") else \
            redirect(web.request, flash_url(back, f"Not saved: {exc.message}"))  # fmt: skip
    return redirect(web.request, flash_url(back, "Saved."))


def _save_call(web: Ctx, sched: m.Schedule, person_id: int, night: date, pool_name: str, action: str, reason):
    pool = web.db.scalars(
        select(m.CallPool).where(m.CallPool.program_id == web.principal.program_id, m.CallPool.name == pool_name)
    ).first()
    if pool is None:
        raise ApiError(422, "invalid_reference", f"unknown call pool {pool_name}", "call_pool")
    res = RES["call_assignment"]
    create, *_ = crud.build_schemas(res)
    row = web.db.scalars(
        select(m.CallAssignment).where(
            m.CallAssignment.schedule_id == sched.id,
            m.CallAssignment.person_id == person_id,
            m.CallAssignment.call_pool_id == pool.id,
            m.CallAssignment.night == night,
        )
    ).first()
    if action == "add" and row is None:
        crud.create_row(web.db, res, web.principal, create(schedule_id=sched.id, person_id=person_id,
                        call_pool_id=pool.id, night=night, source="manual", override_reason=reason))  # fmt: skip
    elif action == "remove" and row is not None:
        crud.delete_row(web.db, res, web.principal, row.id)


# ---------------------------------------------------------------- my schedule (everyone)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


@router.get("/me")
def my_schedule(web: Web, view: str = "week", on: date | None = None, msg: str | None = None):
    person_id = web.principal.person_id
    person = web.db.get(m.Person, person_id) if person_id else None
    sched = _schedule(web, None)
    ctx: dict[str, Any] = {"person": person, "sched": sched, "view": view, "msg": msg, "calendar": None}
    if person is None or sched is None:
        return render(web.request, "me.html", ctx, web=web)
    day = on or date.today()
    blocks = q.blocks_of(web.db, sched.academic_year_id)
    if blocks:
        day = min(max(day, blocks[0].start_date), blocks[-1].end_date)
    if view == "block":
        number = q.block_of_day(blocks, day) or blocks[0].number
        b = next(b for b in blocks if b.number == number)
        first, last = b.start_date, b.end_date
        prev_on, next_on = first - timedelta(days=1), last + timedelta(days=1)
    else:
        first = _monday(day)
        last = first + timedelta(days=6)
        prev_on, next_on = first - timedelta(days=7), first + timedelta(days=7)
    data = q.grid(web.db, web.principal.program_id, sched, first, last, [person.id])
    # Hours from the same duty periods the compliance engine evaluates.
    cur = current(web.db, web.principal.program_id, sched.id)
    from residency.domain.duty_periods import derive

    periods = [p for p in derive(cur.program, cur.schedule).periods if p.person_id == person.key]
    week0 = _monday(day)
    hours_week = q.hours(periods, week0, 7)
    hours_4w = round(q.hours(periods, week0 - timedelta(days=21), 28) / 4, 1)
    upcoming = sorted(
        (c.night, c.pool) for c in cur.schedule.calls if c.person == person.key and c.night >= date.today()
    )
    absences = web.db.scalars(
        select(m.Absence).where(m.Absence.person_id == person.id).order_by(m.Absence.start_date.desc())
    ).all()
    ctx.update(
        data=data,
        first=first,
        last=last,
        prev_on=prev_on,
        next_on=next_on,
        hours_week=hours_week,
        hours_4w=hours_4w,
        limit=q.WEEKLY_LIMIT_HOURS,
        next_call=upcoming[0] if upcoming else None,
        absences=absences,
        absence_types=["vacation", "sick", "medical", "parental", "conference"],
    )
    return render(web.request, "me.html", ctx, web=web)


@router.post("/me/leave")
def request_leave(
    web: Web,
    start_date: Annotated[date, Form()],
    end_date: Annotated[date, Form()],
    type: Annotated[str, Form()],
    start_half: Annotated[str, Form()] = "AM",
    end_half: Annotated[str, Form()] = "PM",
    notes: Annotated[str, Form()] = "",
    csrf_token: Csrf = None,
):
    check_csrf(web.request, csrf_token)
    if web.principal.person_id is None:
        raise ApiError(403, "forbidden", "this account is not linked to a person")
    res = RES["absence"]
    create, *_ = crud.build_schemas(res)
    try:
        payload = create(person_id=web.principal.person_id, start_date=start_date, end_date=end_date, type=type,
                         start_half=start_half, end_half=end_half, notes=notes[:2000])  # fmt: skip
        crud.create_row(web.db, res, web.principal, payload)
    except ApiError as exc:
        web.db.rollback()
        return redirect(web.request, flash_url("/app/me", f"Leave not requested: {exc.message}"))
    except ValueError as exc:
        return redirect(web.request, flash_url("/app/me", f"Leave not requested: {exc}"))
    return redirect(web.request, flash_url("/app/me", "Leave requested."))


@router.post("/me/leave/{absence_id}/cancel")
def cancel_leave(web: Web, absence_id: int, csrf_token: Csrf = None):
    from residency.api.routers import actions

    check_csrf(web.request, csrf_token)
    actions.cancel(absence_id, actions.Decision(), web.db, web.principal)
    return redirect(web.request, flash_url("/app/me", "Leave cancelled."))


@router.post("/me/calendar")
def calendar_link(web: Web, csrf_token: Csrf = None):
    from residency.api.routers import io

    check_csrf(web.request, csrf_token)
    if web.principal.person_id is None:
        raise ApiError(403, "forbidden", "this account is not linked to a person")
    out = io.create_token(io.TokenIn(person_id=web.principal.person_id), web.db, web.principal)
    url = str(web.request.base_url).rstrip("/") + out["url"]
    return render(web.request, "calendar.html", {"url": url}, web=web)


@router.get("/on-call")
def who_is_on_call(web: Web, night: date | None = None):
    from residency.views import on_call

    night = night or date.today()
    sched = _schedule(web, None)
    rows = []
    if sched is not None:
        rows = web.db.execute(
            select(m.CallPool.name, m.Person.name, m.Person.kind)
            .select_from(m.CallAssignment)
            .join(m.CallPool, m.CallPool.id == m.CallAssignment.call_pool_id)
            .join(m.Person, m.Person.id == m.CallAssignment.person_id)
            .where(m.CallAssignment.schedule_id == sched.id, m.CallAssignment.night == night)
            .order_by(m.CallPool.name, m.Person.name)
        ).all()
    del on_call  # same answer as GET /schedule/on-call, read without loading the whole year
    return render(web.request, "on_call.html", {"night": night, "rows": rows, "sched": sched}, web=web)


# ---------------------------------------------------------------- generation runs


def dispatch_run(request: Request, run_id: int) -> str:
    """Send the run to the Celery worker like the API; when the app is configured for in-process runs
    (``app.state.web_inline_runs``) or the queue is unreachable, run it in a background thread."""
    url = _settings(request).database_url
    if not getattr(request.app.state, "web_inline_runs", False):
        try:
            from residency.jobs.tasks import generate

            generate.apply_async(args=[run_id], retry=False)
            return "queue"
        except Exception as exc:
            log.warning("web_run_inline_fallback", run_id=run_id, error_type=type(exc).__name__)
    from residency.runs import execute_run

    def work() -> None:
        try:
            execute_run(url, run_id)
        except Exception as exc:  # the run row already says failed
            log.error("web_run_failed", run_id=run_id, error_type=type(exc).__name__)

    threading.Thread(target=work, name=f"run-{run_id}", daemon=True).start()
    return "inline"


def _run(web: Ctx, run_id: int) -> m.ScheduleRun:
    run = web.db.get(m.ScheduleRun, run_id)
    if run is None or run.program_id != web.principal.program_id:
        raise ApiError(404, "not_found", f"run {run_id} not found")
    return run


@router.get("/runs")
def runs_page(web: Web, msg: str | None = None):
    web.require(Access.COORDINATOR)
    runs = web.db.scalars(
        select(m.ScheduleRun)
        .where(m.ScheduleRun.program_id == web.principal.program_id)
        .order_by(m.ScheduleRun.id.desc())
        .limit(20)
    ).all()
    return render(web.request, "runs.html", {"runs": runs, "msg": msg}, web=web)


@router.post("/runs")
def start_run(
    web: Web,
    time_limit: Annotated[float, Form(gt=0, le=3600)] = 60,
    seed: Annotated[int, Form(ge=0)] = 0,
    csrf_token: Csrf = None,
):
    from residency.runs import RunError, request_run

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    try:
        run = request_run(web.db, program_id=web.principal.program_id, user_id=web.principal.user.id,
                          time_limit=time_limit, seed=seed)  # fmt: skip
    except (RunError, store.ScheduleError) as exc:
        web.db.rollback()
        return redirect(web.request, flash_url("/app/runs", exc.message))
    web.db.commit()
    dispatch_run(web.request, run.id)
    return redirect(web.request, f"/app/runs/{run.id}")


@router.get("/runs/{run_id}")
def run_page(web: Web, run_id: int, msg: str | None = None):
    web.require(Access.COORDINATOR)
    run = _run(web, run_id)
    tmpl = "_run_status.html" if web.request.headers.get("HX-Request") else "run.html"
    return render(web.request, tmpl, {"run": run, "msg": msg, "active": run.status in ACTIVE}, web=web)


ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value, RunStatus.CANCELLING.value)


@router.post("/runs/{run_id}/cancel")
def cancel_run(web: Web, run_id: int, csrf_token: Csrf = None):
    from residency.runs import RunError
    from residency.runs import cancel_run as cancel

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    try:
        cancel(web.db, program_id=web.principal.program_id, run_id=run_id, user_id=web.principal.user.id)
        web.db.commit()
    except RunError as exc:
        return redirect(web.request, flash_url(f"/app/runs/{run_id}", exc.message))
    return redirect(web.request, f"/app/runs/{run_id}")


@router.get("/runs/{run_id}/diff")
def run_diff(web: Web, run_id: int):
    from residency.runs import RunError, run_schedule

    web.require(Access.COORDINATOR)
    run = _run(web, run_id)
    try:
        draft = run_schedule(web.db, web.principal.program_id, run_id)
    except RunError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    published = store.published(web.db, web.principal.program_id, draft.academic_year_id)
    blocks = q.blocks_of(web.db, draft.academic_year_id)
    year0, year1 = blocks[0].start_date, blocks[-1].end_date
    changed = q.changed_cells(web.db, published, draft, year0, year1)
    per_block: dict[int, int] = {}
    for _, d, _ in changed:
        n = q.block_of_day(blocks, d)
        per_block[n] = per_block.get(n, 0) + 1
    ctx = {"run": run, "draft": draft, "published": published, "blocks": blocks, "per_block": per_block,
           "total": len(changed)}  # fmt: skip
    return render(web.request, "diff.html", ctx, web=web)


@router.post("/runs/{run_id}/publish")
def publish(web: Web, run_id: int, csrf_token: Csrf = None):
    from residency.runs import RunError, publish_run

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    try:
        row = publish_run(web.db, program_id=web.principal.program_id, run_id=run_id, user_id=web.principal.user.id)
        web.db.commit()
    except RunError as exc:
        web.db.rollback()
        return redirect(web.request, flash_url(f"/app/runs/{run_id}", exc.message))
    return redirect(web.request, flash_url("/app/year", f"Schedule {row.id} published."))


# ---------------------------------------------------------------- leave review


@router.get("/leave")
def leave_review(web: Web, msg: str | None = None, status: str = "requested"):
    web.require(Access.COORDINATOR)
    pid = web.principal.program_id
    query = select(m.Absence).where(m.Absence.program_id == pid)
    if status != "all":
        query = query.where(m.Absence.status == status)
    rows = web.db.scalars(query.order_by(m.Absence.start_date).limit(200)).all()
    people = {p.id: p for p in web.db.scalars(select(m.Person).where(m.Person.program_id == pid))}
    effects = {}
    if rows and status == "requested":
        effects = _leave_effects(web, rows, people)
    ctx = {"rows": rows, "people": people, "effects": effects, "msg": msg, "status": status}
    return render(web.request, "leave.html", ctx, web=web)


def _leave_effects(web: Ctx, rows: list[m.Absence], people: dict[int, m.Person]) -> dict[int, dict]:
    """For each request: the published half-days and call nights it takes the person away from, and the
    compliance findings that replacing them with leave would create or clear (the engine's check)."""
    try:
        cur = current(web.db, web.principal.program_id)
    except (ViewError, store.ScheduleError):
        return {}
    codes = {a.code: a for a in cur.program.activities}
    leave_code = next((a.code for a in cur.program.activities if a.category.value == "leave"), None)
    s = cur.schedule
    out = {}
    for a in rows[:50]:
        key = people[a.person_id].key
        if key not in s.people:
            continue
        cells, lost, calls = [], {}, []
        d = max(a.start_date, s.start)
        while d <= min(a.end_date, s.end):
            for half in HalfDay:
                if (d == a.start_date and a.start_half == "PM" and half == HalfDay.AM) or (
                    d == a.end_date and a.end_half == "AM" and half == HalfDay.PM
                ):
                    continue
                v = int(s.grid[s.row(key), s.day_index(d), 0 if half == HalfDay.AM else 1])
                code = None if v < 0 else s.codes[v]
                if code and codes[code].category.value not in ("leave", "off"):
                    lost[code] = lost.get(code, 0) + 1
                    if leave_code:
                        cells.append(CellEdit(key, d, half, leave_code))
            d += timedelta(days=1)
        for c in s.calls:
            if c.person == key and a.start_date <= c.night <= a.end_date:
                calls.append(c)
        try:
            removed = [CallEdit(c.person, c.night, c.pool, False) for c in calls]
            diff = check_change(cur, apply_edits(cur.program, s, cells, removed)) if (cells or removed) else None
        except ViewError:
            diff = None
        out[a.id] = {"lost": lost, "calls": calls, "diff": diff, "leave_code": leave_code}
    return out


@router.post("/leave/{absence_id}/{decision}")
def decide_leave(
    web: Web, absence_id: int, decision: str, reason: Annotated[str, Form()] = "", csrf_token: Csrf = None
):
    from residency.api.routers import actions

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    body = actions.Decision(reason=reason.strip() or None)
    if decision == "approve":
        actions.approve(absence_id, body, web.db, web.principal)
    elif decision == "deny":
        actions.deny(absence_id, body, web.db, web.principal)
    else:
        raise ApiError(404, "not_found", f"unknown decision {decision}")
    done = "approved" if decision == "approve" else "denied"
    return redirect(web.request, flash_url("/app/leave", f"Leave request {absence_id} {done}."))


# ---------------------------------------------------------------- compliance findings


@router.get("/compliance")
def findings(
    web: Web,
    rule: str = "",
    person: str = "",
    block: str = "",
    schedule: int | None = None,
    mode: str = "acgme",
):
    pid = web.principal.program_id
    sched = _schedule(web, schedule)
    if sched is None:
        return render(web.request, "empty.html", {"title": "Compliance"}, web=web)
    people = {p.key: p for p in web.db.scalars(select(m.Person).where(m.Person.program_id == pid))}
    only = None
    if web.principal.role == "resident":  # residents see their own findings only (as the API)
        own = web.db.get(m.Person, web.principal.person_id) if web.principal.person_id else None
        if own is None:
            raise ApiError(403, "forbidden", "this account is not linked to a person")
        only = own.key
    elif person:
        only = person if person in people else None
    blocks = q.blocks_of(web.db, sched.academic_year_id)
    start = end = None
    if block.isdigit():
        b = next((b for b in blocks if b.number == int(block)), None)
        if b:
            start, end = b.start_date, b.end_date
    try:
        cur = current(web.db, pid, sched.id, drafts_allowed=web.coordinator)
        # The whole year is evaluated and the block filter keeps findings that overlap it (evaluating
        # only the block's dates trips an IndexError in the NF-01 rule; see docs/web.md).
        report = compliance_report(cur, mode=mode if mode in ("acgme", "rolling", "calendar_month") else "acgme",
                                   person=only)  # fmt: skip
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc

    def day(v):
        return v.date() if hasattr(v, "date") else v

    all_findings = [f for f in report.findings if start is None or (day(f.start) <= end and day(f.end) >= start)]
    rules = sorted({f.rule for f in all_findings})
    shown = [f for f in all_findings if not rule or f.rule == rule]
    links = {}
    for i, f in enumerate(shown[:500]):
        d0 = f.start.date() if hasattr(f.start, "date") else f.start
        d1 = f.end.date() if hasattr(f.end, "date") else f.end
        n = q.block_of_day(blocks, d0)
        p = people.get(f.person_id)
        if n and p and web.staff:
            base = "/app/blocks" if sched.status == "published" else f"/app/schedules/{sched.id}/blocks"
            links[i] = f"{base}/{n}/?person={p.id}&from={d0.isoformat()}&to={d1.isoformat()}"
    ctx = {
        "sched": sched,
        "summary": report.summary(),
        "findings": shown[:500],
        "more": max(0, len(shown) - 500),
        "links": links,
        "rules": rules,
        "rule": rule,
        "person": person,
        "block": block,
        "blocks": blocks,
        "people": sorted(people.values(), key=lambda p: p.name) if only is None or web.staff else [],
    }
    return render(web.request, "compliance.html", ctx, web=web)


# ---------------------------------------------------------------- resilience


@router.get("/resilience")
def resilience(web: Web, msg: str | None = None):
    from residency.health_service import latest

    web.require(Access.COORDINATOR)
    row = latest(web.db, web.principal.program_id)
    events = web.db.scalars(
        select(m.DefenseEvent)
        .where(m.DefenseEvent.program_id == web.principal.program_id)
        .order_by(m.DefenseEvent.id.desc())
        .limit(10)
    ).all()
    report = row.report if row else {}
    return render(web.request, "resilience.html", {"row": row, "r": report, "events": events, "msg": msg}, web=web)


@router.post("/resilience/check")
def resilience_check(web: Web, csrf_token: Csrf = None):
    from residency.health_service import run_check

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    try:
        row = run_check(web.db, web.settings, web.principal.program_id, kind="full")
        web.db.commit()
    except (ViewError, store.ScheduleError) as exc:
        web.db.rollback()
        return redirect(web.request, flash_url("/app/resilience", exc.message))
    return redirect(web.request, flash_url("/app/resilience", f"Health check {row.id}: {row.level}."))


# ---------------------------------------------------------------- import / export


@router.get("/io")
def io_page(web: Web, msg: str | None = None):
    web.require(Access.COORDINATOR)
    blocks = []
    sched = _schedule(web, None)
    if sched:
        blocks = q.blocks_of(web.db, sched.academic_year_id)
    return render(web.request, "io.html", {"msg": msg, "report": None, "blocks": blocks, "sched": sched}, web=web)


@router.post("/io/import")
async def io_import(request: Request, file: Annotated[UploadFile, File()], csrf_token: Csrf = None):
    """Stage an uploaded workbook (nothing is written) and show its staging report."""
    data = await file.read()
    filename = file.filename or "upload.xlsx"
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_io_stage, request, data, filename, csrf_token)


def _io_stage(request: Request, data: bytes, filename: str, submitted: str | None):
    from residency.api.routers import io

    db = next(get_db(request))
    try:
        web = Ctx(request, db, _settings(request), principal_for(request, db, _settings(request)))
        check_csrf(request, submitted)
        web.require(Access.COORDINATOR)
        try:
            if len(data) > io.MAX_UPLOAD_BYTES:
                raise io._too_large()
            staged = io._stage(db, web.principal.program_id, data, filename, None)
        except ApiError as exc:
            return render(request, "io.html", {"msg": exc.message, "report": None, "blocks": [], "sched": None},
                          status=exc.status, web=web)  # fmt: skip
        import_id = io.keep_staged(web.principal, data, filename, None, staged.sha256)
        report = staged.report()
        ctx = {"msg": None, "report": report, "import_id": import_id, "blocks": [], "sched": None}
        return render(request, "io.html", ctx, web=web)
    finally:
        db.rollback()
        db.close()


@router.post("/io/import/{import_id}/apply")
def io_apply(web: Web, import_id: str, csrf_token: Csrf = None):
    from residency.api.routers import io

    check_csrf(web.request, csrf_token)
    web.require(Access.COORDINATOR)
    try:
        out = io.apply_import(import_id, web.db, web.principal)
    except ApiError as exc:
        web.db.rollback()
        return redirect(web.request, flash_url("/app/io", f"Not applied: {exc.message}"))
    return redirect(web.request, flash_url("/app/io", f"Import applied: {out.get('summary', '')}"))


@router.get("/io/export/{fmt}")
def io_export(web: Web, fmt: str, block: int | None = None, person_id: int | None = None):
    from residency.api.routers import io

    if fmt == "ics" and person_id is None:
        person_id = web.principal.person_id
    return io.export(fmt, web.db, web.principal, None, block, person_id)


# ---------------------------------------------------------------- admin editors


ADMIN_RESOURCES = {
    "people": "person",
    "rotations": "rotation",
    "activities": "activity",
    "call-pools": "call_pool",
    "credentials": "procedure_credential",
    "certifications": "person_certification",
    "certification-types": "certification_type",
    "procedures": "procedure",
}


def _resource(slug: str):
    if slug not in ADMIN_RESOURCES:
        raise ApiError(404, "not_found", f"unknown editor {slug}")
    return RES[ADMIN_RESOURCES[slug]]


@router.get("/admin")
def admin_home(web: Web):
    web.require(Access.COORDINATOR)
    return render(web.request, "admin.html", {"editors": ADMIN_RESOURCES}, web=web)


@router.get("/admin/{slug}")
def admin_list(web: Web, slug: str, msg: str | None = None):
    web.require(Access.COORDINATOR)
    res = _resource(slug)
    page = crud.list_rows(web.db, res, web.principal, {"limit": "500", "offset": "0", "sort": "id"})
    cols = [c.key for c in res.columns() if c.key not in ("program_id", "created_at", "updated_at", "pattern",
                                                         "flexible", "supervision_load")][:9]  # fmt: skip
    ctx = {"slug": slug, "res": res, "items": page["items"], "cols": cols, "msg": msg}
    return render(web.request, "admin_list.html", ctx, web=web)


def _form_fields(res) -> list[dict[str, Any]]:
    out = []
    for col in res.columns():
        if col.key in crud.SYSTEM_FIELDS or col.key in res.read_only or col.key in ("pattern", "flexible"):
            continue
        typ = crud._python_type(col)
        choices = col.info.get("choices")
        kind = "text"
        name = getattr(typ, "__name__", str(typ))
        if choices is not None:
            kind = "select"
        elif name == "bool":
            kind = "checkbox"
        elif name in ("int", "float"):
            kind = "number"
        elif name == "date":
            kind = "date"
        elif name == "time":
            kind = "time"
        elif name in ("list", "dict") or "list" in str(typ) or "dict" in str(typ):
            kind = "json"
        out.append({"key": col.key, "kind": kind, "choices": [c.value for c in choices] if choices else [],
                    "required": crud._required(col), "float": name == "float"})  # fmt: skip
    return out


@router.get("/admin/{slug}/{item}")
def admin_edit(web: Web, slug: str, item: str, msg: str | None = None):
    web.require(Access.COORDINATOR)
    res = _resource(slug)
    row = None if item == "new" else crud.get_row(web.db, res, web.principal, int(item))
    values = crud.row_dict(row) if row is not None else {}
    acts = []
    if res.name == "rotation":
        acts = sorted(a.code for a in q.activities(web.db, web.principal.program_id).values())
    ctx = {"slug": slug, "res": res, "row": row, "values": values, "fields": _form_fields(res), "msg": msg,
           "activities": acts}  # fmt: skip
    return render(web.request, "admin_edit.html", ctx, web=web)


@router.post("/admin/{slug}/{item}")
async def admin_save(request: Request, slug: str, item: str):
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_admin_save, request, slug, item, dict(form.multi_items()), form)


def _admin_save(request: Request, slug: str, item: str, flat: dict[str, Any], form):
    import json

    db = next(get_db(request))
    try:
        web = Ctx(request, db, _settings(request), principal_for(request, db, _settings(request)))
        check_csrf(request, flat.get("csrf_token"))
        web.require(Access.COORDINATOR)
        res = _resource(slug)
        create, update, *_ = crud.build_schemas(res)
        data: dict[str, Any] = {}
        try:
            for f in _form_fields(res):
                raw = form.get(f["key"])
                if f["kind"] == "checkbox":
                    data[f["key"]] = raw is not None
                elif raw is None or raw == "":
                    if item != "new":
                        data[f["key"]] = None
                elif f["kind"] == "json":
                    data[f["key"]] = json.loads(raw)
                else:
                    data[f["key"]] = raw
            if res.name == "rotation" and form.get("pattern_0") is not None:
                data["pattern"] = [form.get(f"pattern_{i}", "") for i in range(56)]
                data["flexible"] = [i for i in range(56) if form.get(f"flex_{i}")]
            if item == "new":
                row = crud.create_row(
                    db, res, web.principal, create(**{k: v for k, v in data.items() if v is not None})
                )
            else:
                current_row = crud.get_row(db, res, web.principal, int(item))
                required = {c.key for c in res.columns() if not c.nullable}
                data = {k: v for k, v in data.items() if not (v is None and k in required)}
                payload = update(**data, version=int(flat.get("version") or current_row.version))
                row = crud.update_row(db, res, web.principal, int(item), payload, None)
        except (ApiError, ValueError) as exc:
            db.rollback()
            message = exc.message if isinstance(exc, ApiError) else " ".join(str(exc).splitlines()[:3])
            return redirect(request, flash_url(f"/app/admin/{slug}/{item}", f"Not saved: {message}"))
        return redirect(request, flash_url(f"/app/admin/{slug}/{row.id}", "Saved."))
    finally:
        db.rollback()
        db.close()


def html_error(request: Request, status: int, message: str) -> HTMLResponse:
    data = {"csrf": csrf_token(request), "status": status, "message": message, "today": date.today(), "path": ""}
    response = templates.TemplateResponse(request, "error.html", data, status_code=status)
    return apply_cookies(request, response, _settings(request))


__all__ = ["router", "templates", "html_error", "LoginRequired"]
