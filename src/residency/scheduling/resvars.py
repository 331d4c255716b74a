"""Variables and precomputed facts of the resident layer (days off, in-house call, ACGME limits).

All time arithmetic is in real epoch minutes from the activities' own times and the call pools'
shift times, built the way the duty-period derivation builds periods (AM and PM joined across a
lunch gap of at most two hours), so the model's sums are the compliance engine's sums or larger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from residency.compliance.packs import Limits, PackSet
from residency.compliance.windows import acgme_windows
from residency.domain.program import CallPool
from residency.scheduling.blockvars import Guard, no_guard
from residency.scheduling.fill import Base
from residency.scheduling.problem import Problem

Window = tuple[int, int, str]  # [i0, i1) day indices, label


@dataclass
class ResidentVars:
    problem: Problem
    base: Base
    residents: list[int]  # residents the run decides
    pools: list[tuple[int, CallPool]]  # (index in program.call_pools, pool) of resident in-house pools
    off: dict[tuple[int, int], Any] = field(default_factory=dict)  # (p, d) day converted to OFF
    call: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # (p, d, k)
    free: dict[tuple[int, int], Any] = field(default_factory=dict)  # (p, d) whole day free (lower bound)
    kept_calls: dict[tuple[int, int], int] = field(default_factory=dict)  # (k, d) -> calls fixed by keep
    windows: dict[int, list[Window]] = field(default_factory=dict)
    extra_windows: dict[int, list[Window]] = field(default_factory=dict)  # cuts from a compliance re-check
    intervals: dict[int, list[list[tuple[int, int]]]] = field(default_factory=dict)  # base counted spans
    limits: list[Limits] = field(default_factory=list)  # per day, from the compliance rule packs
    guard: Guard = no_guard
    uncovered: list[str] = field(default_factory=list)  # nights no one can legally cover, and why
    short: dict[tuple[int, int], Any] = field(default_factory=dict)  # (pool, night) coverage shortfall

    def calls_on(self, p: int, d: int) -> list:
        return [self.call[(p, d, k)] for k, _ in self.pools if (p, d, k) in self.call]

    def all_windows(self, p: int) -> list[Window]:
        seen, out = set(), []
        for w in self.windows.get(p, []) + self.extra_windows.get(p, []):
            if w[:2] not in seen:
                seen.add(w[:2])
                out.append(w)
        return out


def segment_labels(problem: Problem, rot_day: np.ndarray, p: int) -> list[str]:
    """The duty-period derivation's rotation segment label per day: "<rotation> B<block>[/1|/2]"."""
    labels = [""] * problem.n_days
    for b in problem.program.year.blocks:
        h1, h2 = problem.block_halves(b.number)
        r1, r2 = rot_day[p, h1.d0], rot_day[p, h2.d0]
        for hb, r, suffix in ((h1, r1, "/1"), (h2, r2, "/2")):
            if r < 0:
                continue
            tail = "" if r1 == r2 else suffix
            for d in range(hb.d0, hb.d1):
                labels[d] = f"{problem.rotations[r].abbreviation} B{b.number}{tail}"
    return labels


def person_windows(problem: Problem, rot_day: np.ndarray, p: int) -> list[Window]:
    labels = segment_labels(problem, rot_day, p)
    w = acgme_windows(labels, 0, problem.n_days)
    return [(int(a), int(b), lab) for a, b, lab in zip(w.i0, w.i1, w.labels, strict=True)]


def day_limits(problem: Problem) -> list[Limits]:
    packs = PackSet()
    return [packs.limits_on(d) for d in problem.days]


def base_intervals(problem: Problem, grid: np.ndarray, p: int) -> list[list[tuple[int, int]]]:
    return [problem.day_intervals(d, int(grid[p, d, 0]), int(grid[p, d, 1])) for d in range(problem.n_days)]


def minutes_by_day(problem: Problem, spans: list[tuple[int, int]], day: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for s, e in spans:
        for k, m in problem.split_by_day(s, e, day):
            out[k] = out.get(k, 0) + m
    return out


def merged_run(spans: list[tuple[int, int]], target: tuple[int, int]) -> tuple[int, int]:
    """The maximal run of touching or overlapping spans that contains ``target``."""
    spans = sorted(spans + [target])
    runs: list[list[int]] = []
    for s, e in spans:
        if runs and s <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], e)
        else:
            runs.append([s, e])
    for s, e in runs:
        if s <= target[0] and target[1] <= e:
            return s, e
    return target
