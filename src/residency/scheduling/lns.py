"""Warm start + large-neighbourhood search over a CP-SAT model: the machinery of ``hybrid``.

``hybrid(model, ctx, budget, keys)`` solves the whole model (with whatever solution hints it holds)
for a share of the budget; unless that proves optimality it then repeatedly frees a neighbourhood -
a few people over the whole horizon, a time window over everybody, or a few people over a window -
fixes every other decision variable to the incumbent (by tightening its domain in the proto, so the
model is built once), hints the incumbent and re-optimises, keeping the best. Neighbourhood size
adapts: grown when a neighbourhood is solved to optimality, shrunk when it times out.

``keys`` gives each decision variable's (proto index, person, time); without it they are read from
variable names ``<prefix>_<person>_<time>[_...]`` (the scheduling layers name theirs that way), time
scaled per prefix to [0, 1). The result is solver-like (Value, ObjectiveValue, BestObjectiveBound),
the bound being the whole-model one.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from typing import Any

from ortools.sat.python import cp_model

from residency.scheduling.cpsat import Cancelled, RunContext, _Callback, apply_extra, wall_guard

DEBUG = False
FRAC0 = 0.05
KINDS = ("person", "window", "mixed")
STALL = 25  # LNS iterations without improvement before a whole-model solve
GUIDED = 1  # guided neighbourhoods per round of the generic ones
FIRST_SHARE = 0.1
QUICK_SHARE = 0.3  # at most this share of the budget (and QUICK_MAX s) for the no-presolve start
QUICK_MAX = 5.0
SUB_LIMIT = 0.5
# deterministic time charged per neighbourhood on top of the solver's own (which leaves out loading
# the model and fixing its domains), so that with one worker the deterministic budget, not the
# wall-clock guard, ends the search - and the result repeats
ITER_COST = 0.05
SUB_CAP = 8.0  # the most a neighbourhood's solve may be given when loading alone takes longer
SUB_WORKERS = 0  # 0: the run's workers
NAME = re.compile(r"^([a-z]+)_(\d+)_(\d+)")


class Incumbent:
    """The best solution found, answering like a CpSolver (values from the solve that found it)."""

    def __init__(self, solver: cp_model.CpSolver, bound: float) -> None:
        self.solver, self.bound = solver, bound

    def Value(self, x: Any) -> int:  # noqa: N802 (CpSolver API)
        return self.solver.Value(x)

    def BooleanValue(self, x: Any) -> bool:  # noqa: N802
        return self.solver.BooleanValue(x)

    def ObjectiveValue(self) -> float:  # noqa: N802
        return self.solver.ObjectiveValue()

    def BestObjectiveBound(self) -> float:  # noqa: N802
        return min(self.bound, self.solver.ObjectiveValue())

    def ResponseProto(self):  # noqa: N802
        return self.solver.ResponseProto()


def keys_from_names(model: cp_model.CpModel) -> list[tuple[int, int, float]]:
    raw: list[tuple[int, str, int, int]] = []
    for i, var in enumerate(model.Proto().variables):
        m = NAME.match(var.name)
        if m:
            raw.append((i, m.group(1), int(m.group(2)), int(m.group(3))))
    top: dict[str, int] = {}
    for _i, prefix, _p, t in raw:
        top[prefix] = max(top.get(prefix, 0), t)
    return [(i, p, t / (top[prefix] + 1)) for i, prefix, p, t in raw]


def _params(solver: cp_model.CpSolver, ctx: RunContext, seconds: float, seed: int, workers: int = 0) -> None:
    prm = solver.parameters
    prm.random_seed = seed
    prm.num_workers = max(1, workers or ctx.workers)
    seconds = max(seconds, 0.1)
    if ctx.deterministic:
        prm.max_deterministic_time = seconds
        prm.max_time_in_seconds = wall_guard(seconds)
    else:
        prm.max_time_in_seconds = seconds
    apply_extra(prm)


def _set_hint(proto: Any, values: Sequence[int]) -> None:
    hint = proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def hybrid(
    model: cp_model.CpModel,
    ctx: RunContext,
    budget: float,
    keys: list[tuple[int, int, float]] | None = None,
    first_share: float | None = None,
    sub_limit: float | None = None,
    guide: Any = None,
    quick: bool = False,
) -> tuple[Any, Any, bool]:
    """``quick``: when the model holds no hint, first take a solution found without presolve (seconds
    on a large layer, where presolve alone can take ten) as the hint of the whole-model solve."""
    first_share = FIRST_SHARE if first_share is None else first_share
    sub_limit = SUB_LIMIT if sub_limit is None else sub_limit
    keys = keys if keys is not None else keys_from_names(model)
    if not keys:  # nothing to build neighbourhoods from: the whole budget goes to the whole model
        first_share = 1.0
    deadline = time.monotonic() + max(budget, 0.5)
    det_budget = None
    if ctx.deterministic:  # repeatable: the LNS is bounded by deterministic time, wall clock a guard
        det_budget = budget * (1 - first_share)
        deadline = time.monotonic() + wall_guard(budget)
    used = quick_start(model, ctx, min(budget * QUICK_SHARE, QUICK_MAX)) if quick else 0.0
    solver = cp_model.CpSolver()
    _params(solver, ctx, max(budget - used, 0.1) * first_share, ctx.seed)
    cb = _Callback(ctx)
    status = solver.Solve(model, cb)
    ctx.charge(solver)
    if cb.stopped or ctx.cancelled():
        raise Cancelled()
    if status == cp_model.OPTIMAL or status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        return status, solver, status == cp_model.OPTIMAL
    if status != cp_model.FEASIBLE:  # nothing yet: give the whole model the rest of the budget
        spent = used + solver.ResponseProto().deterministic_time if ctx.deterministic else 0.0
        _params(solver, ctx, budget - spent if ctx.deterministic else deadline - time.monotonic(), ctx.seed)
        status = solver.Solve(model, cb)
        ctx.charge(solver)
        if cb.stopped or ctx.cancelled():
            raise Cancelled()
        return status, solver, status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.BestObjectiveBound()
    stats = {"bound": bound}
    best = improve(model, ctx, deadline, solver, keys, sub_limit, guide=guide, det_budget=det_budget, stats=stats)
    if best.ObjectiveValue() <= stats["bound"]:
        return cp_model.OPTIMAL, Incumbent(best, stats["bound"]), True
    return cp_model.FEASIBLE, Incumbent(best, stats["bound"]), True


def quick_start(model: cp_model.CpModel, ctx: RunContext, limit: float) -> float:
    """Hint the model with its first solution found with presolve off (unless it holds a hint
    already). Returns the time used: deterministic time with one worker, else seconds."""
    proto = model.Proto()
    if len(proto.solution_hint.vars):
        return 0.0
    solver = cp_model.CpSolver()
    _params(solver, ctx, limit, ctx.seed)
    solver.parameters.cp_model_presolve = False
    solver.parameters.stop_after_first_solution = True
    status = solver.Solve(model)
    ctx.charge(solver)
    if ctx.cancelled():
        raise Cancelled()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _set_hint(proto, list(solver.ResponseProto().solution))
        ctx.report(objective=solver.ObjectiveValue(), start="quick")
    return solver.ResponseProto().deterministic_time if ctx.deterministic else solver.WallTime()


def improve(
    model: cp_model.CpModel,
    ctx: RunContext,
    deadline: float,
    start: cp_model.CpSolver,
    keys: list[tuple[int, int, float]] | None = None,
    sub_limit: float | None = None,
    on_best: Any = None,
    guide: Any = None,
    det_budget: float | None = None,
    stats: dict[str, float] | None = None,
) -> cp_model.CpSolver:
    """LNS from the solution held by ``start`` until ``deadline``; returns the solver holding the
    best solution. ``on_best(solver)`` is called at each improvement. ``guide(values, rng, size)``,
    when given, proposes problem-specific neighbourhoods (people, lo, hi) - e.g. the people who could
    fill an under-covered shift - alternating with the generic ones."""
    keys = keys if keys is not None else keys_from_names(model)
    sub_limit = SUB_LIMIT if sub_limit is None else sub_limit
    base_sub = sub_limit
    proto = model.Proto()
    best, best_obj = start, start.ObjectiveValue()
    stats = stats if stats is not None else {}
    bound = stats.setdefault("bound", start.BestObjectiveBound())
    stall, full_limit = 0, 2.0
    sub_cap = max(sub_limit, SUB_CAP)
    values = list(start.ResponseProto().solution)
    if not keys or best_obj <= bound:
        return best
    people = sorted({p for _i, p, _t in keys})
    by_person: dict[int, list[tuple[int, float]]] = {}
    for i, p, t in keys:
        by_person.setdefault(p, []).append((i, t))
    rng = random.Random(ctx.seed)
    kinds, it = (KINDS + ("guided",) * GUIDED) if guide is not None else KINDS, 0
    fracs = dict.fromkeys(kinds, FRAC0)
    saved_hint = (list(proto.solution_hint.vars), list(proto.solution_hint.values))
    det_spent = 0.0
    while True:
        left = deadline - time.monotonic()
        if det_budget is not None:
            if det_spent >= det_budget:
                break
            left = min(left, det_budget - det_spent + 0.3)
        if left < 0.3:
            break
        if ctx.cancelled():
            raise Cancelled()
        kind = kinds[it % len(kinds)]
        frac = fracs[kind]
        it += 1
        if stall >= STALL:  # stuck: the whole model, hinted with the incumbent (may also prove it)
            kind, stall = "full", 0
        if kind == "full":
            chosen, lo, hi = set(people), 0.0, 1.01
        elif kind == "guided":
            chosen, lo, hi = guide(values, rng, frac)
            chosen = set(chosen)
        elif kind == "person":
            chosen, lo, hi = set(rng.sample(people, max(1, min(len(people), round(frac * len(people)))))), 0.0, 1.0
        elif kind == "window":
            width = min(1.0, frac)
            lo = rng.uniform(0.0, 1.0 - width)
            chosen, hi = set(people), lo + width
        else:
            share = min(1.0, frac**0.5)
            chosen = set(rng.sample(people, max(1, min(len(people), round(share * len(people))))))
            lo = rng.uniform(0.0, 1.0 - share)
            hi = lo + share
        fixed = [i for i, p, t in keys if not (p in chosen and lo <= t < hi)]
        old = [tuple(proto.variables[i].domain) for i in fixed]
        for i in fixed:
            dom = proto.variables[i].domain
            for j in range(len(dom)):
                dom[j] = values[i]
        _set_hint(proto, values)
        solver = cp_model.CpSolver()
        limit = min(full_limit, left) if kind == "full" else min(sub_limit, left)
        _params(solver, ctx, limit, rng.randrange(1 << 30), 0 if kind == "full" else SUB_WORKERS)
        try:
            status = solver.Solve(model)
            ctx.charge(solver, ITER_COST)
            det_spent += solver.ResponseProto().deterministic_time + ITER_COST
            if DEBUG:
                print(
                    "lns",
                    round(time.monotonic() - deadline, 2),
                    it,
                    kind,
                    round(frac, 3),
                    len(fixed),
                    len(keys),
                    solver.StatusName(status),
                    solver.ObjectiveValue() if status in (2, 4) else None,
                    best_obj,
                    round(solver.WallTime(), 2),
                )
        finally:
            for i, dom_old in zip(fixed, old, strict=True):
                dom = proto.variables[i].domain
                for j, value in enumerate(dom_old):
                    dom[j] = value
        if kind == "full":
            full_limit *= 2
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
                bound = stats["bound"] = max(bound, solver.BestObjectiveBound())
        elif status == cp_model.OPTIMAL:
            fracs[kind] = min(0.9, frac * 1.15)
            took = solver.ResponseProto().deterministic_time if ctx.deterministic else solver.WallTime()
            if took < sub_limit / 4:  # easy: give the time back
                sub_limit = max(base_sub, sub_limit * 0.8)
        elif status == cp_model.FEASIBLE:
            fracs[kind] = max(0.02, frac * 0.85)
        elif status == cp_model.UNKNOWN:
            # not even the hinted incumbent within the limit: on a large model the limit is spent
            # loading and presolving, so the next neighbourhood gets more time (and is smaller)
            fracs[kind] = max(0.02, frac * 0.85)
            sub_limit = min(sub_cap, sub_limit * 2)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.ObjectiveValue() <= best_obj:
            improved = solver.ObjectiveValue() < best_obj
            stall = 0 if improved else stall + 1
            best, best_obj = solver, solver.ObjectiveValue()
            values = list(solver.ResponseProto().solution)
            if improved:
                ctx.report(objective=best_obj, neighbourhood=kind, iteration=it)
                if on_best is not None:
                    on_best(solver)
            if best_obj <= bound:
                break
        else:
            stall += 1
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(saved_hint[0])
    proto.solution_hint.values.extend(saved_hint[1])
    return best
