"""Preferences learned by stigmergy (``resilience.stigmergy``), fed to the resident call layer.

``Options.preferences`` maps (person key, target) to a positive soft weight: 1.0 neutral, above 1
attraction, below 1 avoidance (stigmergy's ``Trails.weights()``; an avoidance trail only lowers a
weight). The targets a call night reads are the night's afternoon, in stigmergy's spelling:
``date:<iso>:PM`` and ``slot:<weekday>:PM`` (Monday = 0); the person's weight for the night is the
product of the two (missing = 1.0), clipped to [1/64, 64].

Applied to resident in-house call only (the layer where a person is picked per night; clinic
half-days and rotations come from patterns and curriculum). Each call costs
``round(SCALE × ln(best / w))``, ``w`` the person's weight for the night and ``best`` the highest
weight of the pool's members that night: nothing with no trails, a high weight is rewarded (the
others cost more), a low weight is penalised - the solver puts people less often where they avoid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.problem import Problem

SCALE = 20  # cost units per natural-log unit of weight ratio (an avoidance trail of 1: w = 1/2 -> 14)
CLIP = 64.0


def night_targets(day: date) -> tuple[str, str]:
    """Stigmergy's ``date_target(day, "PM")`` and ``slot_target(day, "PM")``."""
    return f"date:{day.isoformat()}:PM", f"slot:{day.weekday()}:PM"


def night_weight(prefs: Mapping[tuple[str, str], float], person: str, day: date) -> float:
    w = 1.0
    for t in night_targets(day):
        w *= float(prefs.get((person, t), 1.0))
    return min(max(w, 1.0 / CLIP), CLIP)


def call_costs(problem: Problem, pool, d: int) -> dict[int, int]:
    """Cost of each pool member (person index) taking pool's call on night d; {} without preferences."""
    prefs = problem.options.preferences
    if not prefs:
        return {}
    day = problem.days[d]
    weights = {p: night_weight(prefs, problem.people[p], day) for p in problem.pool_members(pool)}
    if not weights:
        return {}
    best = max(weights.values())
    return {p: round(SCALE * math.log(best / w)) for p, w in weights.items()}


@constraint
class CallPreference(Constraint):
    """Residents on call where their learned preference weight is high rather than low (stigmergy
    trails: stated likes and dislikes, leave and swap requests, accepted assignments)."""

    id = "CALL-PREF"
    title = "Call where learned preferences favour it"
    layer = "residents"
    hard = False
    weight = 1

    def encode(self, model, problem, v) -> list[Term]:
        if not problem.options.preferences:
            return []
        terms: list[Term] = []
        costs: dict[tuple[int, int], dict[int, int]] = {}
        for (p, d, k), x in v.call.items():
            if (k, d) not in costs:
                costs[(k, d)] = call_costs(problem, problem.program.call_pools[k], d)
            c = costs[(k, d)].get(p, 0)
            if c:
                terms.append((c, x))
        return terms

    def measure(self, problem, schedule) -> list[Breach]:
        if not problem.options.preferences:
            return []
        pools = {c.name: c for c in problem.resident_pools()}
        out = []
        for c in schedule.calls:
            pool, p = pools.get(c.pool), problem.pidx.get(c.person)
            if pool is None or p is None or not (problem.start <= c.night <= problem.program.year.end):
                continue
            cost = call_costs(problem, pool, (c.night - problem.start).days).get(p, 0)
            if cost:
                w = night_weight(problem.options.preferences, c.person, c.night)
                msg = f"{pool.name}: preference weight {w:.2f} for this night (cost {cost})"
                out.append(Breach(self.id, msg, c.person, c.night, cost))
        return out
