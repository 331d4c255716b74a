"""Why a run failed, in plain words, and what would relax it.

Two sources: quick counting arguments (demand against capacity, locks against capacity, a curriculum
longer than the year) that name the rotation and the blocks; and, behind them, the smallest conflicting
set CP-SAT finds: every hard constraint instance gets an enforcement literal, the literals are solved
as assumptions and ``SufficientAssumptionsForInfeasibility`` returns a conflicting subset.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from residency.scheduling.cpsat import RunContext
from residency.scheduling.problem import Problem


@dataclass
class Explanation:
    layer: str
    reasons: list[str]
    relax: list[str] = field(default_factory=list)
    core: list[dict[str, Any]] = field(default_factory=list)  # {"constraint", "text"} of the conflict

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "reasons": self.reasons, "relax": self.relax, "core": self.core}

    def __str__(self) -> str:
        lines = [f"{self.layer}: no schedule satisfies every hard constraint"]
        lines += [f"- {r}" for r in self.reasons]
        if self.relax:
            lines.append("would relax it:")
            lines += [f"- {r}" for r in self.relax]
        return "\n".join(lines)


class Guards:
    """Enforcement literals per hard-constraint instance, for assumptions."""

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.items: dict[tuple, tuple[str, str, Any]] = {}

    def __call__(self, cid: str, key: tuple, text: str) -> list:
        full = (cid, *key)
        if full not in self.items:
            self.items[full] = (cid, text, self.model.NewBoolVar(f"g_{cid}_{len(self.items)}"))
        return [self.items[full][2]]


def _blocks_range(blocks: list[int]) -> str:
    blocks = sorted(set(blocks))
    if not blocks:
        return ""
    if blocks == list(range(blocks[0], blocks[-1] + 1)) and len(blocks) > 2:
        return f"blocks {blocks[0]}-{blocks[-1]}"
    return "block" + ("s " if len(blocks) > 1 else " ") + ", ".join(map(str, blocks))


def counting_reasons(problem: Problem) -> tuple[list[str], list[str]]:
    """Necessary conditions that fail, in plain words, and what would relax them."""
    from residency.scheduling.constraints.blocks import eligible, lock_halves, requirements_of

    reasons, relax = [], []
    # locks over capacity
    locked: dict[tuple[int, int], list[int]] = defaultdict(list)
    for p, h, r, _ba in lock_halves(problem):
        locked[(h, r)].append(p)
    for (h, r), ps in sorted(locked.items()):
        rot = problem.rotations[r]
        if rot.max_residents is not None and len(ps) > rot.max_residents:
            hb = problem.halves[h]
            if hb.part == "second_half" and (h - 1, r) in locked and len(locked[(h - 1, r)]) == len(ps):
                continue
            pgys = Counter(problem.pgy(p, hb.d0) for p in ps)
            who = ", ".join(f"{n} PGY-{g}" for g, n in sorted(pgys.items()))
            reasons.append(
                f"block {hb.block}: {who} resident(s) are locked on {rot.abbreviation}, "
                f"{rot.abbreviation} holds at most {rot.max_residents}"
            )
            relax.append(
                f"raise {rot.abbreviation}'s capacity to {len(ps)} or unlock one of "
                + ", ".join(problem.people[p] for p in ps)
            )
    # curriculum demand against capacity, per rotation required on its own
    for r, rot in enumerate(problem.rotations):
        need: Counter = Counter()
        names = set()
        for p in problem.residents:
            for _k, req in requirements_of(problem, p):
                if req.rotations == (rot.abbreviation,) and req.min_blocks:
                    need[problem.pgy(p, 0)] += round(2 * req.min_blocks)
                    names.add(req.name)
        total = sum(need.values())
        if not total or rot.max_residents is None:
            continue
        halves = [hb for hb in problem.halves if any(eligible(problem, p, hb.index, r) for p in problem.residents)]
        cap = rot.max_residents * len(halves)
        if total > cap:
            who = " and ".join(f"{n / 2:g} blocks for PGY-{g}" for g, n in sorted(need.items()))
            blocks = _blocks_range([hb.block for hb in halves])
            reasons.append(
                f"{rot.abbreviation}: the curriculum needs {total / 2:g} resident-blocks ({who}), but "
                f"{rot.abbreviation} holds at most {rot.max_residents} per block over {blocks} "
                f"= {cap / 2:g} resident-blocks"
            )
            relax.append(
                f"raise {rot.abbreviation}'s max_residents to {-(-total // len(halves))}, or lower the minimum of "
                f"{', '.join(sorted(names))}"
            )
    # a resident's curriculum longer than the year
    n_blocks = len(problem.program.year.blocks)
    for p in problem.residents:
        total = sum(req.min_blocks for _k, req in requirements_of(problem, p))
        if total > n_blocks:
            reasons.append(
                f"{problem.people[p]}: the PGY-{problem.pgy(p, 0)} curriculum needs {total:g} blocks,"
                f" the year has {n_blocks}"
            )
            relax.append(f"lower PGY-{problem.pgy(p, 0)} curriculum minimums by {total - n_blocks:g} blocks")
    return reasons, relax


RELAX = {
    "BLK-CAP": "raise the capacity (max_residents) or lower the minimum of the rotations named",
    "BLK-CURR": "lower the curriculum minimum (or raise the maximum) of the requirements named",
    "BLK-LOCK": "remove or move the locks named",
    "BLK-LEAVE": "move the leave, or allow leave on a rotation the resident could take then",
    "BLK-ELIG": "open the rotations named to more PGY levels",
    "BLK-WHOLE": "allow half-blocks on the rotations named",
    "WH-01": "lighten the rotation patterns named (fewer hours) or spread call thinner",
    "OFF-01": "add days off to the rotation patterns named",
    "CALL-01": "add residents to the call pool or cover fewer nights in-house",
    "CALL-COVER": "add people to the call pools or cover fewer nights",
    "FAC-FMIT": "add faculty able to run the teaching service",
    "FAC-CALL": "add faculty to the staff call pool",
}


def core_of(model: cp_model.CpModel, guards: Guards, ctx: RunContext, budget: float) -> list[tuple[str, str]] | None:
    lits = [lit for _cid, _text, lit in guards.items.values()]
    model.AddAssumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions core extraction is single-threaded
    solver.parameters.random_seed = ctx.seed
    solver.parameters.max_time_in_seconds = max(budget, 2.0)
    status = solver.Solve(model)
    if status != cp_model.INFEASIBLE:
        return None
    by_index = {lit.Index(): (cid, text) for cid, text, lit in guards.items.values()}
    return [by_index[i] for i in solver.SufficientAssumptionsForInfeasibility() if i in by_index]


def _summarise(core: list[tuple[str, str]], layer: str, reasons: list[str], relax: list[str]) -> Explanation:
    if not reasons:
        reasons = [text for _cid, text in core[:12]]
        if len(core) > 12:
            reasons.append(f"... and {len(core) - 12} more")
    cids = list(dict.fromkeys(cid for cid, _ in core))
    relax = relax + [RELAX[c] for c in cids if c in RELAX]
    return Explanation(layer, reasons, list(dict.fromkeys(relax)), [{"constraint": c, "text": t} for c, t in core])


def explain_blocks(problem: Problem, ctx: RunContext) -> Explanation:
    from residency.scheduling.blocks import build

    reasons, relax = counting_reasons(problem)
    guards = Guards()
    model, _v, _t = build(problem, guards, guards.model)
    core = core_of(model, guards, ctx, min(ctx.remaining(), 30.0)) or []
    if not core and not reasons:
        reasons = ["the block layer found no schedule in the time allowed (no conflict proved)"]
    return _summarise(core, "blocks", reasons, relax)


def explain_layer(problem: Problem, base, ctx: RunContext, layer: str) -> Explanation:
    guards = Guards()
    if layer == "residents":
        from residency.scheduling.residents import build as build_residents

        model, _v, _t = build_residents(problem, base, guard=guards, model=guards.model)
    else:
        from residency.scheduling.faculty import build as build_faculty

        model, _v, _t = build_faculty(problem, guards, guards.model)
    core = core_of(model, guards, ctx, min(ctx.remaining(), 30.0))
    if core is None:
        return Explanation(layer, [f"the {layer} layer found no schedule in the time allowed (no conflict proved)"],
                           ["give the run more time"])  # fmt: skip
    return _summarise(core, layer, [], [])
