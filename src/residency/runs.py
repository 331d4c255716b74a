"""Generation runs: request (one writing run per program), execute (in a worker or in-process),
cancel, publish. The solver is pure; this module moves its input and output through the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.store import audit
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope
from residency.store.enums import AssignmentSource, RunStatus
from residency.store.loader import load_program

ALGORITHMS = (
    "hybrid",
    "greedy",
    "cpsat",
    "lp",
    "cpsat-layered",
)  # kept in step with residency.scheduling.solve.ALGORITHMS (tested)
ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value, RunStatus.CANCELLING.value)
KEPT_SOURCES = (AssignmentSource.MANUAL.value, AssignmentSource.IMPORT.value)


class RunError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def request_run(
    db: Session,
    *,
    program_id: int,
    user_id: int | None,
    algorithm: str = "hybrid",
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    scope_pgy: list[int] | None = None,
    scope_people: list[str] | None = None,
    year_label: str | None = None,
    scenario: dict[str, Any] | None = None,
) -> m.ScheduleRun:
    """Record a queued run (``scenario``: a resilience fallback {name, start, days} to generate). A second writing run while one is active is refused (409); the program row
    is locked while checking so two requests cannot both pass (flush only; the caller commits)."""
    db.scalars(select(m.Program).where(m.Program.id == program_id).with_for_update()).first()
    active = db.scalars(
        select(m.ScheduleRun).where(m.ScheduleRun.program_id == program_id, m.ScheduleRun.status.in_(ACTIVE))
    ).first()
    if active is not None:
        raise RunError(409, "run_in_progress", f"run {active.id} is {active.status}; wait for it or cancel it")
    year = store.year_of(db, program_id, year_label)
    run = m.ScheduleRun(
        program_id=program_id,
        academic_year_id=year.id,
        created_by_id=user_id,
        algorithm=algorithm,
        seed=seed,
        status=RunStatus.QUEUED.value,
        parameters={
            "time_limit": time_limit,
            "workers": workers,
            "scope_pgy": scope_pgy or [],
            "scope_people": scope_people or [],
            **({"scenario": scenario} if scenario else {}),
        },
    )
    db.add(run)
    db.flush()
    audit.record(
        db,
        actor_id=user_id,
        program_id=program_id,
        entity="schedule_run",
        entity_id=run.id,
        action="create",
        after={"algorithm": algorithm, "seed": seed, "parameters": run.parameters},
    )
    return run


def _update_run(url: str, run_id: int, **values: Any) -> None:
    with session_scope(url) as db:
        run = db.get(m.ScheduleRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)


def _status(url: str, run_id: int) -> str:
    with session_scope(url) as db:
        return db.get(m.ScheduleRun, run_id).status


class _Watch:
    """Throttled progress writes and cancel checks, so the solver's callbacks stay cheap."""

    def __init__(self, url: str, run_id: int, every: float = 1.0) -> None:
        self.url, self.run_id, self.every = url, run_id, every
        self.last_write = self.last_check = 0.0
        self.cancelled = threading.Event()
        self.started = time.monotonic()

    def progress(self, info: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_write >= self.every:
            self.last_write = now
            info = {k: (float(v) if isinstance(v, np.floating | float) else v) for k, v in info.items()}
            _update_run(self.url, self.run_id, progress={**info, "elapsed": round(now - self.started, 2)})
        self.check()

    def check(self) -> bool:
        now = time.monotonic()
        if now - self.last_check >= self.every:
            self.last_check = now
            if _status(self.url, self.run_id) == RunStatus.CANCELLING:
                self.cancelled.set()
        return self.cancelled.is_set()


def keep_schedule(db: Session, program_id: int, year_id: int, program, scope_people: set[str] | None):
    """The published schedule with the cells a run must not touch marked locked: locked cells, manual
    and imported cells, and everyone outside the run's scope."""
    current = store.published(db, program_id, year_id)
    if current is None:
        return None, None
    codes = tuple(a.code for a in program.activities)
    people = tuple(p.key for p in program.people)
    loaded = store.load_schedule(db, program_id, current.id, codes, people)
    keep = loaded.schedule
    filled = keep.grid != -1
    mask = keep.locked.copy() | (np.isin(loaded.sources, KEPT_SOURCES) & filled)
    if scope_people is not None:
        for i, key in enumerate(people):
            if key not in scope_people:
                mask[i] = filled[i]
    keep.locked = mask
    return keep, loaded


def execute_run(
    url: str, run_id: int, progress_every: float = 1.0, on_progress: Callable[[dict[str, Any]], None] | None = None
) -> m.ScheduleRun:
    """Run a queued generation to its end and store the draft. Never raises for solver outcomes: the
    run's status and message say what happened."""
    from residency.compliance.of_schedule import check_schedule
    from residency.scheduling.problem import Options
    from residency.scheduling.solve import generate

    with session_scope(url) as db:
        run = db.get(m.ScheduleRun, run_id)
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.CANCELLING):
            raise RunError(409, "invalid_transition", f"run {run_id} is not queued")
        if run.status == RunStatus.CANCELLING:
            run.status, run.finished_at = RunStatus.CANCELLED.value, datetime.now(UTC)
            return run
        year = db.get(m.AcademicYear, run.academic_year_id)
        program = loaded_program = load_program(db, run.program_id, year.label)
        params = dict(run.parameters)
        scope = _scope(program, params)
        scenario = _scenario(program, params.get("scenario"))
        if scenario is not None:  # a fallback: the same engine under the scenario's rules
            program = scenario.program
        keep, loaded = keep_schedule(db, run.program_id, year.id, program, scope)
        if loaded is not None:  # locked rotations (pre-assignments) bind the block layer
            extra = tuple(b for b in loaded.locked_blocks if b not in program.block_assignments)
            program = replace(program, block_assignments=program.block_assignments + extra)
        preferences = _preferences(db, run.program_id, loaded_program, keep)
        run.status, run.started_at = RunStatus.RUNNING.value, datetime.now(UTC)
        program_id, year_id, algorithm, seed = run.program_id, year.id, run.algorithm, run.seed

    watch = _Watch(url, run_id, progress_every)

    def progress(info: dict[str, Any]) -> None:
        watch.progress(info)
        if on_progress:
            on_progress(info)

    started = time.monotonic()
    try:
        result = generate(
            program,
            algorithm=algorithm,
            time_limit=float(params.get("time_limit", 60)),
            seed=seed,
            workers=int(params.get("workers", 2)),
            keep=keep,
            scope_people=scope,
            progress=progress,
            cancel=watch.check,
            options=Options(preferences=preferences),
        )
    except Exception as exc:  # a solver crash must end the run, not leave it "running" forever
        _update_run(
            url,
            run_id,
            status=RunStatus.FAILED.value,
            finished_at=datetime.now(UTC),
            message=f"the solver failed: {type(exc).__name__}: {exc}",
        )
        raise
    elapsed = time.monotonic() - started
    with session_scope(url) as db:
        run = db.get(m.ScheduleRun, run_id)
        run.finished_at = datetime.now(UTC)
        run.timings = {**{k: round(r.seconds, 3) for k, r in result.layers.items()}, "total": round(elapsed, 3)}
        run.objective = result.objective
        summary = result.summary()
        counts: dict[str, Any] = {
            "solver_status": result.status,
            "best_bound": result.best_bound,
            "gap": summary["gap"],
            "objective_breakdown": result.breakdown,
            "preferences": len(preferences),
            "warnings": result.warnings[:50],
        }
        if result.status == "cancelled" or (watch.cancelled.is_set() and result.schedule is None):
            run.status, run.message, run.counts = RunStatus.CANCELLED.value, "cancelled", counts
            return run
        if result.schedule is None:
            run.status = RunStatus.FAILED.value
            explanation = result.explanation.to_dict() if result.explanation else None
            run.message = _explain(explanation) or f"no schedule found ({result.status})"
            run.counts = {**counts, "explanation": explanation}
            return run
        check_started = time.monotonic()
        report = check_schedule(program, result.schedule)
        sources = None
        if keep is not None:
            sources = np.where(keep.locked, _sources_of(db, program_id, year_id, program), "solver")
        schedule, status, name = result.schedule, "draft", f"run {run_id}"
        if scenario is not None:
            schedule, given_up = _suspend(scenario, schedule)
            status, name = "fallback", f"fallback: {scenario.scenario.name}"
            counts["given_up"] = given_up
            report = check_schedule(program, schedule)
        draft = store.save_schedule(
            db, program_id, year_id, schedule, run_id=run_id, name=name, sources=sources, status=status
        )
        draft.scenario = scenario.scenario.name if scenario is not None else None
        run.counts = {
            **counts,
            "schedule_id": draft.id,
            "unfilled": result.schedule.unfilled(),
            "calls": len(result.schedule.calls),
            "block_assignments": len(result.schedule.block_assignments),
            "violations": len(report.violations),
            "findings": report.summary().get("by_rule", {}),
            "score": result.score,
        }
        run.timings = {**run.timings, "compliance": round(time.monotonic() - check_started, 3)}
        run.status = RunStatus.SUCCEEDED.value
        run.message = (
            f"draft schedule {draft.id}: {len(report.violations)} ACGME violation(s), "
            f"{result.schedule.unfilled()} unfilled half-day(s)"
        )
        return run


