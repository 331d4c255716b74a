"""Homeostasis: setpoints with tolerances, measured at each health check, with deviations, trends
and corrective actions; and the allostatic load each person carries.

Setpoints (defaults, configurable):
- ``coverage`` — scheduled slots filled / required, at least 1.0 - 0.01;
- ``utilization`` — the horizon's bottleneck ρ, 0.60 ± 0.15 (above the band: overload; below: slack);
- ``workload_balance`` — coefficient of variation of residents' weekly duty hours, at most 0.20;
- ``compliance`` — ACGME violations, at most 0;
- ``stability`` — share of the published schedule's cells a draft changes, at most 0.05.

A trend is the least-squares slope of the measurement over the previous checks (oldest first) and
this one. Allostatic load per person (from the schedule over the horizon): nights worked (night
codes and calls), weekend calls, longest run of consecutive duty days, changes absorbed (cells that
differ from the published schedule), federal holidays worked; the score weights them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from residency.domain.program import PersonKind, Program
from residency.domain.schedule import UNFILLED, Schedule
from residency.resilience.demand import duty_minutes, is_night_code


@dataclass(frozen=True, slots=True)
class Setpoint:
    name: str
    target: float
    tolerance: float
    bound: str = "band"  # "band": target ± tolerance; "max": at most target + tolerance; "min": at least target - tol
    action_high: str = ""
    action_low: str = ""


DEFAULT_SETPOINTS: tuple[Setpoint, ...] = (
    Setpoint("coverage", 1.0, 0.01, "min", action_low="open a repair draft for the uncovered units"),
    Setpoint(
        "utilization",
        0.60,
        0.15,
        "band",
        action_high="shed load (level 1-2) and hold leave approvals in the busiest weeks",
        action_low="capacity to spare: approve pending leave, schedule education and cross-training",
    ),
    Setpoint(
        "workload_balance",
        0.0,
        0.20,
        "max",
        action_high="move nights, weekend call and extra shifts toward the least-loaded residents",
    ),
    Setpoint("compliance", 0.0, 0.0, "max", action_high="repair the ACGME violations before publishing"),
    Setpoint("stability", 0.0, 0.05, "max", action_high="freeze further changes; batch them into the next publication"),
)


@dataclass(frozen=True, slots=True)
class Reading:
    name: str
    value: float
    target: float
    tolerance: float
    deviation: float  # value - target
    status: str  # "ok" | "high" | "low"
    trend: float | None  # change per check
    direction: str  # "rising" | "falling" | "steady" | "unknown"
    action: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "target": self.target,
            "tolerance": self.tolerance,
            "deviation": round(self.deviation, 4),
            "status": self.status,
            "trend": None if self.trend is None else round(self.trend, 4),
            "direction": self.direction,
            "action": self.action,
        }


@dataclass(frozen=True, slots=True)
class AllostaticLoad:
    person: str
    nights: int
    weekend_calls: int
    max_consecutive_duty_days: int
    changes_absorbed: int
    holidays_worked: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "nights": self.nights,
            "weekend_calls": self.weekend_calls,
            "max_consecutive_duty_days": self.max_consecutive_duty_days,
            "changes_absorbed": self.changes_absorbed,
            "holidays_worked": self.holidays_worked,
            "score": round(self.score, 2),
        }


@dataclass(frozen=True, slots=True)
class AllostaticWeights:
    night: float = 1.0
    weekend_call: float = 2.0
    consecutive_over: float = 3.0  # per day beyond ``consecutive_free``
    consecutive_free: int = 6
    change: float = 0.5
    holiday: float = 3.0


@dataclass(frozen=True, slots=True)
class HomeostasisResult:
    readings: tuple[Reading, ...]
    allostatic: tuple[AllostaticLoad, ...]  # highest score first
    values: dict[str, float] = field(default_factory=dict)

    @property
    def out_of_band(self) -> tuple[Reading, ...]:
        return tuple(r for r in self.readings if r.status != "ok")

    def reading(self, name: str) -> Reading:
        return next(r for r in self.readings if r.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "readings": [r.to_dict() for r in self.readings],
            "out_of_band": [r.name for r in self.out_of_band],
            "allostatic": [a.to_dict() for a in self.allostatic[:20]],
            "values": {k: round(v, 4) for k, v in self.values.items()},
        }


def read(value: float, sp: Setpoint, history: Sequence[float] = ()) -> Reading:
    dev = value - sp.target
    high = dev > sp.tolerance + 1e-12 and sp.bound in ("band", "max")
    low = -dev > sp.tolerance + 1e-12 and sp.bound in ("band", "min")
    status = "high" if high else "low" if low else "ok"
    series = [*history, value]
    trend = None
    direction = "unknown"
    if len(series) >= 2:
        x = np.arange(len(series), dtype=float)
        trend = float(np.polyfit(x, np.array(series, dtype=float), 1)[0])
        scale = max(sp.tolerance, 1e-6) * 0.1
        direction = "rising" if trend > scale else "falling" if trend < -scale else "steady"
    action = (sp.action_high or None) if high else (sp.action_low or None) if low else None
    return Reading(sp.name, value, sp.target, sp.tolerance, dev, status, trend, direction, action)


def workload_balance(program: Program, schedule: Schedule, first: int, last: int) -> float:
    """Coefficient of variation of residents' mean weekly duty hours over the window."""
    minutes = duty_minutes(program, schedule)[:, first:last]
    kinds = {p.key: p.kind for p in program.people}
    rows = [i for i, k in enumerate(schedule.people) if kinds.get(k) == PersonKind.RESIDENT]
    if not rows or last <= first:
        return 0.0
    weekly = minutes[rows].sum(axis=1) / 60 / ((last - first) / 7)
    mean = float(weekly.mean())
    return float(weekly.std() / mean) if mean > 0 else 0.0


