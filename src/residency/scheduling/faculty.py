"""Layer 3a, faculty: inpatient-teaching (FMIT) weeks and staff call (CP-SAT).

One attending runs the inpatient teaching service each Monday-Sunday week; about six weeks a year
each (scaled to the year, shared by FTE); never two weeks running; never during an absence. Staff
call: each night a faculty pool runs, ``per_night`` members who are not absent that night or the
next day and not on the teaching week; post-call the next day is PCAT then DO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from residency.domain.program import CallPool, FacultyRole
from residency.domain.schedule import CallAssignment
from residency.scheduling.blockvars import Guard, no_guard
from residency.scheduling.catalogue import of_layer
from residency.scheduling.cpsat import STATUS, RunContext, breakdown, objective, solve
from residency.scheduling.problem import Problem
from residency.scheduling.warm import fallback, warm


@dataclass
class FacultyVars:
    problem: Problem
    faculty: list[int]  # faculty the run schedules (adjuncts excluded: not auto-scheduled)
    weeks: list[list[int]]  # day indices of each Monday-Sunday week
    pools: list[tuple[int, CallPool]]
    fmit: dict[tuple[int, int], Any] = field(default_factory=dict)  # (f, week)
    call: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # (f, d, k)
    kept_fmit: dict[int, int] = field(default_factory=dict)  # week -> attendings fixed by keep
    kept_calls: dict[tuple[int, int], int] = field(default_factory=dict)
    guard: Guard = no_guard
    uncovered: list[str] = field(default_factory=list)

    def calls_on(self, f: int, d: int) -> list:
        return [self.call[(f, d, k)] for k, _ in self.pools if (f, d, k) in self.call]


@dataclass
class FacultyResult:
    status: str
    fmit_weeks: dict[int, list[int]] = field(default_factory=dict)  # faculty -> week indices
    calls: list[CallAssignment] = field(default_factory=list)
    weeks: list[list[int]] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)


def weeks_of(problem: Problem) -> list[list[int]]:
    out: list[list[int]] = []
    for d in range(problem.n_days):
        if not out or problem.days[d].weekday() == 0:
            out.append([])
        out[-1].append(d)
    return out


def schedulable(problem: Problem, f: int) -> bool:
    return problem.program.people[f].faculty_role != FacultyRole.ADJUNCT


def fmit_available(problem: Problem, f: int, week: list[int]) -> bool:
    return not any((problem.absence[f, d] >= 0).any() for d in week) and all(problem.fixed[f, d, 0] < 0 for d in week)


def staff_call_available(v: FacultyVars, f: int, d: int) -> bool:
    pr = v.problem
    for day in (d, d + 1):
        if day < pr.n_days and ((pr.absence[f, day] >= 0).any() or (pr.fixed[f, day] >= 0).any()):
            return False
    return True


def week_of_day(weeks: list[list[int]]) -> dict[int, int]:
    return {d: w for w, ds in enumerate(weeks) for d in ds}


def build(
    problem: Problem, guard: Guard = no_guard, model: cp_model.CpModel | None = None
) -> tuple[cp_model.CpModel, FacultyVars, dict]:
    model = model or cp_model.CpModel()
    faculty = [f for f in problem.faculty if problem.in_scope(f) and schedulable(problem, f)]
    pools = [(k, c) for k, c in enumerate(problem.program.call_pools) if c in problem.faculty_pools()]
    v = FacultyVars(problem, faculty, weeks_of(problem), pools, guard=guard)
    fmit_code = problem.cidx.get(problem.options.faculty_fmit_code)
    wod = week_of_day(v.weeks)
    if problem.keep is not None:
        names = {c.name: k for k, c in pools}
        for f in problem.faculty:
            if problem.in_scope(f) or fmit_code is None:
                continue
            for w, ds in enumerate(v.weeks):
                if any(problem.fixed[f, d, 0] == fmit_code for d in ds):
                    v.kept_fmit[w] = v.kept_fmit.get(w, 0) + 1
        for c in problem.keep.calls:
            f = problem.pidx.get(c.person)
            if c.pool in names and f is not None and problem.start <= c.night:
                d = (c.night - problem.start).days
                if d < problem.n_days and problem.call_kept(f, d):
                    v.kept_calls[(names[c.pool], d)] = v.kept_calls.get((names[c.pool], d), 0) + 1
    if fmit_code is not None:
        for f in faculty:
            for w, ds in enumerate(v.weeks):
                if fmit_available(problem, f, ds):
                    v.fmit[(f, w)] = model.NewBoolVar(f"fmit_{f}_{w}")
    for k, pool in pools:
        members = set(problem.pool_members(pool))
        for d in problem.pool_nights(pool):
            for f in faculty:
                if f in members and staff_call_available(v, f, d):
                    v.call[(f, d, k)] = model.NewBoolVar(f"fcall_{f}_{d}_{k}")
    # the teaching attending is not on staff call that week nor the night before it starts
    for (f, d, _k), x in v.call.items():
        for day in (d, d + 1):
            w = wod.get(day)
            if w is not None and (f, w) in v.fmit:
                model.AddImplication(x, v.fmit[(f, w)].Not())
    terms = {}
    for c in of_layer("faculty"):
        t = c.encode(model, problem, v)
        if t:
            terms[c.id] = t
    return model, v, terms


def solve_faculty(problem: Problem, ctx: RunContext, budget: float) -> FacultyResult:
    ctx.layer = "faculty"
    ctx.report()
    model, v, terms = build(problem)
    constraints = {c.id: c for c in of_layer("faculty")}
    objective(model, terms, constraints)
    warm(ctx, "faculty", model, v, problem, budget)
    status, solver, ok = solve(model, ctx, budget)
    if not ok:
        return fallback(ctx, "faculty", status) or FacultyResult(STATUS.get(status, "unknown"), uncovered=v.uncovered)
    weeks: dict[int, list[int]] = {}
    for (f, w), x in v.fmit.items():
        if solver.Value(x):
            weeks.setdefault(f, []).append(w)
    calls = [
        CallAssignment(problem.people[f], problem.days[d], problem.program.call_pools[k].name)
        for (f, d, k), x in v.call.items()
        if solver.Value(x)
    ]
    calls.sort(key=lambda c: (c.night, c.pool, c.person))
    return FacultyResult(
        STATUS[status],
        weeks,
        calls,
        v.weeks,
        solver.ObjectiveValue(),
        solver.BestObjectiveBound(),
        breakdown(solver, terms, constraints),
        v.uncovered,
    )
