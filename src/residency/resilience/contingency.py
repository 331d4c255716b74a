"""Contingency analysis: N-1 (every person) and N-2 (every pair of faculty).

A person (or pair) is removed for the whole horizon. In every unit (half-day or night) of the horizon
the hard requirements — clinic supervision (with credentials for procedure clinics), each call pool's
nightly slots, each rotation's minimum staffing — must still be met by the people left, each taking
at most one requirement per unit, chosen among the unit's candidates (see ``demand``). That is an
exact bipartite b-matching per unit (``demand.match_groups``), not a heuristic.

Speed comes from three facts:
- a unit's maximum matching M keeps its size when someone outside M is removed, so N-1 only
  re-solves (unit, person) pairs where the person is matched in M;
- a pair (x, y) can break a unit only if one of them is matched there and the other is a candidate
  there; all other pairs are pruned without solving (``pairs_pruned``), and a unit that already fails
  for x or y alone is not re-solved for the pair;
- a unit whose requirement groups have disjoint candidate sets is decided by counting (Hall's
  condition per group); matchings are memoised by the exact graph.

Units that fail with nobody removed are reported once as ``baseline_failures``. A loss "breaks" a
unit when the maximum number of slots filled drops below the baseline's, so a person still counts
in a unit that is already short (the only vasectomy-credentialed faculty member on a day with more
vasectomy residents than holders). The per-person lists name what each loss *adds*.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from residency.domain.program import Program
from residency.domain.schedule import Schedule
from residency.resilience.demand import (
    PERIODS,
    Demand,
    DemandConfig,
    Unit,
    build_demand,
    match_groups,
    short_services,
    unit_groups,
)


@dataclass(frozen=True, slots=True)
class UnitFailure:
    day: date
    period: str
    services: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "period": self.period, "services": list(self.services)}


@dataclass(frozen=True, slots=True)
class LossImpact:
    """What losing ``people`` for the horizon breaks (beyond the baseline and, for pairs, beyond
    each single loss)."""

    people: tuple[str, ...]
    failures: tuple[UnitFailure, ...]

    @property
    def fatal(self) -> bool:
        return bool(self.failures)

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({f.day for f in self.failures}))

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted({s for f in self.failures for s in f.services}))

    def to_dict(self, limit: int = 60) -> dict[str, Any]:
        return {
            "people": list(self.people),
            "fatal": self.fatal,
            "failing_units": len(self.failures),
            "days": [d.isoformat() for d in self.days[:limit]],
            "services": list(self.services),
            "failures": [f.to_dict() for f in self.failures[:limit]],
        }


@dataclass(frozen=True, slots=True)
class ContingencyResult:
    start: date
    days: int
    units: int
    baseline_failures: tuple[UnitFailure, ...]
    n1: tuple[LossImpact, ...]  # one per person checked (fatal or not)
    n2: tuple[LossImpact, ...] = ()  # only pairs whose joint loss breaks something neither alone does
    pairs_total: int = 0
    pairs_pruned: int = 0
    pairs_checked: int = 0
    n1_seconds: float = 0.0
    n2_seconds: float = 0.0
    n2_run: bool = False

    @property
    def fatal_people(self) -> tuple[str, ...]:
        return tuple(i.people[0] for i in self.n1 if i.fatal)

    @property
    def fatal_pairs(self) -> tuple[tuple[str, ...], ...]:
        return tuple(i.people for i in self.n2 if i.fatal)

    def impact_of(self, person: str) -> LossImpact:
        return next(i for i in self.n1 if i.people == (person,))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "units": self.units,
            "baseline_failures": [f.to_dict() for f in self.baseline_failures],
            "fatal_people": list(self.fatal_people),
            "n1": [i.to_dict() for i in self.n1 if i.fatal],
            "n2_run": self.n2_run,
            "fatal_pairs": [list(p) for p in self.fatal_pairs],
            "n2": [i.to_dict(limit=20) for i in self.n2],
            "pairs_total": self.pairs_total,
            "pairs_pruned": self.pairs_pruned,
            "pairs_checked": self.pairs_checked,
            "n1_seconds": round(self.n1_seconds, 3),
            "n2_seconds": round(self.n2_seconds, 3),
        }


class _Solver:
    """Feasibility of one unit with some people removed, against the unit's baseline."""

    def __init__(self, demand: Demand, units: list[Unit]) -> None:
        self.demand = demand
        self.units = units
        self.disjoint: list[bool] = []
        self.cand_union: list[int] = []
        self.baseline: list[int] = []  # slots filled by a maximum matching with nobody removed
        for u in units:
            seen, disjoint = 0, True
            for r in u.requirements:
                if seen & r.candidates:
                    disjoint = False
                seen |= r.candidates
            self.disjoint.append(disjoint)
            self.cand_union.append(seen)
            self.baseline.append(u.slots)

    def fails(self, k: int, removed: int) -> tuple[str, ...] | None:
        """Services left short in unit ``k`` without ``removed`` when that fills fewer slots than
        the baseline did; None when the loss is absorbed."""
        u = self.units[k]
        if self.disjoint[k]:
            counts = [min(r.count, (r.candidates & ~removed).bit_count()) for r in u.requirements]
            if sum(counts) >= self.baseline[k]:
                return None
            return tuple(r.service for r, c in zip(u.requirements, counts, strict=True) if c < r.count)
        filled, who = match_groups(unit_groups(u, removed))
        if filled >= self.baseline[k]:
            return None
        return short_services(u, who) or tuple(r.service for r in u.requirements)


