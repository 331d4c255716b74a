"""Greedy layer 2b: in-house call, post-call and days off under the ACGME limits.

Same availability and minute definitions as the CP-SAT layer (``call_available``, the ACGME windows,
``minutes_by_day``, ``window_facts``): per ACGME window of each resident it keeps the counted minutes
(WH-01), the free days (OFF-01) and the calls (CALL-01), and updates them as calls and days off are
placed.

1. Calls, most-constrained night first (fewest residents who can legally take it). Among the
   residents who can take it without a call the night before or after, and whose windows stay
   repairable by days off, the one whose call costs least: equity by category (tenths of a call
   from the fair share, CALL-EQ), spacing (CALL-SPACE), the days off it forces. A night nobody can
   take is first freed by moving a neighbouring call of a blocked resident to somebody else; failing
   that it is left short and reported.
2. Days off, window by window, until one day in seven is free and the hours are within 80 a week:
   cheapest day first (service days, then clinic, then education days), spread through the window.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from residency.domain.schedule import CallAssignment
from residency.scheduling.constraints.acgme import window_facts
from residency.scheduling.constraints.call import (
    CATEGORIES,
    afternoon_cell,
    call_available,
    equity_targets,
    post_call_cells,
)
from residency.scheduling.constraints.preference import call_costs
from residency.scheduling.fill import Base
from residency.scheduling.problem import Problem
from residency.scheduling.residents import ResidentResult
from residency.scheduling.resvars import (
    ResidentVars,
    Window,
    base_intervals,
    day_limits,
    minutes_by_day,
    person_windows,
)


@dataclass
class _Win:
    i0: int
    i1: int
    label: str
    eff: int
    judged: bool
    allowed: int  # minutes x 7 may not exceed this
    per: int
    every: int
    minutes: int = 0
    calls: int = 0
    days: list[int] = field(default_factory=list)  # days that count as free days when free


@dataclass
class _Person:
    p: int
    wins: list[_Win] = field(default_factory=list)
    by_day: list[list[int]] = field(default_factory=list)  # day -> window indices
    own: list[dict[int, int]] = field(default_factory=list)  # day -> {day: counted minutes}
    busy: list[bool] = field(default_factory=list)  # counted or leave cells on the day
    spill: list[bool] = field(default_factory=list)  # the day's work runs past midnight
    offerable: list[bool] = field(default_factory=list)  # may become OFF
    off: set[int] = field(default_factory=set)
    call: dict[int, int] = field(default_factory=dict)  # night -> pool index
    cost: np.ndarray | None = None  # GRID-DAYOFF cost per day


class _Cached:
    """The Problem with its clock look-ups memoised (the same answers, computed once): the shared
    availability test ``call_available`` asks for the same day intervals and shift spans many times."""

    def __init__(self, problem: Problem) -> None:
        self._pr = problem
        self._iv: dict = {}
        self._ps: dict = {}
        self._cs: dict = {}

    def __getattr__(self, name: str):
        return getattr(self._pr, name)

    def day_intervals(self, day: int, am: int, pm: int):
        key = (day, am, pm)
        out = self._iv.get(key)
        if out is None:
            out = self._iv[key] = self._pr.day_intervals(day, am, pm)
        return list(out)

    def pool_span(self, pool, day: int):
        key = (id(pool), day)
        out = self._ps.get(key)
        if out is None:
            out = self._ps[key] = self._pr.pool_span(pool, day)
        return out

    def cell_span(self, day: int, c: int, half: int):
        key = (day, c, half)
        out = self._cs.get(key)
        if out is None:
            out = self._cs[key] = self._pr.cell_span(day, c, half)
        return out


class _Layer:
    def __init__(self, problem: Problem, base: Base, extra: dict[int, list[Window]] | None) -> None:
        self.pr = problem
        pr = _Cached(problem)
        self.base = base
        self.residents = [p for p in problem.residents if problem.in_scope(p)]
        self.pools = [(k, c) for k, c in enumerate(problem.program.call_pools) if c in problem.resident_pools()]
        v = self.v = ResidentVars(pr, base, self.residents, self.pools, limits=day_limits(problem))  # type: ignore[arg-type]
        v.extra_windows = extra or {}
        for p in self.residents:
            v.intervals[p] = base_intervals(pr, base.grid, p)  # type: ignore[arg-type]
            v.windows[p] = person_windows(problem, base.rot_day, p)
        self.kept: Counter = Counter()
        self.kept_nights: dict[int, set[int]] = {}
        if problem.keep is not None:
            names = {c.name: k for k, c in self.pools}
            for c in problem.keep.calls:
                p = problem.pidx.get(c.person)
                if c.pool in names and p is not None and problem.start <= c.night:
                    d = (c.night - problem.start).days
                    if d < problem.n_days and problem.call_kept(p, d):
                        self.kept[(names[c.pool], d)] += 1
                        self.kept_nights.setdefault(p, set()).add(d)
        self.span = {(k, d): pr.pool_span(pool, d) for k, pool in self.pools for d in pr.pool_nights(pool)}
        self.call_min = {key: pr.split_by_day(s, e, key[1]) for key, (s, e) in self.span.items()}
        self.people = {p: self._person(p) for p in self.residents}
        self.pref: dict[tuple[int, int], dict[int, int]] = {}

    # ----- bookkeeping ----------------------------------------------------------------------------
    def _person(self, p: int) -> _Person:
        pr, v, grid = self.pr, self.v, self.base.grid
        st = _Person(p)
        st.own = [minutes_by_day(pr, v.intervals[p][d], d) for d in range(pr.n_days)]
        counted, leave = pr.counted, pr.is_leave
        row = grid[p].tolist()
        locked = self.base.locked[p].any(axis=1).tolist()
        mid = pr.midnight.tolist()
        st.busy = [any(counted[c] or leave[c] for c in row[d]) for d in range(pr.n_days)]
        st.spill = [any(e > mid[d + 1] for _s, e in v.intervals[p][d]) for d in range(pr.n_days)]
        st.offerable = [
            not locked[d] and min(row[d]) >= 0 and any(counted[c] for c in row[d]) for d in range(pr.n_days)
        ]
        from residency.domain.program import ActivityCategory

        cost = np.ones(pr.n_days)
        for d in range(pr.n_days):
            cats = {pr.acts[int(c)].category for c in grid[p, d] if c >= 0}
            loads = any(int(c) in pr.clinic_load for c in grid[p, d])
            cost[d] = 10 if ActivityCategory.EDUCATION in cats else 4 if loads else 1
        st.cost = cost
        st.by_day = [[] for _ in range(pr.n_days)]
        for i0, i1, label in v.all_windows(p):
            eff, judged = window_facts(v, p, i0, i1)
            allowed = sum(v.limits[d].weekly_cap_min for d in range(i0, i1) if not pr.leave_day[p, d])
            per = min(v.limits[d].days_off_per for d in range(i0, i1))
            every = max(v.limits[d].call_every for d in range(i0, i1))
            w = _Win(i0, i1, label, eff, judged, allowed, per, every)
            w.days = [d for d in range(i0 + 1, i1) if self.counts_free(st, w, d)]
            for d in range(max(i0 - 1, 0), i1):
                w.minutes += sum(m for k, m in st.own[d].items() if i0 <= k < i1)
            st.wins.append(w)
            for d in range(i0, i1):
                st.by_day[d].append(len(st.wins) - 1)
        return st

    def free(self, st: _Person, d: int) -> bool:
        if d < 0 or d >= self.pr.n_days:
            return False
        if st.busy[d] and d not in st.off:
            return False
        if d > 0 and st.spill[d - 1] and (d - 1) not in st.off:
            return False
        if d in st.call:
            return False
        k = st.call.get(d - 1)
        return not (k is not None and self.span[(k, d - 1)][1] > self.pr.midnight[d])

    def counts_free(self, st: _Person, w: _Win, d: int) -> bool:
        pr = self.pr
        return (w.i0 < d < w.i1 and not pr.leave_day[st.p, d] and not pr.leave_day[st.p, d - 1]
                and pr.midnight[d + 1] - pr.midnight[d] >= 1440)  # fmt: skip

    def free_count(self, st: _Person, w: _Win) -> int:
        # the engine's window starts at the first duty period of the segment: free days before the
        # first worked day (and after the last) do not count
        free, duty = self.free, self.duty
        first = next((d for d in range(w.i0, w.i1) if duty(st, d)), None)
        if first is None:
            return 0
        last = next(d for d in range(w.i1 - 1, w.i0 - 1, -1) if duty(st, d))
        return sum(1 for d in w.days if first < d < last and free(st, d))

    def duty(self, st: _Person, d: int) -> bool:
        """Does a duty period start on day d (its own counted cells, or a call)?"""
        return d in st.call or (bool(st.own[d]) and d not in st.off and (d - 1) not in st.call)

    def wins_of(self, st: _Person, days) -> set[int]:
        out: set[int] = set()
        for d in days:
            if 0 <= d < self.pr.n_days:
                out.update(st.by_day[d])
        return out

    def _removed(self, st: _Person, d: int) -> bool:
        return d in st.off or (d - 1) in st.call

    def _minutes_delta_remove(self, st: _Person, d: int, sign: int) -> None:
        for k, m in st.own[d].items():
            for wi in st.by_day[k] if 0 <= k < self.pr.n_days else ():
                st.wins[wi].minutes += sign * m

    def add_call(self, st: _Person, d: int, k: int) -> None:
        st.call[d] = k
        for day, m in self.call_min[(k, d)]:
            for wi in st.by_day[day]:
                st.wins[wi].minutes += m
        if not self.pr.leave_day[st.p, d]:
            for wi in st.by_day[d]:
                st.wins[wi].calls += 1
        if d + 1 < self.pr.n_days and d + 1 not in st.off:
            self._minutes_delta_remove(st, d + 1, -1)

    def remove_call(self, st: _Person, d: int) -> None:
        k = st.call.pop(d)
        for day, m in self.call_min[(k, d)]:
            for wi in st.by_day[day]:
                st.wins[wi].minutes -= m
        if not self.pr.leave_day[st.p, d]:
            for wi in st.by_day[d]:
                st.wins[wi].calls -= 1
        if d + 1 < self.pr.n_days and d + 1 not in st.off:
            self._minutes_delta_remove(st, d + 1, +1)

    def add_off(self, st: _Person, d: int) -> None:
        if not self._removed(st, d):
            self._minutes_delta_remove(st, d, -1)
        st.off.add(d)

    # ----- window state ---------------------------------------------------------------------------
    def need_off(self, st: _Person, w: _Win) -> int:
        """Days off a window still needs (0 = both OFF-01 and WH-01 hold)."""
        if not w.judged:
            return 0
        lack = -(-w.eff // w.per) - self.free_count(st, w)
        over = 7 * w.minutes - w.allowed
        wh = 0
        if over > 0:
            wh = -(-over // (7 * 600))  # a day off removes about 10 h
        return max(lack, wh, 0)

    def repairable(self, st: _Person, w: _Win) -> bool:
        """Could days off still satisfy the window (every convertible day turned OFF)?"""
        if not w.judged:
            return True
        if w.every * w.calls > w.eff:
            return False
        conv = [d for d in range(w.i0, w.i1) if self._convertible(st, d)]
        gain = sum(sum(m for k, m in st.own[d].items() if w.i0 <= k < w.i1) for d in conv)
        if 7 * (w.minutes - gain) > w.allowed:
            return False
        added = set(conv[1:-1])  # the window's first and last worked days stay worked (its edges)
        st.off |= added
        try:
            f = self.free_count(st, w)
        finally:
            st.off -= added
        return w.per * f >= w.eff

    def _convertible(self, st: _Person, d: int) -> bool:
        return bool(st.offerable[d]) and d not in st.off and d not in st.call and (d - 1) not in st.call

    # ----- calls ----------------------------------------------------------------------------------
    def candidates(self) -> dict[tuple[int, int], list[int]]:
        out: dict[tuple[int, int], list[int]] = {}
        for k, pool in self.pools:
            members = set(self.pr.pool_members(pool))
            for d in self.pr.pool_nights(pool):
                out[(k, d)] = [p for p in self.residents if p in members and call_available(self.v, p, d, pool) is None]
        return out

    def can_call(self, st: _Person, d: int) -> bool:
        if d in st.call or (d - 1) in st.call or (d + 1) in st.call:
            return False
        kept = self.kept_nights.get(st.p, ())
        if d in kept or (d - 1) in kept or (d + 1) in kept:
            return False
        return (d + 1) not in st.off

    def try_call(self, st: _Person, d: int, k: int) -> int | None:
        """Days off the call would force (None: it would break a window beyond repair)."""
        wins = self.wins_of(st, (d, d + 1, d + 2))
        before = sum(self.need_off(st, st.wins[i]) for i in wins)
        self.add_call(st, d, k)
        try:
            after = 0
            for i in wins:
                w = st.wins[i]
                if w.judged and w.every * w.calls > w.eff:
                    return None
                n = self.need_off(st, w)
                if n and not self.repairable(st, w):
                    return None
                after += n
            return after - before
        finally:
            self.remove_call(st, d)

    def assign_calls(self, rng: random.Random) -> list[CallAssignment]:
        pr = self.pr
        cands = self.candidates()
        need: dict[tuple[int, int], int] = {}
        for (k, d), ps in cands.items():
            need[(k, d)] = self.pools_by_k[k].per_night - self.kept[(k, d)]
            if len(ps) < need[(k, d)]:
                pool = self.pools_by_k[k]
                reasons = Counter(
                    call_available(self.v, p, d, pool) or "available"
                    for p in pr.pool_members(pool)
                    if p in self.residents
                )
                why = "; ".join(f"{n} {r}" for r, n in reasons.most_common(3))
                self.v.uncovered.append(
                    f"{pool.name} {pr.days[d]}: {len(ps)} of {need[(k, d)]} can legally take it ({why})"
                )
        # equity targets, as CALL-EQ computes them
        avail: dict[int, Counter] = {p: Counter() for p in self.residents}
        demand: Counter = Counter()
        for (k, d), ps in cands.items():
            for p in ps:
                avail[p][pr.night_category(d)] += 1
            demand[pr.night_category(d)] += max(need[(k, d)], 0)
        fte = {p: pr.program.people[p].fte or 1.0 for p in self.residents}
        self.avail = avail
        self.targets = equity_targets(avail, fte, demand)
        self.got: dict[int, Counter] = {p: Counter() for p in self.residents}
        order = sorted(cands, key=lambda kd: (len(cands[kd]), rng.random()))
        short: list[tuple[int, int, int]] = []
        for k, d in order:
            for _ in range(max(min(need[(k, d)], len(cands[(k, d)])), 0)):
                if not self._place(k, d, cands[(k, d)], rng) and not self._eject(k, d, cands, rng):
                    short.append((k, d, 1))
        for k, d, n in short:
            pool = self.pools_by_k[k]
            self.v.uncovered.append(f"{pool.name} {pr.days[d]}: {n} short (no legal assignment found)")
        self.short = short
        calls = []
        for p in self.residents:
            for d, k in self.people[p].call.items():
                calls.append(CallAssignment(pr.people[p], pr.days[d], pr.program.call_pools[k].name))
        calls.sort(key=lambda c: (c.night, c.pool, c.person))
        return calls

    @property
    def pools_by_k(self):
        return dict(self.pools)

    def _score(self, p: int, d: int, k: int, forced: int) -> float:
        cat = self.pr.night_category(d)
        t10 = 10 * self.targets[p][cat]
        g10 = 10 * self.got[p][cat]
        eq = abs(g10 + 10 - t10) - abs(g10 - t10)
        st = self.people[p]
        space = sum(1 for e in (d - 2, d + 2) if e in st.call)
        total_t = sum(self.targets[p].values()) or 1.0
        load = sum(self.got[p].values()) / total_t
        pref = 0
        if self.pr.options.preferences:  # CALL-PREF: learned preferences (weight 1)
            if (k, d) not in self.pref:
                self.pref[(k, d)] = call_costs(self.pr, self.pr.program.call_pools[k], d)
            pref = self.pref[(k, d)].get(p, 0)
        return 2 * eq + 3 * space + 4 * forced + pref + load

    def _place(self, k: int, d: int, ps: list[int], rng: random.Random, exclude: int | None = None) -> bool:
        # cheap part of the cost first; the days off a call forces (>= 0 in practice) only for the
        # candidates that can still win
        cheap = sorted(
            (self._score(p, d, k, 0) + 1e-3 * rng.random(), p)
            for p in ps
            if p != exclude and self.can_call(self.people[p], d)
        )
        best, best_s = None, None
        for c, p in cheap:
            if best_s is not None and c >= best_s:
                break
            forced = self.try_call(self.people[p], d, k)
            if forced is None:
                continue
            s = c + 4 * forced
            if best_s is None or s < best_s:
                best, best_s = p, s
        if best is None:
            return False
        self.add_call(self.people[best], d, k)
        self.got[best][self.pr.night_category(d)] += 1
        return True

    def _eject(self, k: int, d: int, cands: dict, rng: random.Random) -> bool:
        """Free a blocked resident by moving their neighbouring call to somebody else."""
        for p in cands[(k, d)]:
            st = self.people[p]
            for e in (d - 1, d + 1):
                ke = st.call.get(e)
                if ke is None or d in st.call:
                    continue
                self.remove_call(st, e)
                self.got[p][self.pr.night_category(e)] -= 1
                if self.can_call(st, d) and self.try_call(st, d, k) is not None:
                    self.add_call(st, d, k)
                    self.got[p][self.pr.night_category(d)] += 1
                    if self._place(ke, e, cands[(ke, e)], rng, exclude=p):
                        return True
                    self.remove_call(st, d)
                    self.got[p][self.pr.night_category(d)] -= 1
                self.add_call(st, e, ke)
                self.got[p][self.pr.night_category(e)] += 1
        return False

    # ----- days off -------------------------------------------------------------------------------
    def days_off(self) -> None:
        for p in self.residents:
            st = self.people[p]
            for w in st.wins:
                guard = 0
                while self.need_off(st, w) > 0 and guard < w.i1 - w.i0:
                    guard += 1
                    d = self._best_off(st, w)
                    if d is None:
                        break
                    self.add_off(st, d)

    def _best_off(self, st: _Person, w: _Win) -> int | None:
        before = self.free_count(st, w)
        lacking_free = w.per * before < w.eff
        duty = [d for d in range(w.i0, w.i1) if self.duty(st, d)]
        first, last = (duty[0], duty[-1]) if duty else (w.i0, w.i1)
        counted = set(w.days)
        best, best_s = None, None
        frees = [d for d in range(w.i0, w.i1) if self.free(st, d)]

        def inside(e: int) -> bool:
            return e in counted and first < e < last and self.free(st, e)

        for d in range(w.i0, w.i1):
            if not self._convertible(st, d):
                continue
            gain_free = 0
            if lacking_free:
                if d <= first or d >= last:
                    continue  # an edge day off does not count (the window would start later)
                was = inside(d) + inside(d + 1)
                st.off.add(d)
                gain_free = inside(d) + inside(d + 1) - was
                st.off.discard(d)
                if gain_free <= 0:
                    continue
            gap = min((abs(d - f) for f in frees), default=7)
            s = st.cost[d] - 0.1 * min(gap, 7) - 2 * gain_free
            if best_s is None or s < best_s:
                best, best_s = d, s
        return best

    # ----- result ---------------------------------------------------------------------------------
    def grid(self) -> np.ndarray:
        pr = self.pr
        grid = self.base.grid.copy()
        off_code = pr.code(pr.options.day_off_code, "OFF", "W")
        for p in self.residents:
            st = self.people[p]
            for d in st.off:
                grid[p, d] = off_code
            for d, k in st.call.items():
                pool = pr.program.call_pools[k]
                grid[p, d, 1] = afternoon_cell(pr, pool, d, int(grid[p, d, 1]))
                if d + 1 < pr.n_days and pool.post_call_codes:
                    for h, code in enumerate(post_call_cells(pr, pool, d + 1, pr.people[p])):
                        grid[p, d + 1, h] = pr.cidx[code]
        return grid

    def breakdown(self) -> dict[str, float]:
        """The CP-SAT layer's objective terms evaluated on this solution."""
        eq = 0.0
        for p in self.residents:
            for cat in CATEGORIES:
                if self.avail[p][cat]:
                    eq += abs(10 * self.got[p][cat] - round(10 * self.targets[p][cat]))
        space = sum(1 for p in self.residents for d in self.people[p].call if d + 2 in self.people[p].call)
        dayoff = sum(self.people[p].cost[d] for p in self.residents for d in self.people[p].off)
        short = sum(n for _k, _d, n in self.short)
        out = {"CALL-EQ": 2.0 * eq, "CALL-SPACE": 3.0 * space, "GRID-DAYOFF": float(dayoff)}
        if short:
            out["CALL-COVER"] = 1000.0 * short
        return out


