"""The public entry point: ``generate(program, ...) -> GenerationResult``.

Layers, in order (see docs/generation.md): blocks (CP-SAT) -> pattern fill -> residents: days off,
in-house call, post-call under the ACGME limits (CP-SAT, re-checked by the compliance engine, with
any window the engine flags added as a cut) -> faculty: teaching weeks and staff call (CP-SAT) ->
clinic: continuity clinic, precepting, own clinic (CP-SAT) -> admin fill. Each layer's objective is
broken down by constraint id; the final schedule is scored by every constraint's ``measure``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from residency.domain.program import Program
from residency.domain.schedule import UNFILLED, Schedule
from residency.scheduling.blocks import solve_blocks
from residency.scheduling.catalogue import score
from residency.scheduling.check import violations
from residency.scheduling.clinic import fill_faculty_base, fill_faculty_rest, solve_clinic
from residency.scheduling.cpsat import Cancelled, Progress, RunContext
from residency.scheduling.explain import Explanation, explain_blocks, explain_layer
from residency.scheduling.faculty import solve_faculty
from residency.scheduling.fill import fill_residents
from residency.scheduling.problem import Options, Problem
from residency.scheduling.residents import solve_residents

# Share of the time limit each layer may use (what one layer leaves is passed on).
BUDGET = {"blocks": 0.15, "residents": 0.45, "faculty": 0.12, "clinic": 0.28}
WINDOW_RULES = ("WH-01", "WH-02", "OFF-01", "OFF-02", "CALL-01")
MAX_CUT_ROUNDS = 3
CUT_MARGIN = 7  # days either side of a flagged window freed for the re-solve
CUT_SHARE = 0.08  # share of the time limit a cut round's re-solve may take
CHECK_RESERVE = 0.03  # share of the time limit left for the final compliance check


@dataclass
class LayerReport:
    status: str
    seconds: float
    objective: float | None = None
    bound: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)


@dataclass
class GenerationResult:
    status: str  # ok | infeasible | cancelled | failed
    schedule: Schedule | None = None
    objective: float | None = None
    best_bound: float | None = None
    layers: dict[str, LayerReport] = field(default_factory=dict)
    breakdown: dict[str, float] = field(default_factory=dict)  # solver objective by constraint id
    score: dict[str, dict[str, Any]] = field(default_factory=dict)  # measure() on the result
    violations: int | None = None  # compliance engine violations on the result
    explanation: Explanation | None = None
    warnings: list[str] = field(default_factory=list)
    algorithm: str = "cpsat-layered"
    seed: int = 0
    workers: int = 2
    first_complete_s: float | None = None  # seconds to the first complete zero-violation schedule
    seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        return (self.objective - self.best_bound) / max(abs(self.objective), 1.0)

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": None if self.gap is None else round(self.gap, 4),
            "layers": {
                k: {"status": r.status, "seconds": round(r.seconds, 3), "objective": r.objective, "bound": r.bound}
                for k, r in self.layers.items()
            },  # fmt: skip
            "breakdown": self.breakdown,
            "violations": self.violations,
            "unfilled": None if self.schedule is None else self.schedule.unfilled(),
            "warnings": self.warnings,
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
        }


# hybrid (default): each layer's CP-SAT model hinted with the greedy solution of that layer, solved
# whole, then LNS; greedy: the constructive heuristic (scheduling/greedy); cpsat: the layered model (alias
# cpsat-layered); lp: every layer as a MIP through PuLP/HiGHS, its LP relaxation the bound (a layer the
# MIP translation cannot take falls back to CP-SAT, with a warning). Kept equal to runs.ALGORITHMS.
ALGORITHMS = ("hybrid", "greedy", "cpsat", "lp", "cpsat-layered")


def generate(
    program: Program,
    *,
    algorithm: str = "hybrid",
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    keep: Schedule | None = None,
    scope_people: set[str] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    options: Options | None = None,
    verify: bool = True,
) -> GenerationResult:
    """Generate a full academic year for ``program``.

    ``keep``: an existing schedule whose locked cells (``Schedule.locked``) and everything of people
    outside ``scope_people`` (grid rows, block assignments, calls) are kept exactly. ``progress`` is
    called with {layer, objective, bound, elapsed} as solutions improve; returning False cancels, as
    does setting ``cancel``. Same seed with ``workers=1`` gives the same schedule.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    if scope_people is not None and keep is None:
        raise ValueError("scope_people needs keep: the schedule whose other people are kept")
    started = time.monotonic()
    problem = Problem(
        program, options or Options(), keep, frozenset(scope_people) if scope_people is not None else None
    )
    if algorithm == "hybrid":
        result = _hybrid(problem, time_limit, seed, workers, progress, cancel, verify)
    elif algorithm == "greedy":
        result = _greedy(problem, RunContext(time_limit, seed, workers, progress, cancel, algorithm="greedy"), verify)
    else:
        mode = {"cpsat-layered": "cpsat"}.get(algorithm, algorithm)
        ctx = RunContext(time_limit, seed, workers, progress, cancel, algorithm=mode)
        result = _attempt(problem, ctx, verify)
    result.algorithm = algorithm
    result.seconds = time.monotonic() - started
    if result.ok and result.first_complete_s is None and (not verify or result.violations == 0):
        result.first_complete_s = result.seconds
    return result


