"""CP-SAT plumbing shared by the layers: parameters, progress reporting, cancellation, objectives."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from residency.scheduling.catalogue import Constraint, Term

Progress = Callable[[dict[str, Any]], Any]


# hybrid: layers whose whole-model solve starts from a no-presolve first solution (their presolve is
# slow: ten seconds of the residents layer of the large program; the block layer finds nothing that way)
QUICK_LAYERS = ("residents", "clinic")

# Extra CP-SAT parameters applied to every solve (tuning hook: field name -> value).
EXTRA_PARAMS: dict[str, Any] = {}


def apply_extra(prm: Any) -> None:
    for key, value in EXTRA_PARAMS.items():
        setattr(prm, key, value)


def wall_guard(budget: float) -> float:
    """With one worker a solve is limited by deterministic time, which leaves out much of the real
    work (loading, presolve) and, on a loaded machine, can run ten times slower than the clock;
    the wall-clock limit is only a guard against a runaway solve, so it is generous."""
    return budget * 20 + 10


class Cancelled(Exception):
    """The run was cancelled by its caller."""


@dataclass
class RunContext:
    time_limit: float
    seed: int = 0
    workers: int = 2
    progress: Progress | None = None
    cancel: threading.Event | Callable[[], bool] | None = None
    started: float = field(default_factory=time.monotonic)
    layer: str = ""
    # greedy: stop each layer at its first solution; hybrid: whole-model solve then LNS (scheduling.lns)
    algorithm: str = "cpsat"
    hints: dict[str, list[int]] | None = None  # per layer: a full solution vector to hint
    solutions: dict[str, list[int]] = field(default_factory=dict)  # per layer: last solution found
    lns_first_share: float = 0.7  # hybrid: share of a layer's budget for the whole-model solve
    notes: list[str] = field(default_factory=list)  # e.g. a layer the lp algorithm handed to CP-SAT
    det_used: float = 0.0  # deterministic time of every solve so far (see used())
    fallbacks: dict[str, Any] = field(default_factory=dict)  # hybrid: per layer, the greedy result

    @property
    def deterministic(self) -> bool:
        return self.workers == 1

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def used(self) -> float:
        """What the time limit is charged with: seconds, or with one worker the deterministic time
        of every solve so far (so budgets, and with them the schedule, repeat exactly)."""
        return self.det_used if self.deterministic else self.elapsed()

    def charge(self, solver: cp_model.CpSolver, extra: float = 0.0) -> None:
        self.det_used += solver.ResponseProto().deterministic_time + extra

    def remaining(self) -> float:
        return max(self.time_limit - self.used(), 0.5)

    def cancelled(self) -> bool:
        c = self.cancel
        if c is None:
            return False
        if isinstance(c, threading.Event):
            return c.is_set()
        return bool(c())

    def report(self, **info: Any) -> None:
        if self.cancelled():
            raise Cancelled()
        if self.progress is None:
            return
        info = {"layer": self.layer, "elapsed": round(self.elapsed(), 3), **info}
        if self.progress(info) is False:
            raise Cancelled()


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, ctx: RunContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.stopped = False

    def on_solution_callback(self) -> None:
        info = {
            "layer": self.ctx.layer,
            "objective": self.ObjectiveValue(),
            "bound": self.BestObjectiveBound(),
            "elapsed": round(self.ctx.elapsed(), 3),
        }
        stop = self.ctx.cancelled()
        if not stop and self.ctx.progress is not None and self.ctx.progress(info) is False:
            stop = True
        if stop:
            self.stopped = True
            self.StopSearch()


def solve(model: cp_model.CpModel, ctx: RunContext, budget: float) -> tuple[int, cp_model.CpSolver, bool]:
    """Solve with the run's seed and workers. With one worker the limit is deterministic time, so the
    same seed gives the same answer; a wall-clock guard of a few times the budget still applies."""
    hints = (ctx.hints or {}).get(ctx.layer)
    if ctx.algorithm == "hybrid" and ctx.layer in ctx.solutions:  # a re-solve (e.g. after compliance cuts)
        hints = ctx.solutions[ctx.layer]
    proto = model.Proto()
    if hints is not None and len(hints) == len(proto.variables) and not len(proto.solution_hint.vars):
        proto.solution_hint.vars.extend(range(len(hints)))
        proto.solution_hint.values.extend(hints)
    if ctx.algorithm == "lp" and model.HasObjective():
        from residency.scheduling.mip import solve_via_mip

        began = time.monotonic()
        out = solve_via_mip(model, ctx, budget)
        if out is not None:
            ctx.solutions[ctx.layer] = list(out[1].ResponseProto().solution)
            return out
        budget = max(budget - (time.monotonic() - began), 1.0)  # CP-SAT gets what the MIP left
    if ctx.algorithm == "hybrid" and model.HasObjective():
        from residency.scheduling.lns import hybrid

        quick = ctx.layer in QUICK_LAYERS
        status, solver, ok = hybrid(model, ctx, budget, first_share=ctx.lns_first_share, quick=quick)
        if ok:
            ctx.solutions[ctx.layer] = list(solver.ResponseProto().solution)
        return status, solver, ok
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.random_seed = ctx.seed
    if ctx.algorithm == "greedy":
        prm.stop_after_first_solution = True
    apply_extra(prm)
    prm.num_workers = max(1, ctx.workers)
    budget = max(budget, 0.2)
    if ctx.deterministic:
        prm.max_deterministic_time = budget
        prm.max_time_in_seconds = wall_guard(budget)
    else:
        prm.max_time_in_seconds = budget
    cb = _Callback(ctx)
    status = solver.Solve(model, cb)
    ctx.charge(solver)
    if cb.stopped or ctx.cancelled():
        raise Cancelled()
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if ok:
        ctx.solutions[ctx.layer] = list(solver.ResponseProto().solution)
    return status, solver, ok


def objective(model: cp_model.CpModel, terms: dict[str, list[Term]], constraints: dict[str, Constraint]) -> None:
    expr = []
    for cid, ts in terms.items():
        w = constraints[cid].weight
        expr += [w * c * x for c, x in ts]
    if expr:
        model.Minimize(sum(expr))


def breakdown(solver: cp_model.CpSolver, terms: dict[str, list[Term]], constraints: dict[str, Constraint]) -> dict:
    out = {}
    for cid, ts in terms.items():
        if not ts:
            continue
        raw = sum(c * solver.Value(x) for c, x in ts)
        out[cid] = raw * constraints[cid].weight
    return out


STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}
