"""The warm start of ``hybrid``: each layer's CP-SAT model is hinted with the greedy heuristic's
solution of that same layer, computed on the layers above as they were actually solved (so the
hint always fits, whatever the earlier layers changed). A model that already holds a hint (a
repair keeping the previous schedule, a re-solve after a compliance cut) is left alone.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from residency.scheduling.cpsat import RunContext, wall_guard

WARM = ("hybrid", "lp")  # lp: the completed greedy solution is the MIP start
GREEDY_BLOCKS_SHARE = 0.25  # of the block layer's budget, for the greedy block search
COMPLETE_SHARE, COMPLETE_MAX = 0.2, 5.0  # completing the hint: share of the layer's budget, cap (s)


def warm(
    ctx: RunContext, layer: str, model: cp_model.CpModel, v: Any, problem: Any, budget: float, **inputs: Any
) -> int:
    """Hint ``model`` from the greedy ``layer``; returns the number of hinted variables (0: none)."""
    if ctx.algorithm not in WARM or len(model.Proto().solution_hint.vars):
        return 0
    from residency.scheduling.greedy import hints
    from residency.scheduling.greedy.blocks import greedy_blocks
    from residency.scheduling.greedy.clinic import greedy_clinic
    from residency.scheduling.greedy.faculty import greedy_faculty
    from residency.scheduling.greedy.residents import greedy_residents

    if layer == "blocks":
        search = max(0.2, GREEDY_BLOCKS_SHARE * budget)
        res = greedy_blocks(problem, ctx.seed, time_limit=search + 1.0, improve_s=search)
        n = hints.hint_blocks(model, v, res)
    elif layer == "residents":
        res = greedy_residents(problem, inputs["base"], inputs.get("extra"), seed=ctx.seed)
        n = hints.hint_residents(model, v, res)
    elif layer == "faculty":
        res = greedy_faculty(problem, ctx.seed)
        n = hints.hint_faculty(model, v, res)
    elif layer == "clinic":
        res = greedy_clinic(problem, inputs["grid"].copy(), inputs["flexible"])
        n = hints.hint_clinic(model, v, res)
    else:
        raise ValueError(f"unknown layer {layer!r}")
    ctx.fallbacks[layer] = res
    ctx.report(start="greedy", objective=res.objective)
    _complete(ctx, model, min(COMPLETE_MAX, COMPLETE_SHARE * budget))
    return n


def _complete(ctx: RunContext, model: cp_model.CpModel, limit: float) -> bool:
    """Turn the partial hint (decision variables) into a full one: with the hinted variables fixed,
    CP-SAT sets the auxiliaries (penalty indicators, counts) at their cheapest. A full, feasible hint
    is CP-SAT's first solution, so the layer can only improve on the greedy one."""
    proto = model.Proto()
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.fix_variables_to_their_hinted_value = True
    prm.random_seed = ctx.seed
    prm.num_workers = max(1, ctx.workers)
    if ctx.deterministic:
        prm.max_deterministic_time = limit
        prm.max_time_in_seconds = wall_guard(limit)
    else:
        prm.max_time_in_seconds = limit
    status = solver.Solve(model)
    ctx.charge(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = list(solver.ResponseProto().solution)
    model.ClearHints()
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)
    return True


def fallback(ctx: RunContext, layer: str, status: int) -> Any:
    """The greedy result of ``layer`` when CP-SAT found nothing in its budget without proving there
    is nothing (a proven infeasible layer is explained instead), and only if the greedy result meets
    every hard rule of the layer; else None."""
    res = ctx.fallbacks.pop(layer, None)
    if status != cp_model.UNKNOWN or res is None or res.status != "feasible":
        return None
    return res
