"""The Curtois & Qu instances mapped onto the generic rostering model (``scheduling.roster``): the
same constraint units, CP-SAT plumbing, hints and LNS driver as the product's ``hybrid``."""

from __future__ import annotations

import numpy as np

from residency.bench.curtois import Instance, Roster
from residency.scheduling.roster.spec import OFF, CoverNeed, Request, RosterSpec


def to_spec(inst: Instance) -> RosterSpec:
    people = list(inst.staff)
    shifts = list(inst.shifts)
    pi = {k: i for i, k in enumerate(people)}
    si = {k: i for i, k in enumerate(shifts)}
    staff = [inst.staff[k] for k in people]
    return RosterSpec(
        people=people,
        horizon=inst.horizon,
        shifts=shifts,
        minutes=[inst.shifts[s].minutes for s in shifts],
        forbidden_next={(si[s], si[t]) for s in shifts for t in inst.shifts[s].forbidden_next},
        max_per_shift=[[st.max_shifts.get(s, 0) for s in shifts] for st in staff],
        min_minutes=[st.min_minutes for st in staff],
        max_minutes=[st.max_minutes for st in staff],
        max_run=[st.max_consecutive for st in staff],
        min_run=[st.min_consecutive for st in staff],
        min_off_run=[st.min_days_off for st in staff],
        max_weekends=[st.max_weekends for st in staff],
        weekends=[(7 * w + 5, 7 * w + 6) for w in range(inst.horizon // 7)],
        fixed_off={(pi[k], d) for k, days in inst.days_off.items() for d in days},
        on_requests=[Request(pi[r.staff], r.day, si[r.shift], r.weight) for r in inst.on_requests],
        off_requests=[Request(pi[r.staff], r.day, si[r.shift], r.weight) for r in inst.off_requests],
        cover=[CoverNeed(c.day, si[c.shift], c.requirement, c.weight_under, c.weight_over) for c in inst.cover],
        name=inst.name,
    )


def to_roster(spec: RosterSpec, grid: np.ndarray) -> Roster:
    return {
        (spec.people[p], d): spec.shifts[int(grid[p, d])]
        for p in range(spec.n_people)
        for d in range(spec.horizon)
        if grid[p, d] != OFF
    }


def from_roster(spec: RosterSpec, roster: Roster) -> np.ndarray:
    pi = {k: i for i, k in enumerate(spec.people)}
    si = {k: i for i, k in enumerate(spec.shifts)}
    grid = spec.empty()
    for (who, d), s in roster.items():
        grid[pi[who], d] = si[s]
    return grid
