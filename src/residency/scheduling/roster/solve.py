"""Run an algorithm on a ``RosterSpec``: greedy | cpsat | hybrid (greedy hints + CP-SAT + LNS)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from residency.scheduling import cpsat, lns
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster import model as rmodel
from residency.scheduling.roster import parallel, weekends
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.spec import RosterSpec
from residency.scheduling.roster.units import measure

ALGORITHMS = ("greedy", "cpsat", "hybrid", "hybrid-mip", "lp")
FULL_MAX_VARS = 60_000  # hybrid: larger models are searched by restricted sub-models only
MIP_SHARE = 0.4  # hybrid: share of the time limit for the MIP (HiGHS) phase
MIP_MAX_VARS = 60_000
# hybrid: no HiGHS phase above this many (person, day, shift type) cells: on Curtois 12, 15 and 19
# (11,340-16,800 cells) it never solved the relaxation in its 12-20 s (bounds 0, 82, 0 in every run)
# nor improved the roster, and the LNS is still gaining fast when it starts
MIP_MAX_CELLS = 6_000
CP_FIRST = 0.1  # hybrid-mip: share of the time for a first CP-SAT roster handed to the MIP as its start
HYBRID_MIP_SHARE = 0.3  # hybrid-mip: share of the time for the MIP warm start
MIP_HINT = 0  # hybrid: 1 hands the LNS roster to the MIP as its start (cold was better on Instance9)
LNS_FIRST = 0.2  # hybrid: share of the time for the LNS before the MIP
COLGEN_SHARE = 0.5  # hybrid: share of the time for column generation (root LP, dive, master IP)
# hybrid: no column generation on rows of more (day, shift type) cells than this: on Instance19
# (84 x 5 = 420) ten pricing rounds took 28 s, the root LP got nowhere near converging and the dive
# did not beat the repaired roster (105 % in three runs); the LNS alone with that time: 67 %
COLGEN_MAX_ROW_CELLS = 300
# hybrid without column generation, weekends short of people: the LNS searches ``weekends.shaped``
# (weekends first) until this share of the time limit
WEEKENDS_FIRST = 0.5
# hybrid, when column generation's exact root bound did not prove the roster (Curtois 5-9): from
# this share of the time limit the main search gives its core to branch-and-price restarts from
# its roster (``branch.restarts``) while the helper's LNS goes on
BRANCH_LATE = 0.5


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


def guide(spec: RosterSpec, v: rmodel.RosterVars):
    """Neighbourhoods aimed at the objective: pick an under-covered (day, shift) - else a broken
    request - and free, over the whole horizon (or a window around that day), a few people who could
    take that shift that day."""
    can: dict[tuple[int, int], list[int]] = {}
    for p, d, s in v.x:
        can.setdefault((d, s), []).append(p)
    unders = [(c, v.under[(c.day, c.shift)].Index()) for c in spec.cover if (c.day, c.shift) in v.under]
    reqs = [(r.person, r.day) for r in spec.on_requests + spec.off_requests]

    def propose(values: Any, rng: Any, frac: float) -> tuple[list[int], float, float]:
        short = [c for c, i in unders if values[i] > 0]
        k = max(2, round(frac * spec.n_people))
        if short and rng.random() < 0.7:
            c = rng.choice(short)
            people = list(can.get((c.day, c.shift), []))
            day = c.day
        else:
            person, day = rng.choice(reqs) if reqs else (rng.randrange(spec.n_people), rng.randrange(spec.horizon))
            people = [person] + [p for p in range(spec.n_people) if p != person]
        rng.shuffle(people)
        chosen = people[:k]
        if rng.random() < 0.5:
            return chosen, 0.0, 1.0
        half = max(3, round(frac * spec.horizon * 2))
        return chosen, max(0, day - half) / spec.horizon, min(spec.horizon, day + half + 1) / spec.horizon

    return propose


def solve_roster(spec: RosterSpec, algorithm: str = "hybrid", ctx: RunContext | None = None) -> RosterResult:
    ctx = ctx or RunContext(60.0)
    ctx.layer = ctx.layer or "roster"
    t0 = time.monotonic()
    mip_bound = None
    if algorithm == "lp":
        from residency.scheduling.mip import solve_model

        model, v = rmodel.build(spec)
        res = solve_model(model, ctx.time_limit, threads=max(1, ctx.workers))
        if res.values is None:
            return RosterResult(res.status, None, bound=res.bound, seconds=time.monotonic() - t0)
        roster = rmodel.roster_of(res.values, spec, v)
        obj, hard, parts = measure(spec, roster)
        return RosterResult(res.status if not hard else "infeasible", roster, obj, res.bound,
                            time.monotonic() - t0, [b.message for b in hard], parts)  # fmt: skip
    start = greedy(spec)
    if algorithm == "greedy":
        obj, hard, parts = measure(spec, start)
        return RosterResult("feasible" if not hard else "infeasible", start, obj, None, time.monotonic() - t0,
                            [b.message for b in hard], parts)  # fmt: skip
    if algorithm == "hybrid":
        return _hybrid(spec, ctx, start, t0)
    model, v = rmodel.build(spec)
    first: list[float] = []

    def progress(info: dict[str, Any]) -> Any:
        if not first:
            first.append(time.monotonic() - t0)
        return None if outer is None else outer(info)

    outer, ctx.progress = ctx.progress, progress
    try:
        budget = ctx.time_limit - (time.monotonic() - t0)
        if algorithm == "hybrid-mip":  # the earlier hybrid: CP-SAT, HiGHS warm start, generic LNS
            status, solver, ok, mip_bound, done = _hybrid_mip(model, v, spec, ctx, start, budget, t0, first)
            if done is not None:
                return done
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
    if mip_bound is not None:
        bound = max(bound, mip_bound)
    status_name = "optimal" if status == cp_model.OPTIMAL or obj <= bound else "feasible"
    return RosterResult(status_name, roster, obj, bound, time.monotonic() - t0, [b.message for b in hard], parts,
                        first[0] if first else None)  # fmt: skip


def _hybrid_mip(model, v, spec, ctx, start, budget, t0, first):
    mip_bound = None
    warm = None
    # warm start: the MIP (HiGHS) for a share of the time, else the greedy roster (also for
    # models too large to translate through PuLP quickly)
    rmodel.hint(model, v, start)
    if HYBRID_MIP_SHARE > 0 and len(model.Proto().variables) <= MIP_MAX_VARS:
        from residency.scheduling.mip import solve_model

        cp_values = None
        if CP_FIRST > 0:  # a first CP-SAT roster becomes the MIP's start
            ctx.layer = "roster-start"
            st, sv, found = cpsat.solve(model, ctx, budget * CP_FIRST)
            if found:
                cp_values = list(sv.ResponseProto().solution)
                cp_obj = sv.ObjectiveValue()
            ctx.layer = "roster"
        warm = solve_model(model, budget * HYBRID_MIP_SHARE, hints=cp_values, threads=max(1, ctx.workers))
        mip_bound = warm.bound
        if cp_values is not None and (warm.values is None or warm.objective > cp_obj):
            warm.values, warm.status = cp_values, "feasible"
    if warm is not None and warm.status == "optimal" and warm.values is not None:  # proven: done
        roster = rmodel.roster_of(warm.values, spec, v)
        obj, hard, parts = measure(spec, roster)
        done = RosterResult("optimal" if not hard else "infeasible", roster, obj, warm.bound,
                            time.monotonic() - t0, [b.message for b in hard], parts,
                            time.monotonic() - t0)  # fmt: skip
        return None, None, False, mip_bound, done
    if warm is not None and warm.values is not None:
        proto = model.Proto()
        proto.solution_hint.vars.clear()
        proto.solution_hint.values.clear()
        proto.solution_hint.vars.extend(range(len(warm.values)))
        proto.solution_hint.values.extend(warm.values)
        first.append(time.monotonic() - t0)
    budget = ctx.time_limit - (time.monotonic() - t0)
    status, solver, ok = lns.hybrid(model, ctx, budget, v.keys(), guide=guide(spec, v))
    return status, solver, ok, mip_bound, None


def _hybrid(spec: RosterSpec, ctx: RunContext, start: np.ndarray, t0: float) -> RosterResult:
    """Constructive start, repair to a hard-feasible roster (``search.repair``), then the roster LNS
    (``search.search``) - over the whole model built once when it is of moderate size, else over
    restricted sub-models and per-person dynamic programming."""
    from residency.scheduling.roster import search

    deadline = t0 + ctx.time_limit
    roster = search.repair(spec, start, deadline - 0.5, ctx.seed)
    first = time.monotonic() - t0
    obj, hard, _ = measure(spec, roster)
    ctx.report(objective=obj, phase="repair", hard=len(hard))
    if hard:  # out of time before every row was legal
        return RosterResult("unknown", None, seconds=time.monotonic() - t0, hard_breaches=[b.message for b in hard])
    size = spec.n_people * spec.horizon * spec.n_shifts
    bound = None
    late = None  # column generation's master, for branch-and-price late in the run
    colgen_on = COLGEN_SHARE > 0 and size <= FULL_MAX_VARS and spec.horizon * spec.n_shifts <= COLGEN_MAX_ROW_CELLS
    # rows priced by column generation: a dive, the master IP and a lower bound
    if colgen_on:
        from residency.scheduling.roster import colgen

        cg = colgen.generate(spec, [roster], t0 + COLGEN_SHARE * ctx.time_limit)
        if cg.bound is not None:
            bound = math.ceil(cg.bound - 1e-6)  # integer weights: the optimum is an integer
        if cg.roster is not None and cg.objective < obj:
            roster, obj = cg.roster, cg.objective
            ctx.report(objective=obj, phase="colgen")
        if bound is not None and obj <= bound:
            _, _, parts = measure(spec, roster)
            return RosterResult("optimal", roster, obj, bound, time.monotonic() - t0, [], parts, first)
        late = cg.generator if BRANCH_LATE > 0 else None
    # the helper starts only now: during column generation it took a core from the exact pricing
    # (two threads) and 14 and 18 came out worse (13-14 % and 15-17 % in two runs each, against
    # 1-9 % and 7-10 % without it)
    phase = None  # (objective of a first phase, its end)
    if WEEKENDS_FIRST > 0 and not colgen_on and size <= FULL_MAX_VARS and weekends.short(spec):
        phase = (weekends.shaped(spec), t0 + WEEKENDS_FIRST * ctx.time_limit)
        ctx.notes.append("roster: the search settled weekends first (weekday under-cover weighed less)")
    helper = parallel.start(spec, roster, deadline, ctx.seed + 1, size <= FULL_MAX_VARS, ctx.workers, phase)
    if helper is None:
        return _search(spec, ctx, roster, bound, t0, first, None, phase, late)
    ctx.notes.append("roster: a second LNS ran on the other core")
    try:
        return _search(spec, ctx, roster, bound, t0, first, helper, phase, late)
    finally:
        helper.close()


def _search(spec: RosterSpec, ctx: RunContext, roster: np.ndarray, bound: int | None, t0: float, first: float,
            helper: parallel.Helper | None, phase: tuple[RosterSpec, float] | None = None,
            late: Any = None) -> RosterResult:  # fmt: skip
    """The LNS and (on models up to ``MIP_MAX_CELLS``) HiGHS from ``roster``, the LNS trading rosters
    with the ``helper`` on the other core when there is one; with ``phase`` (spec, until), the LNS
    first searches that spec's objective until then; with ``late`` (a column-generation
    ``Generator``), branch-and-price restarts take the main search's place from ``BRANCH_LATE``."""
    from residency.scheduling.roster import search

    deadline = t0 + ctx.time_limit
    size = spec.n_people * spec.horizon * spec.n_shifts
    exchange = None if helper is None else helper.exchange
    threads = max(1, ctx.workers - (helper is not None))
    if phase is not None:  # set only for whole models
        roster = search.phased(roster, phase, ctx.seed, exchange)
        ctx.report(objective=measure(spec, roster)[0], phase="weekends")
    full = None
    if size <= FULL_MAX_VARS:
        full = search.FullModel(spec, roster)

    def improved(value: int) -> None:
        ctx.report(objective=value, phase="lns")

    if (
        full is not None
        and size <= MIP_MAX_CELLS
        and len(full.proto.variables) <= MIP_MAX_VARS
        and HYBRID_MIP_SHARE > 0
    ):
        # a short LNS, then HiGHS from its roster (strong on the smaller instances, and a bound),
        # then the LNS again from the better of the two
        from residency.scheduling.mip import solve_model

        left = deadline - time.monotonic()
        roster = search.search(spec, roster, time.monotonic() + LNS_FIRST * left, ctx.seed, 1, full,
                               on_improve=improved, exchange=exchange)  # fmt: skip
        warm = solve_model(full.model, HYBRID_MIP_SHARE * left, hints=list(full.values), threads=threads)
        if warm.bound is not None:
            bound = max(bound or warm.bound, warm.bound)
        if warm.values is not None:
            mip_roster = rmodel.roster_of(warm.values, spec, full.v)
            mip_obj, mip_hard, _ = measure(spec, mip_roster)
            if not mip_hard and mip_obj < measure(spec, roster)[0] and full.set_roster(mip_roster, 10.0, 1):
                roster = mip_roster
                improved(mip_obj)
            if warm.status == "optimal" and not mip_hard:
                obj, hard, parts = measure(spec, roster)
                return RosterResult("optimal", roster, obj, warm.bound, time.monotonic() - t0, [], parts, first)
    switch = deadline - 0.1 if late is None else max(time.monotonic(), t0 + BRANCH_LATE * ctx.time_limit)
    roster = search.search(spec, roster, switch, ctx.seed, 1, full, on_improve=improved, bound=bound,
                           exchange=exchange)  # fmt: skip
    if late is not None:
        roster, bound = _branch_late(spec, late, roster, bound, deadline, ctx.seed, exchange, improved)
    obj, hard, parts = measure(spec, roster)
    last = None if helper is None else helper.close(wait=parallel.MARGIN)
    if last is not None:  # the helper's final improvement came after the main search's last look
        other_obj, other_hard, other_parts = measure(spec, last[1])
        if not other_hard and other_obj < obj:
            roster, obj, hard, parts = last[1], other_obj, other_hard, other_parts
            improved(obj)
    status = "optimal" if bound is not None and obj <= bound + 1e-6 and not hard else "feasible"
    return RosterResult(status if not hard else "infeasible", roster, obj, floor_bound(spec, bound),
                        time.monotonic() - t0, [b.message for b in hard], parts, first)  # fmt: skip