def _attempt(problem: Problem, ctx: RunContext, verify: bool) -> GenerationResult:
    result = GenerationResult("failed", seed=ctx.seed, workers=ctx.workers)
    try:
        _run(problem, ctx, result, verify)
    except Cancelled:
        result.status = "cancelled"
    if ctx.algorithm == "lp" and ctx.notes:
        result.warnings += ctx.notes
    return result


def _greedy(problem: Problem, ctx: RunContext, verify: bool) -> GenerationResult:
    from residency.scheduling.greedy.driver import run_greedy

    result = GenerationResult("failed", seed=ctx.seed, workers=ctx.workers)
    try:
        run_greedy(problem, ctx, result, verify)
    except Cancelled:
        result.status = "cancelled"
    return result


def _hybrid(problem: Problem, time_limit: float, seed: int, workers: int, progress, cancel, verify: bool):
    """One layered pass in which every layer is solved whole (hinted with whatever start it has) for
    a share of its budget and then improved by large-neighbourhood search (``scheduling.lns``).

    An earlier version ran a separate warm-start pass over all layers first; on the large program it
    cost a fifth of the limit and its hints no longer fitted once the block layer changed, so the
    hybrid came out ten times worse than plain CP-SAT. Starts are now made per layer, on the layers
    above as they were actually solved, so they always fit."""
    ctx = RunContext(time_limit, seed, workers, progress, cancel, algorithm="hybrid")
    return _attempt(problem, ctx, verify)


def _budget(ctx: RunContext, layer: str, spent_shares: float) -> float:
    """This layer's share of what is left, less half the nominal time of the layers after it (so a
    layer that overran cannot starve the rest of the run)."""
    left = ctx.time_limit - ctx.used()
    share = BUDGET[layer] / max(1.0 - spent_shares, BUDGET[layer])
    later = list(BUDGET)[list(BUDGET).index(layer) + 1 :]
    reserve = 0.5 * sum(BUDGET[k] for k in later) * ctx.time_limit
    return max(min(left * share, left - reserve), 0.5)


def _run(problem: Problem, ctx: RunContext, result: GenerationResult, verify: bool) -> None:
    program = problem.program
    t = time.monotonic()
    blocks = solve_blocks(problem, ctx, _budget(ctx, "blocks", 0.0))
    result.layers["blocks"] = LayerReport(
        blocks.status, time.monotonic() - t, blocks.objective, blocks.bound, blocks.breakdown
    )
    if blocks.status not in ("optimal", "feasible"):
        result.status = "infeasible" if blocks.status == "infeasible" else "failed"
        result.explanation = explain_blocks(problem, ctx)
        return

    base = fill_residents(problem, blocks.rotation)
    schedule = Schedule.empty(program)
    schedule.block_assignments = blocks.assignments

    t = time.monotonic()
    extra: dict[int, list] = {}
    res = solve_residents(problem, base, ctx, _budget(ctx, "residents", BUDGET["blocks"]), extra)
    for _round in range(MAX_CUT_ROUNDS):
        if res.grid is None or not verify:
            break
        schedule.grid[:] = res.grid
        schedule.calls = tuple(res.calls)
        flagged = _flagged_windows(problem, schedule)
        if not flagged:
            break
        for p, w in flagged:
            extra.setdefault(p, []).append(w)
        result.warnings.append(f"compliance re-check added {len(flagged)} window cut(s)")
        # re-solve only around the flagged windows, everything else as it was; a whole-model re-solve
        # is the fallback, and if that finds nothing in time the last schedule stands (its findings
        # are reported by the compliance check at the end)
        free = {d for _p, (i0, i1, _why) in flagged for d in range(max(0, i0 - CUT_MARGIN), i1 + CUT_MARGIN)}
        budget = min(_budget(ctx, "residents", BUDGET["blocks"]), CUT_SHARE * ctx.time_limit + 1.0)
        mode, ctx.algorithm = ctx.algorithm, "cpsat" if ctx.algorithm == "hybrid" else ctx.algorithm
        try:  # a small, mostly fixed model: one whole solve beats the LNS split
            again = solve_residents(problem, base, ctx, budget, extra, fix=res.chosen, free_days=free)
        finally:
            ctx.algorithm = mode
        if again.grid is None:
            again = solve_residents(problem, base, ctx, _budget(ctx, "residents", BUDGET["blocks"]), extra)
        if again.grid is None:
            result.warnings.append("the compliance cuts could not be met in time; the last schedule was kept")
            break
        res = again
    result.layers["residents"] = LayerReport(res.status, time.monotonic() - t, res.objective, res.bound, res.breakdown)
    if res.grid is None:
        result.status = "infeasible" if res.status == "infeasible" else "failed"
        result.explanation = explain_layer(problem, base, ctx, "residents")
        return
    result.warnings += res.uncovered

    t = time.monotonic()
    fac = solve_faculty(problem, ctx, _budget(ctx, "faculty", BUDGET["blocks"] + BUDGET["residents"]))
    result.layers["faculty"] = LayerReport(fac.status, time.monotonic() - t, fac.objective, fac.bound, fac.breakdown)
    result.warnings += fac.uncovered
    if fac.status not in ("optimal", "feasible"):
        result.status = "infeasible" if fac.status == "infeasible" else "failed"
        result.explanation = explain_layer(problem, base, ctx, "faculty")
        return

    grid = res.grid.copy()
    fill_faculty_base(problem, grid, fac.fmit_weeks, fac.weeks, fac.calls)
    t = time.monotonic()
    reserve = max(1.0, CHECK_RESERVE * ctx.time_limit)  # the compliance check and score run after
    clinic = solve_clinic(problem, grid, base.flexible, ctx, max(ctx.time_limit - ctx.used() - reserve, 1.0))
    result.layers["clinic"] = LayerReport(
        clinic.status, time.monotonic() - t, clinic.objective, clinic.bound, clinic.breakdown
    )
    if clinic.grid is None:
        result.status = "infeasible" if clinic.status == "infeasible" else "failed"
        result.explanation = Explanation(
            "clinic", ["clinic supervision could not be met even giving up clinic cells"], ["add precepting faculty"]
        )
        return
    assemble(problem, ctx, result, schedule, clinic, res.calls + fac.calls)
    layers = [r for r in result.layers.values() if r.objective is not None]
    result.objective = sum(r.objective for r in layers)
    result.best_bound = sum(r.bound for r in layers if r.bound is not None)
    for r in result.layers.values():
        for cid, val in r.breakdown.items():
            result.breakdown[cid] = result.breakdown.get(cid, 0) + val
    if verify:
        result.violations = len(violations(program, schedule))
        result.score = score(problem, schedule)