def _preferences(db: Session, program_id: int, program, published) -> dict[tuple[str, str], float]:
    """Stigmergy's soft preference weights from the program's leave requests (dated when they were
    made) and the published schedule's accepted assignments, as of today (older trails evaporate)."""
    from datetime import date

    from residency.resilience.stigmergy import preference_weights

    made = db.scalars(select(m.Absence.created_at).where(m.Absence.program_id == program_id).order_by(m.Absence.id))
    requested_on = {i: at.date() for i, at in enumerate(made) if at is not None}
    today = date.today()
    return preference_weights(program, published, as_of=today, requested_on=requested_on).weights()


def _scenario(program, spec: dict[str, Any] | None):
    if not spec:
        return None
    from datetime import date

    from residency.resilience.fallback import derive_scenario, standard_scenarios

    scenarios = {s.name: s for s in standard_scenarios(program)}
    start = date.fromisoformat(spec["start"]) if spec.get("start") else None
    return derive_scenario(program, scenarios[spec["name"]], start=start, days=int(spec.get("days", 28)))


def _suspend(scenario, schedule):
    """Shed the scenario's suspended categories inside its window."""
    if not scenario.scenario.suspended:
        return schedule, []
    from residency.resilience.sacrifice import shed

    result = shed(
        scenario.program, schedule, 0, start=scenario.start, days=scenario.days, categories=scenario.scenario.suspended
    )
    return result.draft, [g.to_dict() for g in result.given_up][:200]


