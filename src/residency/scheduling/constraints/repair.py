"""Repair: stay close to the schedule being repaired (``Problem.keep``).

Active only when ``Options.stay_weight`` > 0 (``scheduling.repair`` sets it): each in-house or staff
call and each day off that differs from ``keep`` costs ``stay_weight``, so the solver changes only
what the change forces. Off in ordinary generation (weight 0: no terms, no breaches).
"""

from __future__ import annotations

from datetime import timedelta

from residency.scheduling.catalogue import Breach, Constraint, Term, constraint


def _kept_calls(problem) -> set[tuple[str, int, str]]:
    keep = problem.keep
    if keep is None:
        return set()
    return {(c.person, (c.night - problem.start).days, c.pool) for c in keep.calls}


def _stay_terms(problem, calls: dict, pools: list) -> list[Term]:
    w = problem.options.stay_weight
    if w <= 0 or problem.keep is None:
        return []
    kept = _kept_calls(problem)
    names = dict(pools)
    terms: list[Term] = []
    for (p, d, k), x in calls.items():
        pool = names[k].name
        terms.append((w, 1 - x) if (problem.people[p], d, pool) in kept else (w, x))
    return terms


@constraint
class StayResidents(Constraint):
    """Repair: resident calls and days off kept as in the schedule being repaired."""

    id = "REPAIR-STAY"
    title = "Repair: resident calls and days off unchanged"
    layer = "residents"
    hard = False
    weight = 1

    def encode(self, model, problem, v) -> list[Term]:
        terms = _stay_terms(problem, v.call, v.pools)
        w = problem.options.stay_weight
        keep = problem.keep
        if terms and keep is not None and problem.options.day_off_code in keep.codes:
            off = keep.code_index(problem.options.day_off_code)
            shift = (problem.start - keep.start).days
            for (p, d), x in v.off.items():
                key = problem.people[p]
                i = d + shift
                if key in keep.people and 0 <= i < keep.days:
                    was_off = bool((keep.grid[keep.row(key), i] == off).all())
                    terms.append((w, 1 - x) if was_off else (w, x))
        return terms

    def measure(self, problem, schedule) -> list[Breach]:
        if problem.options.stay_weight <= 0 or problem.keep is None:
            return []
        before = {(c.person, c.night, c.pool) for c in problem.keep.calls}
        after = {(c.person, c.night, c.pool) for c in schedule.calls}
        residents = {problem.people[p] for p in problem.residents}
        return [
            Breach(
                self.id,
                f"call {pool} {night} {'added' if (who, night, pool) in after else 'removed'}",
                who,
                night,
                problem.options.stay_weight,
            )  # fmt: skip
            for who, night, pool in sorted(before ^ after)
            if who in residents and night >= problem.start and night <= problem.start + timedelta(problem.n_days)
        ]


@constraint
class StayFaculty(Constraint):
    """Repair: staff calls kept as in the schedule being repaired."""

    id = "REPAIR-STAY-FAC"
    title = "Repair: staff calls unchanged"
    layer = "faculty"
    hard = False
    weight = 1

    def encode(self, model, problem, v) -> list[Term]:
        return _stay_terms(problem, v.call, v.pools)
