"""The greedy driver: ``run_greedy(problem, ctx, result, verify)`` mirrors ``solve._run`` with the
constructive layers of this package (no CP-SAT). It always completes the grid; a rule a layer could
not meet is left to the compliance engine (``result.violations``) and the layers' warnings.

Layer objectives are measured, not solved for: each layer's soft constraints scored by their
catalogue ``measure`` on the final schedule (weight x amount), plus 1000 per night left uncovered
(CALL-COVER, priced as in the CP-SAT model); the two clinic terms that have no ``measure``
(CLINIC-KEEP, FAC-OWN) are the layer's own count of the model's terms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from residency.domain.schedule import Schedule
from residency.scheduling.blocks import BlockResult
from residency.scheduling.catalogue import CATALOGUE, score
from residency.scheduling.check import violations
from residency.scheduling.clinic import ClinicResult, fill_faculty_base
from residency.scheduling.cpsat import RunContext
from residency.scheduling.explain import Explanation, counting_reasons
from residency.scheduling.faculty import FacultyResult
from residency.scheduling.fill import Base, fill_residents
from residency.scheduling.greedy.blocks import greedy_blocks
from residency.scheduling.greedy.clinic import greedy_clinic
from residency.scheduling.greedy.faculty import greedy_faculty
from residency.scheduling.greedy.residents import add_days_off, greedy_residents
from residency.scheduling.problem import Problem
from residency.scheduling.residents import ResidentResult

if TYPE_CHECKING:
    from residency.scheduling.solve import GenerationResult

WINDOW_RULES = ("WH-01", "WH-02", "OFF-01", "OFF-02", "CALL-01")
BLOCK_RETRIES = 3  # extra block schedules tried while resident call nights are left short
RETRY_BUDGET = 0.3  # ... within this share of the run's time limit
UNMEASURED = {"clinic": ("CLINIC-KEEP", "FAC-OWN")}  # model terms with no measure(): the layer's own count


@dataclass
class GreedyLayers:
    """Each layer's greedy result, for warm-starting CP-SAT (``greedy.hints``)."""

    blocks: BlockResult
    base: Base
    residents: ResidentResult
    faculty: FacultyResult
    clinic_grid: np.ndarray  # the clinic layer's input grid (residents + fixed faculty cells)
    clinic: ClinicResult


