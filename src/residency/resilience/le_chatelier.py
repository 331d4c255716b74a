"""Le Chatelier: apply a stress, let the system re-balance, report the new equilibrium.

Baseline: each person's mean weekly scheduled duty hours over the window (``demand.duty_minutes``).
A stress is a loss of capacity (people removed: their hours must be absorbed) and/or a surge of
demand (a multiplier on the total hours of a group). The displaced hours go to the remaining people
of the same group (residents absorb residents' work, faculty faculty's), present in the window, by
water-filling: the least-loaded are raised first, so the new equilibrium is as level as it can be.

For residents the 80-hour limit is an average over four weeks; someone whose new weekly load ``n``
exceeds 80 from a baseline ``b`` crosses it after ``w`` weeks where ``((4 - w)·b + w·n)/4 > 80``,
i.e. the first whole week ``w > 4·(80 - b)/(n - b)``. ``weeks_to_limit`` is the earliest such week
over all residents (None when no one crosses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from residency.domain.program import PersonKind, Program
from residency.domain.schedule import Schedule
from residency.resilience.demand import duty_minutes, presence

LIMIT_HOURS = 80.0
AVERAGING_WEEKS = 4


@dataclass(frozen=True, slots=True)
class Stress:
    lost: tuple[str, ...] = ()
    surge: dict[str, float] = field(default_factory=dict)  # "resident" / "faculty" -> demand multiplier

    def to_dict(self) -> dict[str, Any]:
        return {"lost": list(self.lost), "surge": dict(self.surge)}


@dataclass(frozen=True, slots=True)
class Shift:
    person: str
    kind: str
    before: float  # weekly hours
    after: float
    weeks_to_limit: int | None

    @property
    def absorbed(self) -> float:
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "kind": self.kind,
            "before": round(self.before, 2),
            "after": round(self.after, 2),
            "absorbed": round(self.absorbed, 2),
            "weeks_to_limit": self.weeks_to_limit,
        }


@dataclass(frozen=True, slots=True)
class Equilibrium:
    stress: Stress
    start: date
    days: int
    displaced_hours: dict[str, float]  # per group, per week
    shifts: tuple[Shift, ...]  # people who absorb something, most loaded first
    weeks_to_limit: int | None
    first_to_limit: str | None
    over_limit: tuple[str, ...]

    def shift(self, person: str) -> Shift:
        return next(s for s in self.shifts if s.person == person)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stress": self.stress.to_dict(),
            "start": self.start.isoformat(),
            "days": self.days,
            "displaced_hours_per_week": {k: round(v, 2) for k, v in self.displaced_hours.items()},
            "weeks_to_limit": self.weeks_to_limit,
            "first_to_limit": self.first_to_limit,
            "over_limit": list(self.over_limit),
            "shifts": [s.to_dict() for s in self.shifts[:30]],
        }


def water_fill(loads: Sequence[float], amount: float) -> list[float]:
    """Raise the lowest loads first until ``amount`` is spent; returns the new loads."""
    if amount <= 0 or not loads:
        return list(loads)
    order = sorted(range(len(loads)), key=lambda i: loads[i])
    vals = [loads[i] for i in order]
    level, spent, k = vals[0], 0.0, 1
    while True:
        nxt = vals[k] if k < len(vals) else math.inf
        need = (nxt - level) * k
        if spent + need >= amount:
            level += (amount - spent) / k
            break
        spent += need
        level = nxt
        k += 1
    out = list(loads)
    for i in order:
        out[i] = max(loads[i], level)
    return out


def weeks_until(before: float, after: float, limit: float = LIMIT_HOURS, weeks: int = AVERAGING_WEEKS) -> int | None:
    if after <= limit:
        return None
    if before >= limit:
        return 0
    w = weeks * (limit - before) / (after - before)
    return min(weeks, math.floor(w) + 1)


def analyze_stress(
    program: Program,
    schedule: Schedule,
    stress: Stress,
    *,
    start: date | None = None,
    days: int = 28,
    limit_hours: float = LIMIT_HOURS,
) -> Equilibrium:
    first = 0 if start is None else max(0, (start - schedule.start).days)
    last = min(schedule.days, first + days)
    weeks = max(1, last - first) / 7
    minutes = duty_minutes(program, schedule)[:, first:last]
    weekly = minutes.sum(axis=1) / 60 / weeks
    present = presence(program, schedule)[:, first:last].any(axis=(1, 2))
    kinds = {p.key: p.kind for p in program.people}
    group_of = {PersonKind.RESIDENT: "resident", PersonKind.FACULTY: "faculty"}
    lost = set(stress.lost)
    displaced: dict[str, float] = {}
    shifts: list[Shift] = []
    for kind, group in group_of.items():
        rows = [i for i, k in enumerate(schedule.people) if kinds.get(k) == kind]
        stay = [i for i in rows if schedule.people[i] not in lost and present[i]]
        gone = float(sum(weekly[i] for i in rows if schedule.people[i] in lost))
        surge = (stress.surge.get(group, 1.0) - 1.0) * float(sum(weekly[i] for i in stay))
        amount = gone + max(0.0, surge)
        displaced[group] = amount
        if not stay or amount <= 0:
            continue
        before = [float(weekly[i]) for i in stay]
        after = water_fill(before, amount)
        for i, b, a in zip(stay, before, after, strict=True):
            if a - b > 1e-9:
                limit = weeks_until(b, a, limit_hours) if kind == PersonKind.RESIDENT else None
                shifts.append(Shift(schedule.people[i], group, b, a, limit))
    shifts.sort(key=lambda s: (-s.after, s.person))
    crossing = [s for s in shifts if s.weeks_to_limit is not None]
    first_s = min(crossing, key=lambda s: (s.weeks_to_limit, -s.after), default=None)
    return Equilibrium(
        stress,
        schedule.start if start is None else start,
        last - first,
        displaced,
        tuple(shifts),
        first_s.weeks_to_limit if first_s else None,
        first_s.person if first_s else None,
        tuple(s.person for s in crossing),
    )


def weekly_hours(program: Program, schedule: Schedule, first: int, last: int) -> np.ndarray:
    return duty_minutes(program, schedule)[:, first:last].sum(axis=1) / 60 / max(1, last - first) * 7