def assemble(
    problem: Problem, ctx: RunContext, result: GenerationResult, schedule: Schedule, clinic: Any, calls: list
) -> None:
    """The last steps every algorithm shares: the clinic layer's grid with the rest of the faculty
    cells filled and kept cells restored, the calls (with kept ones) in order, locks; the result ok."""
    if clinic.given_up:
        result.warnings.append(
            f"{clinic.given_up} fixed clinic cell(s) given up for want of a (credentialed) preceptor"
        )
    grid = clinic.grid
    fill_faculty_rest(problem, grid)
    keep_out_of_scope(problem, grid)
    schedule.grid[:] = grid
    schedule.calls = tuple(sorted(calls + kept_calls(problem), key=lambda c: (c.night, c.pool, c.person)))
    if problem.keep is not None and problem.keep.locked is not None:
        schedule.locked = _locked(problem)
    result.schedule = schedule
    result.status = "ok"
    ctx.layer = "check"
    ctx.report()


def _flagged_windows(problem: Problem, schedule: Schedule) -> list[tuple[int, tuple[int, int, str]]]:
    out = []
    for f in violations(problem.program, schedule):
        if f.rule not in WINDOW_RULES or not isinstance(f.start, date):
            continue
        p = problem.pidx[f.person_id]
        i0 = (f.start - problem.start).days
        i1 = (f.end - problem.start).days + 1
        out.append((p, (max(i0, 0), min(i1, problem.n_days), f"cut {f.rule}")))
    return out


def kept_calls(problem: Problem) -> list:
    if problem.keep is None:
        return []
    return [
        c
        for c in problem.keep.calls
        if c.person in problem.pidx and problem.call_kept(problem.pidx[c.person], (c.night - problem.start).days)
    ]


def keep_out_of_scope(problem: Problem, grid: np.ndarray) -> None:
    kept = problem.fixed >= 0
    grid[kept] = problem.fixed[kept]
    for p in range(len(problem.people)):
        row = grid[p]
        if (row == UNFILLED).any():
            row[row == UNFILLED] = problem.code("OFF", "W")


def _locked(problem: Problem) -> np.ndarray:
    out = np.zeros((len(problem.people), problem.n_days, 2), bool)
    keep = problem.keep
    assert keep is not None and keep.locked is not None
    for p, key in enumerate(problem.people):
        if key in keep.people:
            off = (keep.start - problem.start).days
            lo, hi = max(0, off), min(problem.n_days, off + keep.days)
            out[p, lo:hi] = keep.locked[keep.row(key), lo - off : hi - off]
    return out
