"""The generic rostering problem: people x days x shift types, with per-person limits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OFF = -1


@dataclass(frozen=True)
class Request:
    person: int
    day: int
    shift: int
    weight: int


@dataclass(frozen=True)
class CoverNeed:
    day: int
    shift: int
    requirement: int
    weight_under: int
    weight_over: int


@dataclass
class RosterSpec:
    """Everything indexed by position: people 0..P-1, days 0..H-1, shift types 0..S-1.

    Run limits treat days outside the horizon as the benchmark does: a maximum run counts them as
    days off; minimum runs (working and off) are not enforced on runs touching either end.
    """

    people: list[str]
    horizon: int
    shifts: list[str]
    minutes: list[int]
    forbidden_next: set[tuple[int, int]] = field(default_factory=set)  # (s, t): t may not follow s
    max_per_shift: list[list[int]] = field(default_factory=list)  # [p][s]; 0 = never
    min_minutes: list[int] = field(default_factory=list)
    max_minutes: list[int] = field(default_factory=list)
    max_run: list[int] = field(default_factory=list)
    min_run: list[int] = field(default_factory=list)
    min_off_run: list[int] = field(default_factory=list)
    max_weekends: list[int] = field(default_factory=list)
    weekends: list[tuple[int, ...]] = field(default_factory=list)  # day indexes of each weekend
    fixed_off: set[tuple[int, int]] = field(default_factory=set)  # (p, d)
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[CoverNeed] = field(default_factory=list)
    # soft: per weekend a person works on some of its days but not all (INRC-II's "complete
    # weekends"); 0 = not a rule of the instance (Curtois has none; the weekends-first phase uses
    # it). The units and the CP-SAT model price it; column generation's row costs do not
    incomplete_weekend_weight: int = 0
    name: str = "roster"

    @property
    def n_people(self) -> int:
        return len(self.people)

    @property
    def n_shifts(self) -> int:
        return len(self.shifts)

    def allowed(self, p: int, d: int, s: int) -> bool:
        return self.max_per_shift[p][s] > 0 and (p, d) not in self.fixed_off

    def empty(self) -> np.ndarray:
        """An all-off roster: int array [person, day] of shift indexes, OFF = -1."""
        return np.full((self.n_people, self.horizon), OFF, dtype=np.int32)
