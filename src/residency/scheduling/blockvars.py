"""Variables of the block layer and the read-back of block assignments (half-block granularity)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from residency.domain.program import BlockAssignment
from residency.domain.schedule import Schedule
from residency.scheduling.problem import Problem

Guard = Callable[[str, tuple, str], list]


def no_guard(cid: str, key: tuple, text: str) -> list:
    return []


@dataclass
class BlockVars:
    """x[(p, h, r)] = resident p works rotation r in half-block h. ``fixed[(p, h)]`` = rotation index of
    residents outside the run's scope (constants)."""

    x: dict[tuple[int, int, int], Any]
    residents: list[int]  # residents the run decides
    fixed: dict[tuple[int, int], int] = field(default_factory=dict)
    guard: Guard = no_guard

    def count(self, h: int, r: int) -> tuple[list, int]:
        """(variables, constant) counting residents on rotation r in half h."""
        vs = [self.x[(p, h, r)] for p in self.residents if (p, h, r) in self.x]
        const = sum(1 for (_p, hh), rr in self.fixed.items() if hh == h and rr == r)
        return vs, const


def half_rotations(problem: Problem, schedule: Schedule) -> dict[int, list[int | None]]:
    """Rotation index per resident per half-block read from a schedule's block assignments."""
    out: dict[int, list[int | None]] = {p: [None] * len(problem.halves) for p in problem.residents}
    by_block = {}
    for hb in problem.halves:
        by_block.setdefault(hb.block, []).append(hb.index)
    for ba in schedule.block_assignments:
        p = problem.pidx.get(ba.person)
        r = problem.ridx.get(ba.rotation)
        if p is None or p not in out or r is None or ba.block not in by_block:
            continue
        h1, h2 = by_block[ba.block]
        if ba.part in ("whole", "first_half"):
            out[p][h1] = r
        if ba.part in ("whole", "second_half"):
            out[p][h2] = r
    return out


def to_assignments(problem: Problem, rot: dict[int, list[int | None]]) -> tuple[BlockAssignment, ...]:
    out = []
    for p in sorted(rot):
        for b in problem.program.year.blocks:
            h1, h2 = problem.block_halves(b.number)
            r1, r2 = rot[p][h1.index], rot[p][h2.index]
            key = problem.people[p]
            if r1 is not None and r1 == r2:
                out.append(BlockAssignment(key, b.number, problem.rotations[r1].abbreviation, "whole"))
                continue
            if r1 is not None:
                out.append(BlockAssignment(key, b.number, problem.rotations[r1].abbreviation, "first_half"))
            if r2 is not None:
                out.append(BlockAssignment(key, b.number, problem.rotations[r2].abbreviation, "second_half"))
    return tuple(out)


def heavy_rotations(problem: Problem) -> set[int]:
    """Rotations that are hard to work: night float, or a pattern averaging 55 h a week or more."""
    out = set()
    for i, rot in enumerate(problem.rotations):
        if rot.is_night_float:
            out.add(i)
            continue
        minutes = 0
        for d in range(28):
            am, pm = problem.cidx.get(rot.pattern[2 * d], -1), problem.cidx.get(rot.pattern[2 * d + 1], -1)
            minutes += sum(e - s for s, e in problem.day_intervals(7 + d, am, pm))
        if minutes / 4 >= 55 * 60:
            out.add(i)
    return out