def _branch_late(spec, gen, roster, bound, deadline, seed, exchange, improved):  # fmt: skip
    """Branch-and-price restarts from the better of ``roster`` and the helper's until ``deadline``;
    (roster, bound) - the bound is the roster's objective when a tree was searched to the end.
    Curtois 7, whose LNS stops at 1057-1058 (optimum 1056), is what it is for."""
    from residency.scheduling.roster import branch

    obj = measure(spec, roster)[0]
    other = None if exchange is None else exchange(obj, roster)
    if other is not None:
        other_obj, other_hard, _ = measure(spec, other)
        if not other_hard and other_obj < obj:
            roster, obj = other.copy(), other_obj
    if bound is not None and obj <= bound:
        return roster, bound
    found, found_obj, proven = branch.restarts(gen, roster, obj, deadline - 0.3, seed)
    if found_obj < obj and not measure(spec, found)[1]:
        roster, obj = found, found_obj
        improved(int(obj))
        if exchange is not None:
            exchange(obj, roster)
    return roster, (int(obj) if proven else bound)


def floor_bound(spec: RosterSpec, bound: float | None) -> float | None:
    """``bound``, raised to 0 when every weight is non-negative (no roster costs less than 0): a
    Lagrangian bound from a round priced partly by the inexact programme is valid but can be far
    below it (-29385 on Curtois 12, -8296 on 15), which reads as nonsense in a report."""
    weights = [r.weight for r in spec.on_requests + spec.off_requests]
    weights += [w for c in spec.cover for w in (c.weight_under, c.weight_over)]
    if bound is None or bound >= 0 or min(weights, default=0) < 0:
        return bound
    return 0