def greedy_residents(
    problem: Problem, base: Base, extra: dict[int, list[Window]] | None = None, seed: int = 0
) -> ResidentResult:
    rng = random.Random(seed)
    layer = _Layer(problem, base, extra)
    calls = layer.assign_calls(rng)
    layer.days_off()
    grid = layer.grid()
    bd = layer.breakdown()
    broken = sum(1 for st in layer.people.values() for w in st.wins if layer.need_off(st, w) or
                 (w.judged and w.every * w.calls > w.eff))  # fmt: skip
    status = "feasible" if broken == 0 else "violated"
    return ResidentResult(status, grid, calls, sum(bd.values()), None, bd, layer.v.uncovered)


def add_days_off(problem: Problem, base: Base, grid: np.ndarray, calls: list[CallAssignment],
                 flagged: list[tuple[int, int, int]]) -> int:  # fmt: skip
    """One more day off in each window the compliance engine flagged (resident p, days [i0, i1)):
    the cheapest worked day that is not a call or post-call day, as far as possible from other days
    off. Returns the number of days added. Turning a clinic day off never breaks supervision."""
    pr = problem
    off_code = pr.code(pr.options.day_off_code, "OFF", "W")
    nights: dict[int, set[int]] = {}
    for c in calls:
        p = pr.pidx.get(c.person)
        if p is not None:
            nights.setdefault(p, set()).add((c.night - pr.start).days)
    from residency.domain.program import ActivityCategory

    added = 0
    for p, i0, i1 in flagged:
        ns = nights.get(p, set())
        best, best_s = None, None
        for d in range(i0, i1):
            cells = grid[p, d]
            if base.locked[p, d].any() or (cells < 0).any() or not any(pr.counted[c] for c in cells):
                continue
            if d in ns or (d - 1) in ns or (d + 1) in ns or (cells == off_code).all():
                continue
            cats = {pr.acts[int(c)].category for c in cells}
            cost = (
                10 if ActivityCategory.EDUCATION in cats else 4 if any(int(c) in pr.clinic_load for c in cells) else 1
            )
            offs = [e for e in range(i0, i1) if (grid[p, e] == off_code).all()]
            gap = min((abs(d - e) for e in offs), default=7)
            s = cost - 0.1 * min(gap, 7) + (5 if d in (i0, i1 - 1) else 0)
            if best_s is None or s < best_s:
                best, best_s = d, s
        if best is not None:
            grid[p, best] = off_code
            added += 1
    return added
