"""Run an algorithm on a ``RosterSpec``: greedy | cpsat | hybrid (greedy hints + CP-SAT + LNS)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from residency.scheduling import cpsat, lns
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster import model as rmodel
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.spec import RosterSpec
from residency.scheduling.roster.units import measure

ALGORITHMS = ("greedy", "cpsat", "hybrid", "lp")


@dataclass
class RosterResult:
    status: str  # optimal | feasible | infeasible | unknown | cancelled
    roster: np.ndarray | None
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    hard_breaches: list[str] = field(default_factory=list)
    parts: dict[str, int] = field(default_factory=dict)
    first_seconds: float | None = None  # time to the first zero-breach roster
    info: dict[str, Any] = field(default_factory=dict)


def solve_roster(spec: RosterSpec, algorithm: str = "hybrid", ctx: RunContext | None = None) -> RosterResult:
    ctx = ctx or RunContext(60.0)
    ctx.layer = ctx.layer or "roster"
    t0 = time.monotonic()
    if algorithm == "lp":
        from residency.scheduling.roster.mip import solve_mip

        return solve_mip(spec, ctx)
    start = greedy(spec)
    if algorithm == "greedy":
        obj, hard, parts = measure(spec, start)
        return RosterResult("feasible" if not hard else "infeasible", start, obj, None, time.monotonic() - t0,
                            [b.message for b in hard], parts)  # fmt: skip
    model, v = rmodel.build(spec)
    first: list[float] = []

    def progress(info: dict[str, Any]) -> Any:
        if not first:
            first.append(time.monotonic() - t0)
        return None if outer is None else outer(info)

    outer, ctx.progress = ctx.progress, progress
    try:
        budget = ctx.time_limit - (time.monotonic() - t0)
        if algorithm == "hybrid":
            rmodel.hint(model, v, start)
            status, solver, ok = lns.hybrid(model, ctx, budget, v.keys())
        elif algorithm in ("cpsat", "cpsat-layered"):
            status, solver, ok = cpsat.solve(model, ctx, budget)
        else:
            raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    except cpsat.Cancelled:
        return RosterResult("cancelled", None, seconds=time.monotonic() - t0)
    finally:
        ctx.progress = outer
    if not ok:
        return RosterResult(cpsat.STATUS.get(status, "unknown"), None, seconds=time.monotonic() - t0)
    roster = rmodel.roster_of(solver.ResponseProto().solution, spec, v)
    obj, hard, parts = measure(spec, roster)
    bound = solver.BestObjectiveBound()
    status_name = "optimal" if status == cp_model.OPTIMAL or obj <= bound else "feasible"
    return RosterResult(status_name, roster, obj, bound, time.monotonic() - t0, [b.message for b in hard], parts,
                        first[0] if first else None)  # fmt: skip