def _explain(explanation: dict[str, Any] | None) -> str:
    if not explanation:
        return ""
    reasons = "; ".join(explanation.get("reasons", [])[:5])
    relax = "; ".join(explanation.get("relax", [])[:3])
    return f"infeasible: {reasons}" + (f". To relax: {relax}" if relax else "")


def _sources_of(db: Session, program_id: int, year_id: int, program) -> np.ndarray:
    current = store.published(db, program_id, year_id)
    codes = tuple(a.code for a in program.activities)
    people = tuple(p.key for p in program.people)
    return store.load_schedule(db, program_id, current.id, codes, people).sources


def _scope(program, params: dict[str, Any]) -> set[str] | None:
    people = set(params.get("scope_people") or [])
    pgys = set(params.get("scope_pgy") or [])
    if not people and not pgys:
        return None
    for person in program.residents():
        if person.pgy_on(program.year.start) in pgys:
            people.add(person.key)
    return people


def cancel_run(db: Session, *, program_id: int, run_id: int, user_id: int | None) -> m.ScheduleRun:
    run = db.get(m.ScheduleRun, run_id)
    if run is None or run.program_id != program_id:
        raise RunError(404, "not_found", f"run {run_id} not found")
    if run.status not in ACTIVE:
        raise RunError(
            409, "invalid_transition", f"run {run_id} is {run.status}; only a queued or running run can be cancelled"
        )
    run.status = RunStatus.CANCELLING.value
    audit.record(db, actor_id=user_id, program_id=program_id, entity="schedule_run", entity_id=run_id, action="cancel")
    db.flush()
    return run


def run_schedule(db: Session, program_id: int, run_id: int) -> m.Schedule:
    run = db.get(m.ScheduleRun, run_id)
    if run is None or run.program_id != program_id:
        raise RunError(404, "not_found", f"run {run_id} not found")
    draft = db.scalars(select(m.Schedule).where(m.Schedule.run_id == run_id)).first()
    if draft is None:
        raise RunError(409, "no_draft", f"run {run_id} is {run.status} and has no draft schedule")
    return draft


def publish_run(db: Session, *, program_id: int, run_id: int, user_id: int | None) -> m.Schedule:
    draft = run_schedule(db, program_id, run_id)
    try:
        row = store.publish(db, program_id, draft.id)
    except store.ScheduleError as exc:
        raise RunError(409 if exc.code != "not_found" else 404, exc.code, exc.message) from exc
    audit.record(
        db,
        actor_id=user_id,
        program_id=program_id,
        entity="schedule",
        entity_id=row.id,
        action="publish",
        after={"run_id": run_id},
    )
    return row