def _failure(demand: Demand, unit: Unit, services: tuple[str, ...]) -> UnitFailure:
    return UnitFailure(demand.day_of(unit.day), PERIODS[unit.period], services)


def analyze_contingency(
    program: Program,
    schedule: Schedule,
    *,
    start: date | None = None,
    days: int | None = None,
    people: list[str] | None = None,
    pairs_of: list[str] | None = None,
    n2: bool = True,
    config: DemandConfig | None = None,
    demand: Demand | None = None,
) -> ContingencyResult:
    """N-1 over ``people`` (default: everyone in the schedule) and, when ``n2``, N-2 over the pairs
    of ``pairs_of`` (default: the faculty), for the horizon ``days`` from ``start`` (default: the
    whole schedule)."""
    demand = demand or build_demand(program, schedule, config)
    first, last = demand.window(start, days)
    units = demand.units(first, last)
    solver = _Solver(demand, units)
    index = {p: i for i, p in enumerate(demand.people)}

    t0 = time.perf_counter()
    baseline: list[UnitFailure] = []
    matched: list[int] = []  # bitmask of the people a maximum matching uses, per unit (0 if failing)
    for k, u in enumerate(units):
        prefer = 0
        for r in u.requirements:
            prefer |= r.assigned
        filled, who = match_groups(unit_groups(u), prefer)
        solver.baseline[k] = filled
        if filled < u.slots:
            baseline.append(_failure(demand, u, short_services(u, who)))
        m = 0
        for p in who:
            if p >= 0:
                m |= 1 << p
        matched.append(m)

    checked = [index[p] for p in (people if people is not None else demand.people) if p in index]
    single_fail: dict[int, dict[int, tuple[str, ...]]] = {i: {} for i in checked}
    wanted = 0
    for i in checked:
        wanted |= 1 << i
    for k, m in enumerate(matched):
        for i in _bit_list(m & wanted):
            short = solver.fails(k, 1 << i)
            if short:
                single_fail[i][k] = short
    n1 = tuple(
        LossImpact(
            (demand.people[i],),
            tuple(_failure(demand, units[k], s) for k, s in sorted(single_fail[i].items())),
        )
        for i in checked
    )
    t1 = time.perf_counter()

    n2_impacts: list[LossImpact] = []
    pairs_total = pairs_checked = 0
    pruned = 0
    if n2:
        pool_keys = (
            pairs_of if pairs_of is not None else [k for k, f in zip(demand.people, demand.faculty, strict=True) if f]
        )
        pool = [index[p] for p in pool_keys if p in index]
        pool_mask = 0
        for i in pool:
            pool_mask |= 1 << i
        pairs_total = len(pool) * (len(pool) - 1) // 2
        # single failures for pool members that were not in ``checked``
        for i in pool:
            if i not in single_fail:
                single_fail[i] = {}
                for k, m in enumerate(matched):
                    if m >> i & 1:
                        short = solver.fails(k, 1 << i)
                        if short:
                            single_fail[i][k] = short
        relevant: set[tuple[int, int]] = set()
        pair_fail: dict[tuple[int, int], dict[int, tuple[str, ...]]] = {}
        for k, m in enumerate(matched):
            if not m:
                continue
            cand = _bit_list(solver.cand_union[k] & pool_mask)
            for x in _bit_list(m & pool_mask):
                for y in cand:
                    if x == y:
                        continue
                    pair = (x, y) if x < y else (y, x)
                    relevant.add(pair)
                    if k in single_fail[x] or k in single_fail[y]:
                        continue
                    if pair in pair_fail and k in pair_fail[pair]:
                        continue
                    pairs_checked += 1
                    short = solver.fails(k, (1 << x) | (1 << y))
                    if short:
                        pair_fail.setdefault(pair, {})[k] = short
        pruned = pairs_total - len(relevant)
        for (x, y), fails in sorted(pair_fail.items()):
            n2_impacts.append(
                LossImpact(
                    (demand.people[x], demand.people[y]),
                    tuple(_failure(demand, units[k], s) for k, s in sorted(fails.items())),
                )
            )
        n2_impacts.sort(key=lambda i: (-len(i.failures), i.people))
    t2 = time.perf_counter()
    return ContingencyResult(
        start=demand.day_of(first),
        days=last - first,
        units=len(units),
        baseline_failures=tuple(baseline),
        n1=n1,
        n2=tuple(n2_impacts),
        pairs_total=pairs_total,
        pairs_pruned=pruned,
        pairs_checked=pairs_checked,
        n1_seconds=t1 - t0,
        n2_seconds=t2 - t1,
        n2_run=n2,
    )


def _bit_list(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out
