"""Layer 1, the block schedule: CP-SAT at half-block granularity.

Decides, for every resident the run schedules, one rotation per half-block; constraints and the
fairness objective come from the catalogue's ``blocks`` layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from residency.domain.program import BlockAssignment
from residency.scheduling.blockvars import BlockVars, Guard, half_rotations, no_guard, to_assignments
from residency.scheduling.catalogue import of_layer
from residency.scheduling.cpsat import STATUS, RunContext, breakdown, objective, solve
from residency.scheduling.problem import Problem
from residency.scheduling.warm import fallback, warm


@dataclass
class BlockResult:
    status: str
    assignments: tuple[BlockAssignment, ...] = ()
    rotation: dict[int, list[int | None]] = field(default_factory=dict)  # per resident per half
    objective: float | None = None
    bound: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)


def build(
    problem: Problem, guard: Guard = no_guard, model: cp_model.CpModel | None = None
) -> tuple[cp_model.CpModel, BlockVars, dict]:
    model = model or cp_model.CpModel()
    residents = [p for p in problem.residents if problem.in_scope(p) or problem.keep is None]
    fixed: dict[tuple[int, int], int] = {}
    if problem.keep is not None:
        kept = half_rotations(problem, problem.keep)
        for p in problem.residents:
            if p not in residents:
                for h, r in enumerate(kept.get(p, [])):
                    if r is not None:
                        fixed[(p, h)] = r
    x = {}
    for p in residents:
        for hb in problem.halves:
            for r in range(len(problem.rotations)):
                x[(p, hb.index, r)] = model.NewBoolVar(f"x_{p}_{hb.index}_{r}")
    v = BlockVars(x, residents, fixed, guard)
    terms = {}
    for c in of_layer("blocks"):
        t = c.encode(model, problem, v)
        if t:
            terms[c.id] = t
    return model, v, terms


def solve_blocks(problem: Problem, ctx: RunContext, budget: float) -> BlockResult:
    ctx.layer = "blocks"
    ctx.report()
    model, v, terms = build(problem)
    constraints = {c.id: c for c in of_layer("blocks")}
    objective(model, terms, constraints)
    # hint: keep the previous schedule's rotations where there is one
    if problem.keep is not None:
        kept = half_rotations(problem, problem.keep)
        for (p, h, r), var in v.x.items():
            if p in kept and kept[p][h] is not None:
                model.AddHint(var, int(kept[p][h] == r))
    warm(ctx, "blocks", model, v, problem, budget)
    status, solver, ok = solve(model, ctx, budget)
    if not ok:
        return fallback(ctx, "blocks", status) or BlockResult(STATUS.get(status, "unknown"))
    rot: dict[int, list[int | None]] = {}
    for p in problem.residents:
        rot[p] = [None] * len(problem.halves)
    for (p, h, r), var in v.x.items():
        if solver.Value(var):
            rot[p][h] = r
    for (p, h), r in v.fixed.items():
        rot[p][h] = r
    return BlockResult(
        STATUS[status],
        to_assignments(problem, rot),
        rot,
        solver.ObjectiveValue(),
        solver.BestObjectiveBound(),
        breakdown(solver, terms, constraints),
    )
