"""A schedule: block rotations, the person x half-day activity grid and overnight call.

Whoever makes it (a solver, manual edits, an imported workbook), compliance, resilience and exports
read this one shape. The grid is a numpy array of activity indices: ``grid[p, d, h]`` is the activity
of person ``people[p]`` on day ``start + d``, half ``h`` (0 = AM, 1 = PM); ``UNFILLED`` marks a hole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from residency.domain.calendar import HalfDay
from residency.domain.program import BlockAssignment, Program

UNFILLED = -1


@dataclass(frozen=True, slots=True)
class CallAssignment:
    person: str
    night: date  # the evening the shift starts
    pool: str


@dataclass(eq=False)
class Schedule:
    start: date
    days: int
    people: tuple[str, ...]
    codes: tuple[str, ...]
    grid: np.ndarray  # int16 (len(people), days, 2)
    block_assignments: tuple[BlockAssignment, ...] = ()
    calls: tuple[CallAssignment, ...] = ()
    locked: np.ndarray | None = None  # bool, same shape as grid: cells a run must keep
    _row: dict[str, int] = field(init=False, repr=False)
    _code: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.grid.shape != (len(self.people), self.days, 2):
            raise ValueError(f"grid shape {self.grid.shape} != ({len(self.people)}, {self.days}, 2)")
        self._row = {p: i for i, p in enumerate(self.people)}
        self._code = {c: i for i, c in enumerate(self.codes)}

    @classmethod
    def empty(cls, program: Program, people: Iterable[str] | None = None) -> Schedule:
        keys = tuple(people) if people is not None else tuple(p.key for p in program.people)
        codes = tuple(a.code for a in program.activities)
        grid = np.full((len(keys), program.year.days, 2), UNFILLED, dtype=np.int16)
        return cls(program.year.start, program.year.days, keys, codes, grid)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def dates(self) -> Iterator[date]:
        for i in range(self.days):
            yield self.start + timedelta(days=i)

    def row(self, person: str) -> int:
        return self._row[person]

    def code_index(self, code: str) -> int:
        return self._code[code]

    def day_index(self, day: date) -> int:
        i = (day - self.start).days
        if not 0 <= i < self.days:
            raise IndexError(f"{day} is outside {self.start}..{self.end}")
        return i

    def get(self, person: str, day: date, half: HalfDay) -> str | None:
        value = int(self.grid[self._row[person], self.day_index(day), 0 if half == HalfDay.AM else 1])
        return None if value == UNFILLED else self.codes[value]

    def set(self, person: str, day: date, half: HalfDay, code: str) -> None:
        self.grid[self._row[person], self.day_index(day), 0 if half == HalfDay.AM else 1] = self._code[code]

    def unfilled(self) -> int:
        return int((self.grid == UNFILLED).sum())

    def calls_of(self, person: str) -> list[CallAssignment]:
        return [c for c in self.calls if c.person == person]

    def copy(self) -> Schedule:
        return Schedule(
            self.start,
            self.days,
            self.people,
            self.codes,
            self.grid.copy(),
            self.block_assignments,
            self.calls,
            None if self.locked is None else self.locked.copy(),
        )
