"""Layer 3b, clinic: flexible resident clinic cells, faculty precepting and own clinic (CP-SAT).

Starts from the residents' grid (patterns, days off, call) and the faculty's fixed cells (teaching
weeks, absences, post-call, weekends, holidays). Decides which flexible cells stay continuity clinic,
which faculty precept (AT) or see their own patients (C) in each half-day, so that every clinic
half-day is supervised (needed = ceil(sum of the residents' supervision loads), PCAT counts),
procedure clinics have a credentialed preceptor, and faculty clinic caps hold. A fixed clinic cell
is only given up (to admin, or a procedure clinic to continuity clinic) at a high price when no
preceptor can be found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from residency.domain.program import FacultyRole
from residency.domain.schedule import UNFILLED
from residency.scheduling.catalogue import of_layer
from residency.scheduling.cpsat import STATUS, RunContext, breakdown, objective, solve
from residency.scheduling.problem import Problem
from residency.scheduling.warm import fallback, warm

SCALE = 100  # supervision loads in hundredths


@dataclass
class ClinicVars:
    problem: Problem
    grid: np.ndarray  # residents filled; faculty fixed cells filled, open cells UNFILLED
    faculty: list[int]  # faculty whose open cells this layer fills
    keep: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # flexible cell stays clinic
    drop: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # fixed clinic cell -> admin
    conv: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # procedure cell -> continuity
    at: dict[tuple[int, int, int], Any] = field(default_factory=dict)
    own: dict[tuple[int, int, int], Any] = field(default_factory=dict)
    flexible: np.ndarray | None = None

    def load(self, p: int, c: int) -> int:
        pgy = self.problem.pgy(p, 0)
        loads = self.problem.clinic_load.get(c, {})
        return round(SCALE * loads.get("pgy1" if pgy == 1 else "senior", max(loads.values(), default=0)))


def credentialed(problem: Problem, f: int, procedure: str | None, day: date) -> bool:
    key = problem.people[f]
    for cr in problem.program.credentials:
        if cr.person != key or cr.status != "active":
            continue
        if cr.expires is not None and cr.expires < day:
            continue
        if procedure is None or cr.procedure == procedure:
            return True
    return False


def faculty_admin_code(problem: Problem, f: int) -> int:
    role = problem.program.people[f].faculty_role
    if role in (FacultyRole.PROGRAM_DIRECTOR, FacultyRole.ASSOCIATE_PD) and problem.has_code("GME"):
        return problem.cidx["GME"]
    return problem.code(problem.options.faculty_admin_code, "ADM", "OFF")


def build(problem: Problem, grid: np.ndarray, flexible: np.ndarray) -> tuple[cp_model.CpModel, ClinicVars, dict]:
    model = cp_model.CpModel()
    faculty = [f for f in problem.faculty if problem.in_scope(f)]
    v = ClinicVars(problem, grid, faculty, flexible=flexible)
    for p in problem.residents:
        if not problem.in_scope(p):
            continue
        for d in range(problem.n_days):
            for h in (0, 1):
                c = int(grid[p, d, h])
                if c not in problem.clinic_load:
                    continue
                if flexible[p, d, h]:
                    v.keep[(p, d, h)] = model.NewBoolVar("")
                elif problem.fixed[p, d, h] < 0 and problem.absence[p, d, h] < 0:
                    v.drop[(p, d, h)] = model.NewBoolVar("")
                    if c in problem.procedure_of and problem.has_code("C"):
                        v.conv[(p, d, h)] = model.NewBoolVar("")
                        model.Add(v.drop[(p, d, h)] + v.conv[(p, d, h)] <= 1)
    for f in faculty:
        if problem.program.people[f].faculty_role == FacultyRole.ADJUNCT:
            continue
        for d in range(problem.n_days):
            for h in (0, 1):
                if grid[f, d, h] == UNFILLED:
                    v.at[(f, d, h)] = model.NewBoolVar("")
                    v.own[(f, d, h)] = model.NewBoolVar("")
                    model.Add(v.at[(f, d, h)] + v.own[(f, d, h)] <= 1)
    terms = {}
    for c in of_layer("clinic"):
        t = c.encode(model, problem, v)
        if t:
            terms[c.id] = t
    return model, v, terms


@dataclass
class ClinicResult:
    status: str
    grid: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    given_up: int = 0  # fixed clinic cells given up for want of a preceptor


def solve_clinic(
    problem: Problem, grid: np.ndarray, flexible: np.ndarray, ctx: RunContext, budget: float
) -> ClinicResult:
    ctx.layer = "clinic"
    ctx.report()
    model, v, terms = build(problem, grid, flexible)
    constraints = {c.id: c for c in of_layer("clinic")}
    objective(model, terms, constraints)
    warm(ctx, "clinic", model, v, problem, budget, grid=grid, flexible=flexible)
    status, solver, ok = solve(model, ctx, budget)
    if not ok:
        return fallback(ctx, "clinic", status) or ClinicResult(STATUS.get(status, "unknown"))
    out = grid.copy()
    alt = problem.code(problem.options.flexible_alternative, "ADM")
    for (p, d, h), x in v.keep.items():
        if not solver.Value(x):
            out[p, d, h] = alt
    given_up = 0
    for (p, d, h), x in v.drop.items():
        if solver.Value(x):
            out[p, d, h] = alt
            given_up += 1
    for (p, d, h), x in v.conv.items():
        if solver.Value(x):
            out[p, d, h] = problem.cidx["C"]
            given_up += 1
    at_code = problem.code("AT")
    own_code = problem.code(problem.options.faculty_clinic_code, "C")
    for (f, d, h), x in v.at.items():
        if solver.Value(x):
            out[f, d, h] = at_code
        elif solver.Value(v.own[(f, d, h)]):
            out[f, d, h] = own_code
    return ClinicResult(
        STATUS[status],
        out,
        solver.ObjectiveValue(),
        solver.BestObjectiveBound(),
        breakdown(solver, terms, constraints),
        given_up,
    )


def fill_faculty_base(problem: Problem, grid: np.ndarray, fmit_weeks: dict[int, list[int]], weeks: list[list[int]],
                      calls) -> None:  # fmt: skip
    """Fixed faculty cells before the clinic layer: teaching weeks, absences, post-call, weekends,
    holidays; adjuncts (not auto-scheduled) are off on weekdays. Open cells stay UNFILLED."""
    from residency.scheduling.constraints.call import post_call_cells

    pools = {c.name: c for c in problem.program.call_pools}
    fmit = problem.cidx.get(problem.options.faculty_fmit_code)
    weekend = problem.code(problem.options.weekend_code, "W", "OFF")
    fed = problem.code("FED", "HOL")
    for f in problem.faculty + problem.others:
        if problem.fixed[f].min() >= 0:  # entirely kept
            grid[f] = problem.fixed[f]
            continue
        row = grid[f]
        for d in range(problem.n_days):
            if problem.days[d].weekday() >= 5:
                row[d] = weekend
            elif problem.holiday[d]:
                row[d] = fed
        for w in fmit_weeks.get(f, []):
            for d in weeks[w]:
                row[d] = fmit
        if problem.program.people[f].faculty_role == FacultyRole.ADJUNCT or f in problem.others:
            off = problem.code("OFF", "W")
            row[row == UNFILLED] = off
    for c in calls:
        f = problem.pidx[c.person]
        pool = pools[c.pool]
        d = (c.night - problem.start).days + 1
        if pool.post_call_codes and d < problem.n_days:
            for h, code in enumerate(post_call_cells(problem, pool, d, c.person)):
                grid[f, d, h] = problem.cidx[code]
    for f in problem.faculty + problem.others:
        absent = problem.absence[f] >= 0
        grid[f][absent] = problem.absence[f][absent]
        kept = problem.fixed[f] >= 0
        grid[f][kept] = problem.fixed[f][kept]


def fill_faculty_rest(problem: Problem, grid: np.ndarray) -> None:
    for f in problem.faculty + problem.others:
        row = grid[f]
        row[row == UNFILLED] = faculty_admin_code(problem, f)