def run_greedy(problem: Problem, ctx: RunContext, result: GenerationResult, verify: bool = True) -> GreedyLayers:
    """Fill ``result`` (a ``solve.GenerationResult``) the way ``solve._run`` does, greedily; returns
    the layers' results (hints for a warm start)."""
    from residency.scheduling.solve import LayerReport, assemble

    program = problem.program
    seed = ctx.seed
    # blocks then residents; when a call night is left short (the block schedule leaves nobody who can
    # legally take it) the pair is tried again with another block tie-break while time allows
    best = None
    t_blocks = t_res = 0.0
    for attempt in range(1 + BLOCK_RETRIES):
        ctx.layer = "blocks"
        ctx.report()
        t = time.monotonic()
        blocks = greedy_blocks(problem, seed + 7919 * attempt)
        t_blocks += time.monotonic() - t
        ctx.report(objective=blocks.objective, bound=None)  # the layer done: its model objective, evaluated
        base = fill_residents(problem, blocks.rotation)
        ctx.layer = "residents"
        ctx.report()
        t = time.monotonic()
        res = greedy_residents(problem, base, seed=seed)
        t_res += time.monotonic() - t
        ctx.report(objective=res.objective, bound=None)
        short = sum(1 for u in res.uncovered if "short" in u or "can legally" in u)
        key = (blocks.status != "feasible", short, (blocks.objective or 0) + (res.objective or 0))
        if best is None or key < best[0]:
            best = (key, blocks, base, res)
        spent = ctx.elapsed()
        if short == 0 or spent + spent / (attempt + 1) > RETRY_BUDGET * ctx.time_limit:
            break
    assert best is not None
    _key, blocks, base, res = best
    result.layers["blocks"] = LayerReport(blocks.status, t_blocks, None, None, blocks.breakdown)
    result.layers["residents"] = LayerReport(res.status, t_res, None, None, res.breakdown)
    if blocks.status != "feasible":
        # the grid is still complete; say why in counting terms (no solver: no conflicting set)
        reasons, relax = counting_reasons(problem)
        result.explanation = Explanation(
            "blocks", reasons or ["the greedy block schedule could not meet every capacity and curriculum rule"], relax
        )
        result.warnings.append("greedy blocks: capacity or curriculum could not all be met (see score)")
    result.warnings += res.uncovered
    assert res.grid is not None
    schedule = Schedule.empty(program)
    schedule.block_assignments = blocks.assignments

    ctx.layer = "faculty"
    ctx.report()
    t = time.monotonic()
    fac = greedy_faculty(problem, seed)
    result.layers["faculty"] = LayerReport(fac.status, time.monotonic() - t, None, None, fac.breakdown)
    ctx.report(objective=fac.objective, bound=None)  # the layer done: its model objective, evaluated
    result.warnings += fac.uncovered

    grid = res.grid.copy()
    fill_faculty_base(problem, grid, fac.fmit_weeks, fac.weeks, fac.calls)
    clinic_in = grid.copy()
    ctx.layer = "clinic"
    ctx.report()
    t = time.monotonic()
    clinic = greedy_clinic(problem, grid, base.flexible)
    result.layers["clinic"] = LayerReport(clinic.status, time.monotonic() - t, None, None, clinic.breakdown)
    ctx.report(objective=clinic.objective, bound=None)  # the layer done: its model objective, evaluated
    assert clinic.grid is not None
    assemble(problem, ctx, result, schedule, clinic, res.calls + fac.calls)
    if verify:
        flagged = _flagged(problem, schedule)
        if flagged:  # the engine judged a window differently: more days off there, checked again
            added = add_days_off(problem, base, schedule.grid, res.calls, flagged)
            result.warnings.append(f"compliance re-check: {added} day(s) off added in {len(flagged)} window(s)")
        result.violations = len(violations(program, schedule))
        result.score = score(problem, schedule)
        _objectives(result)
    else:
        for r in result.layers.values():
            r.objective = sum(r.breakdown.values())
        result.objective = sum(r.objective or 0.0 for r in result.layers.values())
        result.breakdown = {k: v for r in result.layers.values() for k, v in r.breakdown.items()}
    if not verify or result.violations == 0:
        result.first_complete_s = ctx.elapsed()
    return GreedyLayers(blocks, base, res, fac, clinic_in, clinic)


def _objectives(result: GenerationResult) -> None:
    """Each layer's objective measured on the final schedule (see the module docstring)."""
    total = 0.0
    result.breakdown = {}
    for layer, rep in result.layers.items():
        bd: dict[str, float] = {}
        for cid, s in result.score.items():
            c = CATALOGUE[cid]
            if c.layer != layer:
                continue
            if not c.hard and s["penalty"]:
                bd[cid] = float(s["penalty"])
            elif cid == "CALL-COVER" and s["breaches"]:
                bd[cid] = 1000.0 * s["breaches"]
        for cid in UNMEASURED.get(layer, ()):
            if rep.breakdown.get(cid):
                bd[cid] = rep.breakdown[cid]
        rep.breakdown = bd
        rep.objective = sum(bd.values())
        total += rep.objective
        result.breakdown.update(bd)
    result.objective = total


def _flagged(problem: Problem, schedule: Schedule) -> list[tuple[int, int, int]]:
    out = []
    for f in violations(problem.program, schedule):
        if f.rule not in WINDOW_RULES or not isinstance(f.start, date) or f.person_id not in problem.pidx:
            continue
        p = problem.pidx[f.person_id]
        if p not in problem.residents or not problem.in_scope(p):
            continue
        i0 = (f.start - problem.start).days
        i1 = (f.end - problem.start).days + 1
        out.append((p, max(i0, 0), min(i1, problem.n_days)))
    return out
