"""Backup call pool: fill a pool's uncovered nights with its backup people (defense level
CONTAINMENT, action ``activate_backup_call_pool``).

A ``CallPool`` names people flagged as its backup (``backup_members``); they are eligible for its call
only inside an activated window (``backup_windows``, ``CallPool.backup_on``). ``fill_with_backup``
takes a schedule (normally the published one) and, for each of the pool's nights inside the window:
drops calls held by someone with an approved absence that night (writing the absence into their
cells), then gives every night still short of ``per_night`` to the backup person with the fewest calls
who is present that night and the next day, has no call the night before, of or after, is not away
or on night float, and whose call adds no compliance violation (the engine re-checks every
candidate). The call is written as the solver writes it: the call cell on the night's afternoon (in-
house pools) and the pool's post-call codes the next day. Nights no backup can legally take are
reported as unfilled. Pure: the shell stores the result as a draft to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from residency.domain.program import CallKind, Program
from residency.domain.schedule import CallAssignment, Schedule
from residency.scheduling.blockvars import half_rotations
from residency.scheduling.check import violations
from residency.scheduling.constraints.call import call_cell, post_call_cells
from residency.scheduling.problem import Problem


@dataclass
class BackupFill:
    pool: str
    start: date
    end: date
    schedule: Schedule
    filled: list[CallAssignment] = field(default_factory=list)  # calls the backup people took
    removed: list[CallAssignment] = field(default_factory=list)  # calls of absent people dropped
    unfilled: list[dict[str, Any]] = field(default_factory=list)  # nights still short, and why

    def to_dict(self) -> dict[str, Any]:
        def call(c: CallAssignment) -> dict[str, str]:
            return {"person": c.person, "night": c.night.isoformat(), "pool": c.pool}

        return {
            "pool": self.pool,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "filled": [call(c) for c in self.filled],
            "removed": [call(c) for c in self.removed],
            "unfilled": self.unfilled,
        }


def _key(f: Any) -> tuple:
    return (f.rule, f.person_id, str(f.start), str(f.end))


def fill_with_backup(program: Program, schedule: Schedule, pool_name: str, start: date, end: date) -> BackupFill:
    """A copy of ``schedule`` with ``pool_name``'s uncovered nights in [start, end] given to its
    backup people (those ``CallPool.backup_on`` the night: the window must be activated)."""
    pools = {c.name: c for c in program.call_pools}
    if pool_name not in pools:
        raise ValueError(f"unknown call pool {pool_name!r}")
    pool = pools[pool_name]
    problem = Problem(program)
    draft = schedule.copy()
    draft.locked = None
    out = BackupFill(pool_name, start, end, draft)
    nights = [d for d in problem.pool_nights(pool) if start <= problem.days[d] <= end]
    # calls of people absent that night are given up (their absence written into the grid)
    kept = []
    for c in draft.calls:
        p = problem.pidx.get(c.person)
        d = (c.night - problem.start).days
        inside = c.pool == pool_name and p is not None and start <= c.night <= end and 0 <= d < problem.n_days
        if inside and (problem.absence[p, d] >= 0).any():
            out.removed.append(c)
            continue
        kept.append(c)
    draft.calls = tuple(kept)
    for c in out.removed:
        p, row = problem.pidx[c.person], draft.row(c.person)
        d = (c.night - problem.start).days
        for h in (0, 1):
            a = int(problem.absence[p, d, h])
            if a >= 0:
                draft.grid[row, d, h] = draft.code_index(problem.codes[a])
    before = {_key(f) for f in violations(program, draft)}
    rots = half_rotations(problem, draft)
    for d in nights:
        night = problem.days[d]
        need = pool.per_night - sum(1 for c in draft.calls if c.pool == pool_name and c.night == night)
        tried: dict[str, str] = {}
        while need > 0:
            load = {k: sum(1 for c in draft.calls if c.person == k) for k in pool.backup_on(night)}
            pick = None
            for key in sorted(load, key=lambda k: (load[k], k)):
                if key in tried:
                    continue
                why = _unavailable(problem, draft, rots, key, d)
                if why is None:
                    trial = _with_call(problem, pool, draft, key, d)
                    new = [f for f in violations(program, trial) if _key(f) not in before]
                    why = f"{new[0].rule} would be broken" if new else None
                    if why is None:
                        pick = trial
                        out.filled.append(CallAssignment(key, night, pool_name))
                        tried[key] = "taken"
                        break
                tried[key] = why
            if pick is None:
                reasons = sorted({r for r in tried.values() if r != "taken"}) or ["no backup people"]
                out.unfilled.append({"night": night.isoformat(), "short": need, "why": "; ".join(reasons)})
                break
            draft.grid, draft.calls = pick.grid, pick.calls
            need -= 1
    draft.calls = tuple(sorted(draft.calls, key=lambda c: (c.night, c.pool, c.person)))
    return out


def _unavailable(problem: Problem, draft: Schedule, rots: dict, key: str, d: int) -> str | None:
    p = problem.pidx.get(key)
    if p is None or key not in draft.people:
        return "not in the schedule"
    if (problem.absence[p, d] >= 0).any() or (d + 1 < problem.n_days and (problem.absence[p, d + 1] >= 0).any()):
        return "absent"
    night = problem.days[d]
    near = {night - timedelta(days=1), night, night + timedelta(days=1)}
    if any(c.person == key and c.night in near for c in draft.calls):
        return "on call the night before, of or after"
    if p in rots:
        r = rots[p][problem.half_of_day[d]]
        if r is not None and (problem.rotations[r].is_night_float or problem.rotations[r].off_site):
            return "away or on night float"
    return None


def _with_call(problem: Problem, pool, draft: Schedule, key: str, d: int) -> Schedule:
    trial = draft.copy()
    row = trial.row(key)
    if pool.kind == CallKind.IN_HOUSE:
        cc = call_cell(problem, pool, d)
        if cc is not None:
            trial.grid[row, d, 1] = trial.code_index(problem.codes[cc])
    if pool.post_call_codes and d + 1 < problem.n_days:
        for h, code in enumerate(post_call_cells(problem, pool, d + 1, key)):
            trial.grid[row, d + 1, h] = trial.code_index(code)
    trial.calls = (*trial.calls, CallAssignment(key, problem.days[d], pool.name))
    return trial
