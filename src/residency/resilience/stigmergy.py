"""Stigmergy: preference trails left by what people say and do, evaporating over time.

Signals deposit on two separate trails per (person, target): *attraction* (stated likes, swaps
*to* something, accepted assignments) and *avoidance* (stated dislikes, leave requests, swaps *away*
from something). Targets are strings: ``code:<activity>``, ``slot:<weekday>:<AM|PM>`` (Monday = 0)
and ``date:<iso>:<AM|PM>``. A deposit made ``age`` days before ``as_of`` is worth
``strength × kind weight × 0.5 ** (age / half_life_days)``; signals after ``as_of`` are ignored.

The exported soft preference weight is ``base × (1 + attraction) / (1 + avoidance)``: positive,
1.0 with no trail, raised only by attraction and lowered only by avoidance — an avoidance trail can
never raise a weight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from residency.domain.program import AbsenceStatus, Program
from residency.domain.schedule import UNFILLED, Schedule


class SignalKind(StrEnum):
    LIKE = "like"  # stated preference for
    AVOID = "avoid"  # stated preference against
    LEAVE_REQUEST = "leave_request"
    SWAP_AWAY = "swap_away"
    SWAP_TO = "swap_to"
    ACCEPTED = "accepted"


ATTRACT = frozenset({SignalKind.LIKE, SignalKind.SWAP_TO, SignalKind.ACCEPTED})


@dataclass(frozen=True, slots=True)
class Signal:
    person: str
    target: str
    kind: SignalKind
    at: date
    strength: float = 1.0


@dataclass(frozen=True, slots=True)
class SwapRequest:
    person: str
    day: date
    half: str  # "AM" | "PM"
    from_code: str
    to_code: str | None = None
    at: date | None = None


@dataclass(frozen=True, slots=True)
class TrailConfig:
    half_life_days: float = 60.0
    kind_weights: Mapping[SignalKind, float] = field(
        default_factory=lambda: {
            SignalKind.LIKE: 1.0,
            SignalKind.AVOID: 1.0,
            SignalKind.LEAVE_REQUEST: 0.5,
            SignalKind.SWAP_AWAY: 0.8,
            SignalKind.SWAP_TO: 0.8,
            SignalKind.ACCEPTED: 0.2,
        }
    )


@dataclass(frozen=True, slots=True)
class Trails:
    as_of: date
    attraction: dict[tuple[str, str], float]
    avoidance: dict[tuple[str, str], float]

    def weight(self, person: str, target: str, base: float = 1.0) -> float:
        a = self.attraction.get((person, target), 0.0)
        v = self.avoidance.get((person, target), 0.0)
        return base * (1.0 + a) / (1.0 + v)

    def weights(self, base: float = 1.0) -> dict[tuple[str, str], float]:
        """Soft preference weight of every (person, target) that has a trail."""
        keys = set(self.attraction) | set(self.avoidance)
        return {k: self.weight(*k, base=base) for k in sorted(keys)}

    def to_dict(self, limit: int = 100) -> dict[str, Any]:
        w = self.weights()
        strongest = sorted(w.items(), key=lambda kv: -abs(np.log(kv[1])))[:limit]
        return {
            "as_of": self.as_of.isoformat(),
            "trails": len(w),
            "weights": [{"person": p, "target": t, "weight": round(v, 4)} for (p, t), v in strongest],
        }


def lay_trails(signals: Iterable[Signal], as_of: date, config: TrailConfig = TrailConfig()) -> Trails:
    attraction: dict[tuple[str, str], float] = {}
    avoidance: dict[tuple[str, str], float] = {}
    for s in signals:
        age = (as_of - s.at).days
        if age < 0:
            continue
        amount = abs(s.strength) * config.kind_weights.get(s.kind, 1.0) * 0.5 ** (age / config.half_life_days)
        trail = attraction if s.kind in ATTRACT else avoidance
        key = (s.person, s.target)
        trail[key] = trail.get(key, 0.0) + amount
    return Trails(as_of, attraction, avoidance)


def slot_target(day: date, half: str) -> str:
    return f"slot:{day.weekday()}:{half}"


def date_target(day: date, half: str) -> str:
    return f"date:{day.isoformat()}:{half}"


def signals_from_program(
    program: Program,
    schedule: Schedule | None = None,
    *,
    as_of: date,
    swaps: Iterable[SwapRequest] = (),
    stated: Iterable[Signal] = (),
    requested_on: Mapping[int, date] | None = None,
) -> list[Signal]:
    """Signals from the program's leave requests (every request, approved or not, says "not these
    half-days"; requests are dated at their ``requested_on`` date when known, else 30 days before
    the leave), swap requests, stated preferences and the assignments accepted in ``schedule``
    (cells before ``as_of``; one signal per (person, code), strength = share of the person's cells)."""
    out = list(stated)
    for i, a in enumerate(program.absences):
        if a.status == AbsenceStatus.CANCELLED:
            continue
        at = (requested_on or {}).get(i, a.start - timedelta(days=30))
        span = (a.end - a.start).days + 1
        for k in range(span):
            day = a.start + timedelta(days=k)
            for half in ("AM", "PM"):
                if (k == 0 and half == "AM" and a.start_half.value == "PM") or (
                    k == span - 1 and half == "PM" and a.end_half.value == "AM"
                ):
                    continue
                out.append(Signal(a.person, date_target(day, half), SignalKind.LEAVE_REQUEST, at))
                out.append(Signal(a.person, slot_target(day, half), SignalKind.LEAVE_REQUEST, at, 1.0 / span))
    for s in swaps:
        at = s.at or s.day
        out.append(Signal(s.person, f"code:{s.from_code}", SignalKind.SWAP_AWAY, at))
        out.append(Signal(s.person, date_target(s.day, s.half), SignalKind.SWAP_AWAY, at))
        if s.to_code:
            out.append(Signal(s.person, f"code:{s.to_code}", SignalKind.SWAP_TO, at))
    if schedule is not None:
        last = min(schedule.days, max(0, (as_of - schedule.start).days))
        if last > 0:
            g = schedule.grid[:, :last]
            for r, key in enumerate(schedule.people):
                cells = g[r][g[r] != UNFILLED]
                if not len(cells):
                    continue
                counts = Counter(cells.ravel().tolist())
                total = sum(counts.values())
                for idx, n in counts.items():
                    out.append(Signal(key, f"code:{schedule.codes[idx]}", SignalKind.ACCEPTED, as_of, n / total))
    return out


def preference_weights(
    program: Program,
    schedule: Schedule | None = None,
    *,
    as_of: date,
    swaps: Iterable[SwapRequest] = (),
    stated: Iterable[Signal] = (),
    config: TrailConfig = TrailConfig(),
    requested_on: Mapping[int, date] | None = None,
) -> Trails:
    """The trails of ``signals_from_program``. ``Trails.weights()`` is what a generation run feeds the
    solver (``scheduling.problem.Options.preferences``; see ``scheduling/constraints/preference.py``)."""
    signals = signals_from_program(
        program, schedule, as_of=as_of, swaps=swaps, stated=stated, requested_on=requested_on
    )
    return lay_trails(signals, as_of, config)
