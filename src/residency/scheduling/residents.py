"""Layer 2b, residents: days off, in-house call and post-call under the ACGME limits (CP-SAT).

Starts from the pattern fill; decides which worked days become OFF (inpatient patterns carry no day
off of their own), who takes each night's in-house call, and writes post-call cells. Constraints and
penalties come from the catalogue's ``residents`` layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from residency.domain.schedule import CallAssignment
from residency.scheduling.blockvars import Guard, no_guard
from residency.scheduling.catalogue import of_layer
from residency.scheduling.constraints.call import afternoon_cell, call_available, post_call_cells
from residency.scheduling.cpsat import STATUS, RunContext, breakdown, objective, solve
from residency.scheduling.fill import Base
from residency.scheduling.problem import Problem
from residency.scheduling.resvars import ResidentVars, Window, base_intervals, day_limits, person_windows
from residency.scheduling.warm import fallback, warm


@dataclass
class ResidentResult:
    status: str
    grid: np.ndarray | None = None
    calls: list[CallAssignment] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    chosen: dict[tuple, int] = field(default_factory=dict)  # ("off", p, d) / ("call", p, d, k) -> value


def build(
    problem: Problem,
    base: Base,
    extra: dict[int, list[Window]] | None = None,
    guard: Guard = no_guard,
    model: cp_model.CpModel | None = None,
) -> tuple[cp_model.CpModel, ResidentVars, dict]:
    model = model or cp_model.CpModel()
    residents = [p for p in problem.residents if problem.in_scope(p)]
    pools = [(k, c) for k, c in enumerate(problem.program.call_pools) if c in problem.resident_pools()]
    v = ResidentVars(problem, base, residents, pools, limits=day_limits(problem), guard=guard)
    v.extra_windows = extra or {}
    grid = base.grid
    for p in residents:
        v.intervals[p] = base_intervals(problem, grid, p)
        v.windows[p] = person_windows(problem, base.rot_day, p)
    # kept calls (people out of scope)
    if problem.keep is not None:
        names = {c.name: k for k, c in pools}
        for c in problem.keep.calls:
            p = problem.pidx.get(c.person)
            if c.pool in names and p is not None and problem.start <= c.night:
                d = (c.night - problem.start).days
                if d < problem.n_days and problem.call_kept(p, d):
                    v.kept_calls[(names[c.pool], d)] = v.kept_calls.get((names[c.pool], d), 0) + 1
    # days that may become OFF: worked, not fixed
    for p in residents:
        for d in range(problem.n_days):
            cells = grid[p, d]
            if base.locked[p, d].any() or (cells < 0).any():
                continue
            if any(problem.counted[c] for c in cells):
                v.off[(p, d)] = model.NewBoolVar(f"off_{p}_{d}")
    # call variables where the resident is available and the ACGME run/rest limits allow it
    for k, pool in pools:
        members = set(problem.pool_members(pool))
        for d in problem.pool_nights(pool):
            for p in residents:
                if p in members and call_available(v, p, d, pool) is None:
                    v.call[(p, d, k)] = model.NewBoolVar(f"call_{p}_{d}_{k}")
    for p in residents:
        for d in range(problem.n_days):
            xs = v.calls_on(p, d)
            if len(xs) > 1:
                model.AddAtMostOne(xs)
            # a day is either a day off or a post-call day, not both
            prev = v.calls_on(p, d - 1) if d > 0 else []
            if (p, d) in v.off and prev:
                model.Add(v.off[(p, d)] + sum(prev) <= 1)
    terms = {}
    for c in of_layer("residents"):
        t = c.encode(model, problem, v)
        if t:
            terms[c.id] = t
    return model, v, terms


def solve_residents(
    problem: Problem,
    base: Base,
    ctx: RunContext,
    budget: float,
    extra: dict[int, list[Window]] | None = None,
    fix: dict[tuple, int] | None = None,
    free_days: set[int] | None = None,
) -> ResidentResult:
    """``fix`` (a previous result's ``chosen``) with ``free_days``: every decision outside those days
    is fixed to its previous value and the inside is hinted - the cheap re-solve after a compliance
    cut, which only needs to move things near the flagged windows."""
    ctx.layer = "residents"
    ctx.report()
    model, v, terms = build(problem, base, extra)
    if fix is not None and free_days is not None:
        for key, x in [(("off", *k), x) for k, x in v.off.items()] + [(("call", *k), x) for k, x in v.call.items()]:
            if key in fix:
                if key[2] in free_days:
                    model.AddHint(x, fix[key])
                else:
                    model.Add(x == fix[key])
    constraints = {c.id: c for c in of_layer("residents")}
    objective(model, terms, constraints)
    warm(ctx, "residents", model, v, problem, budget, base=base, extra=extra)
    status, solver, ok = solve(model, ctx, budget)
    if not ok:
        return fallback(ctx, "residents", status) or ResidentResult(
            STATUS.get(status, "unknown"), uncovered=v.uncovered
        )
    grid = base.grid.copy()
    off_code = problem.code(problem.options.day_off_code, "OFF", "W")
    for (p, d), x in v.off.items():
        if solver.Value(x):
            grid[p, d] = off_code
    calls = []
    for (p, d, k), x in v.call.items():
        if not solver.Value(x):
            continue
        pool = problem.program.call_pools[k]
        calls.append(CallAssignment(problem.people[p], problem.days[d], pool.name))
        grid[p, d, 1] = afternoon_cell(problem, pool, d, int(grid[p, d, 1]))
        if d + 1 < problem.n_days and pool.post_call_codes:
            for h, code in enumerate(post_call_cells(problem, pool, d + 1, problem.people[p])):
                grid[p, d + 1, h] = problem.cidx[code]
    calls.sort(key=lambda c: (c.night, c.pool, c.person))
    for (k, d), x in v.short.items():
        if solver.Value(x):
            pool = problem.program.call_pools[k]
            v.uncovered.append(f"{pool.name} {problem.days[d]}: {solver.Value(x)} short (no legal assignment found)")
    chosen = {("off", *k): int(solver.Value(x)) for k, x in v.off.items()}
    chosen.update({("call", *k): int(solver.Value(x)) for k, x in v.call.items()})
    return ResidentResult(
        STATUS[status],
        grid,
        calls,
        solver.ObjectiveValue(),
        solver.BestObjectiveBound(),
        breakdown(solver, terms, constraints),
        v.uncovered,
        chosen,
    )