def changed_cells(schedule: Schedule, published: Schedule | None) -> np.ndarray | None:
    """bool [P, D, 2] of cells that differ from the published schedule (people matched by key)."""
    if published is None:
        return None
    out = np.zeros(schedule.grid.shape, dtype=bool)
    offset = (schedule.start - published.start).days
    for r, key in enumerate(schedule.people):
        if key not in published._row:
            out[r] = schedule.grid[r] != UNFILLED
            continue
        pr = published.row(key)
        a = max(0, -offset)
        b = min(schedule.days, published.days - offset)
        if a < b:
            mine = schedule.grid[r, a:b]
            theirs = published.grid[pr, a + offset : b + offset]
            out[r, a:b] = mine != _translate(theirs, published.codes, schedule.codes)
    return out


def _translate(grid: np.ndarray, src: tuple[str, ...], dst: tuple[str, ...]) -> np.ndarray:
    if src == dst:
        return grid
    index = {c: i for i, c in enumerate(dst)}
    table = np.array([index.get(c, -2) for c in src] + [UNFILLED], dtype=np.int32)
    return table[np.where(grid == UNFILLED, len(src), grid)]


def allostatic_load(
    program: Program,
    schedule: Schedule,
    first: int = 0,
    last: int | None = None,
    published: Schedule | None = None,
    weights: AllostaticWeights = AllostaticWeights(),
) -> tuple[AllostaticLoad, ...]:
    last = schedule.days if last is None else last
    acts = {a.code: a for a in program.activities}
    night = np.array([is_night_code(acts[c]) if c in acts else False for c in schedule.codes] + [False])
    g = np.where(schedule.grid == UNFILLED, len(schedule.codes), schedule.grid)
    minutes = duty_minutes(program, schedule)
    changes = changed_cells(schedule, published)
    start = schedule.start
    holidays = {(h.day - start).days for h in program.year.holidays}
    holiday_idx = [d for d in holidays if first <= d < last]
    calls: dict[str, list[int]] = {}
    for c in schedule.calls:
        d = (c.night - start).days
        if first <= d < last:
            calls.setdefault(c.person, []).append(d)
    out = []
    for r, key in enumerate(schedule.people):
        nights_grid = int(night[g[r, first:last, 1]].sum())
        mine = calls.get(key, [])
        nights = nights_grid + len(mine)
        weekend = sum(1 for d in mine if (start + timedelta(days=d)).weekday() in (4, 5, 6))
        duty = minutes[r, first:last] > 0
        run = best = 0
        for v in duty:
            run = run + 1 if v else 0
            best = max(best, run)
        changed = int(changes[r, first:last].sum()) if changes is not None else 0
        hol = int(sum(1 for d in holiday_idx if minutes[r, d] > 0 or d in mine))
        score = (
            weights.night * nights
            + weights.weekend_call * weekend
            + weights.consecutive_over * max(0, best - weights.consecutive_free)
            + weights.change * changed
            + weights.holiday * hol
        )
        out.append(AllostaticLoad(key, nights, weekend, best, changed, hol, score))
    out.sort(key=lambda a: (-a.score, a.person))
    return tuple(out)


def analyze_homeostasis(
    values: Mapping[str, float],
    *,
    history: Mapping[str, Sequence[float]] | None = None,
    setpoints: Sequence[Setpoint] = DEFAULT_SETPOINTS,
    allostatic: tuple[AllostaticLoad, ...] = (),
) -> HomeostasisResult:
    """Readings for every setpoint whose value was measured; ``history`` holds the previous checks'
    values, oldest first."""
    history = history or {}
    readings = tuple(read(values[sp.name], sp, history.get(sp.name, ())) for sp in setpoints if sp.name in values)
    return HomeostasisResult(readings, allostatic, dict(values))


def measure_stability(schedule: Schedule, published: Schedule | None, first: int, last: int) -> float:
    changes = changed_cells(schedule, published)
    if changes is None or last <= first:
        return 0.0
    return float(changes[:, first:last].mean())


def window(schedule: Schedule, start: date | None, days: int | None) -> tuple[int, int]:
    first = 0 if start is None else max(0, (start - schedule.start).days)
    last = schedule.days if days is None else min(schedule.days, first + days)
    return first, max(first, last)
