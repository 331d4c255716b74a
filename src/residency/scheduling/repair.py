"""Incremental repair: a published schedule plus one change (a new absence, a removed person) ->
the closest schedule that satisfies every hard rule.

The change is written into a copy of the published schedule as locked absence cells (the absence
is taken out of the program for the run, so a sick call does not force a leave-eligible rotation);
the person's calls on nights of the absence are dropped (a call on its eve stands). Then ``generate`` re-solves only a window
around the absence for a small scope of people - the person and the members of the call pools
whose nights they gave up - with everything else locked (``Schedule.locked``, rotations of the
scope locked too, calls of locked nights kept: ``Problem.call_kept``). The window and then the scope
widen (3 days, 2 weeks, 5 weeks, then the whole year; then every resident) until the result is
complete, adds no compliance violation and leaves no night uncovered that the published schedule
covered. Fewer changes come from the small window first; ``changed_cells`` counts the half-day
cells that differ from the published schedule and ``changed_calls`` the calls added or removed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from residency.domain.program import Absence, AbsenceStatus, AbsenceType, Program
from residency.domain.schedule import Schedule
from residency.scheduling.check import violations
from residency.scheduling.problem import ABSENCE_CODES, Options
from residency.scheduling.solve import GenerationResult, generate

PADS = (3, 14, 35, None)
STAY_WEIGHT = 40  # per call / day off changed (constraints/repair.py); above every other soft weight  # days either side of the absence re-solved, widening


@dataclass
class RepairResult:
    status: str  # ok | infeasible | cancelled | failed
    schedule: Schedule | None = None
    changed_cells: int | None = None
    changed_calls: int | None = None
    window: tuple[date, date] | None = None
    scope: list[str] = field(default_factory=list)
    violations: int | None = None  # compliance violations of the result
    new_violations: int | None = None  # of which not already in the published schedule (0 when ok)
    seconds: float = 0.0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "changed_cells": self.changed_cells,
            "changed_calls": self.changed_calls,
            "window": None if self.window is None else [d.isoformat() for d in self.window],
            "scope": self.scope,
            "violations": self.violations,
            "new_violations": self.new_violations,
            "seconds": round(self.seconds, 2),
            "attempts": self.attempts,
            "warnings": self.warnings[:50],
        }


def changes(before: Schedule, after: Schedule) -> tuple[int, int]:
    """(half-day cells whose code differs, calls added or removed) between two schedules."""
    cells = 0
    for p, key in enumerate(after.people):
        if key not in before.people:
            continue
        a = np.array(after.codes, dtype=object)[after.grid[p]]
        b = np.array(before.codes, dtype=object)[before.grid[before.row(key)]]
        cells += int((a != b).sum())
    calls = len(set(before.calls) ^ set(after.calls))
    return cells, calls


def repair(
    program: Program,
    published: Schedule,
    *,
    person: str,
    start: date | None = None,
    end: date | None = None,
    removed: bool = False,
    absence_type: AbsenceType = AbsenceType.SICK,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    algorithm: str = "cpsat",
    progress: Callable[[dict[str, Any]], Any] | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    options: Options | None = None,
) -> RepairResult:
    """Repair ``published`` for ``person`` absent from ``start`` to ``end`` (inclusive), or removed
    (``removed=True``: from ``start``, default the first day, to the end of the year)."""
    t0 = time.monotonic()
    options = options or Options()
    if person not in published.people:
        raise ValueError(f"{person} is not in the schedule")
    first, last = published.start, published.start + timedelta(days=published.days - 1)
    if removed:
        start, end, absence_type = start or first, last, AbsenceType.DEPLOYMENT
    if start is None or end is None or end < start:
        raise ValueError("give the absence's first and last day (first <= last)")
    start, end = max(start, first), min(end, last)
    if start > end:
        raise ValueError("the absence lies outside the schedule's dates")
    code = next((c for c in ABSENCE_CODES.get(absence_type, ("LV",)) if c in published.codes), None)
    if code is None:
        raise ValueError(f"the schedule has no code for a {absence_type.value} absence")
    absence = Absence(person, start, end, type=absence_type, status=AbsenceStatus.APPROVED)
    i0, i1 = (start - first).days, (end - first).days
    base = published.copy()
    row = base.row(person)
    base.grid[row, i0 : i1 + 1] = base.code_index(code)
    lost = [c for c in base.calls if c.person == person and start <= c.night <= end]
    eve_call = any(c.person == person and c.night == start - timedelta(days=1) for c in base.calls)
    base.calls = tuple(c for c in base.calls if c not in lost)
    pools = {c.pool for c in lost}
    scope = {person}
    for pool in program.call_pools:
        if pool.name in pools:
            scope |= {m for m in _members(program, pool) if m in published.people}
    # the run sees the absence only through the locked cells (a sick call keeps the rotation)
    prog = replace(
        program,
        absences=tuple(a for a in program.absences if not (a.person == person and a.start <= end and a.end >= start)),
    )
    covered_before = _nights(published)
    # rules already broken in the published schedule (none, normally) are not the repair's to fix
    before = {_finding_key(f) for f in violations(prog, published)}
    result = RepairResult("failed")
    residents = {p.key for p in program.residents()}
    scopes = [scope] + ([scope | residents] if scope & residents and not residents <= scope else [])
    attempts = [(s, pad) for s in scopes for pad in PADS]
    for n, (sc, pad) in enumerate(attempts):
        left = time_limit - (time.monotonic() - t0)
        if left < 1.0 and n:
            break
        lo = 0 if pad is None else max(0, i0 - pad)
        hi = published.days - 1 if pad is None else min(published.days - 1, i1 + pad)
        keep = base.copy()
        locked = np.ones(keep.grid.shape, bool)
        for key in sc:
            # a call straddling the window's edge is re-decided with both its days inside the window
            nights = {(c.night - first).days for c in base.calls if c.person == key}
            a = lo - 1 if lo > 0 and lo - 1 in nights else lo
            b = hi + 1 if hi < published.days - 1 and hi in nights else hi
            locked[keep.row(key), a : b + 1] = False
        # the absence itself, and the day after it: no call may start on an absent night (the run
        # does not see the absence as one; a locked post-call day keeps the person off those calls)
        locked[row, i0 : min(i1 + 2, published.days)] = True
        if eve_call and i0 > 0:  # the call of the eve stands (it ends as the absence starts)
            locked[row, i0 - 1] = True
        keep.locked = locked
        locks = tuple(b for b in published.block_assignments if b.person in sc)
        run_prog = replace(prog, block_assignments=prog.block_assignments + tuple(
            b for b in locks if b not in prog.block_assignments))  # fmt: skip
        share = left / max(1, min(len(attempts) - n, 2))
        gen: GenerationResult = generate(
            run_prog, algorithm=algorithm, time_limit=max(share, 2.0), seed=seed, workers=workers, keep=keep,
            scope_people=set(sc), progress=progress, cancel=cancel, options=replace(options, stay_weight=STAY_WEIGHT),
        )  # fmt: skip
        info: dict[str, Any] = {"pad_days": pad, "scope": len(sc), "status": gen.status, "violations": gen.violations}
        if gen.status == "cancelled":
            result.status = "cancelled"
            break
        if gen.schedule is not None:
            uncovered = sorted(covered_before - _nights(gen.schedule) - _absent_pool_nights(lost, gen.schedule))
            info["newly_uncovered"] = len(uncovered)
            cells, calls = changes(published, gen.schedule)
            info["changed_cells"], info["changed_calls"] = cells, calls
            new = [f for f in violations(run_prog, gen.schedule) if _finding_key(f) not in before] if gen.ok else []
            info["new_violations"] = len(new)
            good = gen.ok and not new and not uncovered and not gen.schedule.unfilled()
            if good or n == len(attempts) - 1:
                result.status = "ok" if good else "infeasible"
                result.schedule = gen.schedule
                result.changed_cells, result.changed_calls = cells, calls
                result.violations = gen.violations
                result.new_violations = len(new)
                result.window = (first + timedelta(days=lo), first + timedelta(days=hi))
                result.scope = sorted(sc)
                result.warnings = gen.warnings
                result.attempts.append(info)
                break
        result.attempts.append(info)
    if result.status == "failed" and result.attempts:
        result.status = "infeasible"
    result.seconds = time.monotonic() - t0
    result.warnings.append(f"absence written: {absence.person} {absence.start}..{absence.end} ({code})")
    return result


def _finding_key(f: Any) -> tuple:
    return (f.rule, f.person_id, str(f.start), str(f.end))


def _members(program: Program, pool: Any) -> list[str]:
    from residency.scheduling.problem import Options, Problem

    pr = Problem(program, Options(), None, None)
    return [pr.people[p] for p in pr.pool_members(pool)]


def _nights(schedule: Schedule) -> set[tuple[date, str]]:
    return {(c.night, c.pool) for c in schedule.calls}


def _absent_pool_nights(lost: list, schedule: Schedule) -> set[tuple[date, str]]:
    return set()
