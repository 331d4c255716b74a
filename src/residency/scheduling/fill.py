"""Layer 2a, the pattern fill: rotation patterns, approved absences, holidays and kept cells.

Deterministic (no solver). Produces, for residents, the base grid the call/ACGME layer starts from:
the rotation's code on each cell (``Rotation.code_on(day_offset, half)`` with day_offset counted from
the first day the resident works that rotation in the block), approved absences over it (LV, CONF,
DEP, TDY by absence type), clinic cells closed on holidays (FED), and cells a ``keep`` schedule fixes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from residency.domain.schedule import UNFILLED
from residency.scheduling.problem import HOLIDAY_CODES, Problem


@dataclass
class Base:
    grid: np.ndarray  # (P, D, 2) int16 codes; faculty rows stay UNFILLED here
    rot_day: np.ndarray  # (P, D) rotation index per resident-day, -1 = none
    pattern: np.ndarray  # (P, D, 2) the rotation's own code before overrides (UNFILLED = none)
    flexible: np.ndarray  # (P, D, 2) bool: the solver may choose this cell (continuity clinic)
    locked: np.ndarray  # (P, D, 2) bool: absence or kept cell, nobody may change it


def anchor_weekday(problem: Problem) -> int:
    """The weekday patterns start on: the weekday most blocks start on (ties: the earliest block)."""
    starts = [b.start.weekday() for b in problem.program.year.blocks]
    counts = Counter(starts)
    best = max(counts.values())
    return next(w for w in starts if counts[w] == best)


def pattern_offsets(problem: Problem, rot: dict[int, list[int | None]], p: int) -> list[tuple[int, int, int]]:
    """(day, rotation, day_offset) for each day a resident has a rotation.

    day_offset counts from the first day the resident works the rotation in the block. When that day
    is not on the patterns' anchor weekday (e.g. a 30-day block 1 starting on a Tuesday when the other
    blocks start on Thursdays) the offset is shifted so weekdays line up: weekends stay weekends and
    Wednesday didactics stay on Wednesdays."""
    anchor = anchor_weekday(problem)
    out: list[tuple[int, int, int]] = []
    if p not in rot:
        return out

    def run(d0: int, d1: int, r: int) -> None:
        shift = (problem.days[d0].weekday() - anchor) % 7
        out.extend((d, r, d - d0 + shift) for d in range(d0, d1))

    for b in problem.program.year.blocks:
        h1, h2 = problem.block_halves(b.number)
        r1, r2 = rot[p][h1.index], rot[p][h2.index]
        if r1 is not None and r1 == r2:
            run(h1.d0, h2.d1, r1)
            continue
        for hb, r in ((h1, r1), (h2, r2)):
            if r is not None:
                run(hb.d0, hb.d1, r)
    return out


def fill_residents(problem: Problem, rot: dict[int, list[int | None]]) -> Base:
    P, D = len(problem.people), problem.n_days
    grid = np.full((P, D, 2), UNFILLED, np.int16)
    pattern = np.full((P, D, 2), UNFILLED, np.int16)
    flexible = np.zeros((P, D, 2), bool)
    rot_day = np.full((P, D), -1, np.int64)
    fed = problem.code(*HOLIDAY_CODES)
    off = problem.cidx.get(problem.options.day_off_code)
    for p in problem.residents:
        for d, r, offset in pattern_offsets(problem, rot, p):
            rotation = problem.rotations[r]
            rot_day[p, d] = r
            for h in (0, 1):
                i = (offset % 28) * 2 + h
                code = problem.cidx.get(rotation.pattern[i], off if off is not None else UNFILLED)
                pattern[p, d, h] = code
                grid[p, d, h] = code
                flexible[p, d, h] = i in rotation.flexible
    # holidays close clinics, classes and admin; services run
    closes = np.array([problem.closes_on_holiday(c) for c in range(len(problem.codes))] + [False])
    hol = problem.holiday[None, :, None] & closes[grid]
    grid[hol] = fed
    flexible &= ~hol
    # approved absences, then kept cells, override everything
    locked = np.zeros((P, D, 2), bool)
    absent = problem.absence >= 0
    grid[absent] = problem.absence[absent]
    locked |= absent
    kept = problem.fixed >= 0
    grid[kept] = problem.fixed[kept]
    locked |= kept
    flexible &= ~locked
    return Base(grid, rot_day, pattern, flexible, locked)
