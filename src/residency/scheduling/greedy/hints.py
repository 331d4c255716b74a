"""Greedy results as CP-SAT solution hints, so ``hybrid`` can warm-start each layer from them.

``hint_<layer>(model, v, result)`` adds ``model.AddHint`` for every decision variable of that
layer's model (the ``v`` its ``build(...)`` returned): block rotations; days off, calls and coverage
shortfalls; teaching weeks and staff calls; kept/dropped/converted clinic cells, precepting and own
clinic. Auxiliary variables of soft constraints are left to CP-SAT. Returns the number of hints.

``complete(model, ...)`` turns those partial hints into a full solution vector (the decision
variables fixed to their hints, CP-SAT completing the auxiliaries), the form ``RunContext.hints``
takes (by variable index), or None when the hinted values are infeasible in the model.

Not used by the greedy run itself (which has no CP-SAT); only by a warm start.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from residency.scheduling.blocks import BlockResult
from residency.scheduling.blockvars import BlockVars
from residency.scheduling.clinic import ClinicResult, ClinicVars
from residency.scheduling.faculty import FacultyResult, FacultyVars
from residency.scheduling.residents import ResidentResult
from residency.scheduling.resvars import ResidentVars


def hint_blocks(model: cp_model.CpModel, v: BlockVars, res: BlockResult) -> int:
    n = 0
    for (p, h, r), x in v.x.items():
        rots = res.rotation.get(p)
        if rots is None:
            continue
        model.AddHint(x, int(rots[h] == r))
        n += 1
    return n


def hint_residents(model: cp_model.CpModel, v: ResidentVars, res: ResidentResult) -> int:
    pr = v.problem
    assert res.grid is not None
    off_code = pr.code(pr.options.day_off_code, "OFF", "W")
    n = 0
    for (p, d), x in v.off.items():
        model.AddHint(x, int((res.grid[p, d] == off_code).all()))
        n += 1
    names = {k: pool.name for k, pool in v.pools}
    taken = {(c.person, c.night, c.pool) for c in res.calls}
    per_night: dict[tuple[int, int], int] = {}
    for (p, d, k), x in v.call.items():
        on = int((pr.people[p], pr.days[d], names[k]) in taken)
        model.AddHint(x, on)
        per_night[(k, d)] = per_night.get((k, d), 0) + on
        n += 1
    for (k, d), x in v.short.items():
        pool = dict(v.pools)[k]
        xs = sum(1 for (_p, dd, kk) in v.call if dd == d and kk == k)
        need = min(pool.per_night - v.kept_calls.get((k, d), 0), xs)
        model.AddHint(x, max(need - per_night.get((k, d), 0), 0))
        n += 1
    return n


def hint_faculty(model: cp_model.CpModel, v: FacultyVars, res: FacultyResult) -> int:
    pr = v.problem
    n = 0
    for (f, w), x in v.fmit.items():
        model.AddHint(x, int(w in res.fmit_weeks.get(f, ())))
        n += 1
    names = {k: pool.name for k, pool in v.pools}
    taken = {(c.person, c.night, c.pool) for c in res.calls}
    for (f, d, k), x in v.call.items():
        model.AddHint(x, int((pr.people[f], pr.days[d], names[k]) in taken))
        n += 1
    return n


def hint_clinic(model: cp_model.CpModel, v: ClinicVars, res: ClinicResult) -> int:
    pr = v.problem
    assert res.grid is not None
    out = res.grid
    alt = pr.code(pr.options.flexible_alternative, "ADM")
    at_code = pr.code("AT")
    own_code = pr.code(pr.options.faculty_clinic_code, "C")
    c_code = pr.cidx.get("C")
    n = 0
    for key, x in v.keep.items():
        model.AddHint(x, int(int(out[key]) in pr.clinic_load))
        n += 1
    for key, x in v.drop.items():
        model.AddHint(x, int(out[key] == alt))
        n += 1
    for key, x in v.conv.items():
        model.AddHint(x, int(c_code is not None and out[key] == c_code and v.grid[key] != c_code))
        n += 1
    for key, x in v.at.items():
        model.AddHint(x, int(out[key] == at_code))
        n += 1
    for key, x in v.own.items():
        model.AddHint(x, int(out[key] == own_code))
        n += 1
    return n


def complete(model: cp_model.CpModel, seed: int = 0, time_limit: float = 10.0, workers: int = 1) -> list[int] | None:
    """A full solution vector from the model's hints (hinted variables fixed), or None if infeasible."""
    solver = cp_model.CpSolver()
    prm: Any = solver.parameters
    prm.fix_variables_to_their_hinted_value = True
    prm.stop_after_first_solution = True
    prm.random_seed = seed
    prm.num_workers = max(1, workers)
    prm.max_time_in_seconds = time_limit
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.ResponseProto().solution)


def hint_layer(layer: str, model: cp_model.CpModel, v: Any, layers: Any) -> int:
    """Hint a layer's freshly built model (inside ``solve_<layer>``) from ``run_greedy``'s returned
    ``GreedyLayers``, by variable key: robust when the earlier layers changed since the greedy pass."""
    if layer == "blocks":
        return hint_blocks(model, v, layers.blocks)
    if layer == "residents":
        return hint_residents(model, v, layers.residents)
    if layer == "faculty":
        return hint_faculty(model, v, layers.faculty)
    if layer == "clinic":
        return hint_clinic(model, v, layers.clinic)
    raise ValueError(f"unknown layer {layer!r}")


def warm_hints(problem: Any, layers: Any, seed: int = 0, time_limit: float = 10.0) -> dict[str, list[int]]:
    """Full solution vectors per layer for ``RunContext.hints`` (which hints by variable index).

    Blocks and faculty models depend on the problem only, so their vectors fit the model a later
    pass builds. The residents and clinic models are built here from the greedy pass's own inputs:
    their vectors fit a later pass only while the earlier layers are unchanged (``cpsat.solve`` checks
    the length only); prefer ``hint_layer`` inside the layer when they may have changed."""
    from residency.scheduling import blocks, clinic, faculty, residents

    out: dict[str, list[int]] = {}
    cases = [
        ("blocks", blocks.build(problem), layers.blocks, hint_blocks),
        ("residents", residents.build(problem, layers.base), layers.residents, hint_residents),
        ("faculty", faculty.build(problem), layers.faculty, hint_faculty),
        ("clinic", clinic.build(problem, layers.clinic_grid, layers.base.flexible), layers.clinic, hint_clinic),
    ]
    for name, (model, v, _terms), res, hint in cases:
        hint(model, v, res)
        values = complete(model, seed, time_limit)
        if values is not None:
            out[name] = values
    return out
