"""Greedy layer 3a: faculty teaching (FMIT) weeks and staff call.

Teaching weeks, the week with the fewest available attendings first: the available attending
(no absence or kept cell that week, not on the teaching service the week before or after) furthest
below their FTE share of the year's weeks. Staff call, the night with the fewest available members
first: a member not absent or fixed that night or the next day, not on the teaching week of the night
or the next day, not on call the night before or after, whose call moves them least away from their
fair share of that category of night (weeknight, Sunday, holiday...), then the least loaded. A night
nobody can take frees a member by moving their neighbouring call; failing that it is reported.
"""

from __future__ import annotations

import random
from collections import Counter

from residency.domain.schedule import CallAssignment
from residency.scheduling.constraints.call import CATEGORIES, equity_targets
from residency.scheduling.faculty import (
    FacultyResult,
    FacultyVars,
    fmit_available,
    schedulable,
    staff_call_available,
    week_of_day,
    weeks_of,
)
from residency.scheduling.problem import Problem


def greedy_faculty(problem: Problem, seed: int = 0) -> FacultyResult:
    pr = problem
    faculty = [f for f in pr.faculty if pr.in_scope(f) and schedulable(pr, f)]
    pools = [(k, c) for k, c in enumerate(pr.program.call_pools) if c in pr.faculty_pools()]
    v = FacultyVars(pr, faculty, weeks_of(pr), pools)
    weeks = v.weeks
    wod = week_of_day(weeks)
    fmit_code = pr.cidx.get(pr.options.faculty_fmit_code)
    kept_fmit: Counter = Counter()
    kept_calls: Counter = Counter()
    kept_nights: dict[int, set[int]] = {}
    if pr.keep is not None:
        names = {c.name: k for k, c in pools}
        for f in pr.faculty:
            if pr.in_scope(f) or fmit_code is None:
                continue
            for w, ds in enumerate(weeks):
                if any(pr.fixed[f, d, 0] == fmit_code for d in ds):
                    kept_fmit[w] += 1
        for c in pr.keep.calls:
            f = pr.pidx.get(c.person)
            if c.pool in names and f is not None and pr.start <= c.night:
                d = (c.night - pr.start).days
                if d < pr.n_days and pr.call_kept(f, d):
                    kept_calls[(names[c.pool], d)] += 1
                    kept_nights.setdefault(f, set()).add(d)
    fte = {f: pr.program.people[f].fte or 1.0 for f in faculty}
    uncovered: list[str] = []

    # ----- teaching weeks, then staff call; again with other tie-breaks while a night is left short
    total = len(weeks) - sum(kept_fmit.values())
    t10 = {f: round(10 * total * fte[f] / sum(fte.values())) for f in faculty} if faculty else {}
    avail_w = {w: [f for f in faculty if fmit_available(pr, f, ds)] for w, ds in enumerate(weeks)}
    cands: dict[tuple[int, int], list[int]] = {}
    for k, pool in pools:
        members = set(pr.pool_members(pool))
        for d in pr.pool_nights(pool):
            cands[(k, d)] = [f for f in faculty if f in members and staff_call_available(v, f, d)]
    need = {key: dict(pools)[key[0]].per_night - kept_calls[key] for key in cands}
    avail_cat: dict[int, Counter] = {f: Counter() for f in faculty}
    demand: Counter = Counter()
    for (k, d), fs in cands.items():
        for f in fs:
            avail_cat[f][pr.night_category(d)] += 1
        demand[pr.night_category(d)] += max(need[(k, d)], 0)
    targets = equity_targets(avail_cat, fte, demand)
    best = None
    for attempt in range(RESTARTS):
        arng = random.Random(f"{seed}:{attempt}")
        fmit, open_weeks = _teaching_weeks(weeks, faculty, avail_w, kept_fmit, t10, fmit_code is not None, arng)
        got, calls, short = _staff_calls(
            pr, cands, need, targets, fmit, wod, kept_nights, faculty, arng, chrono=attempt % 2 == 0
        )
        eq = sum(abs(10 * got[f][c] - round(10 * targets[f][c])) for f in faculty for c in CATEGORIES)
        fair = sum(abs(10 * len(fmit[f]) - t10[f]) for f in faculty)
        key = (len(short) + len(open_weeks), eq + fair)
        if best is None or key < best[0]:
            best = (key, fmit, open_weeks, got, calls, short)
        if not short and not open_weeks:
            break
    assert best is not None
    _key, fmit, open_weeks, got, calls, short = best
    for w in open_weeks:
        uncovered.append(f"teaching week of {pr.days[weeks[w][0]]}: no faculty available")
    for k, d in sorted(cands):
        pool = dict(pools)[k]
        if len(cands[(k, d)]) < need[(k, d)]:
            uncovered.append(f"{pool.name} {pr.days[d]}: only {len(cands[(k, d)])} of {need[(k, d)]} faculty available")
    for k, d in short:
        uncovered.append(f"{dict(pools)[k].name} {pr.days[d]}: 1 short (no legal assignment found)")

    out_calls = [
        CallAssignment(pr.people[f], pr.days[d], pr.program.call_pools[k].name)
        for f in faculty
        for d, k in calls[f].items()
    ]
    out_calls.sort(key=lambda c: (c.night, c.pool, c.person))
    weeks_out = {f: sorted(ws) for f, ws in fmit.items() if ws}
    # the CP-SAT layer's objective terms on this solution
    fair = 0.0
    if fmit_code is not None and faculty:
        total = len(weeks) - sum(kept_fmit.values())
        for f in faculty:
            if any(fmit_available(pr, f, ds) for ds in weeks):
                fair += abs(10 * len(fmit[f]) - round(10 * total * fte[f] / sum(fte.values())))
    eq = sum(
        abs(10 * got[f][cat] - round(10 * targets[f][cat])) for f in faculty for cat in CATEGORIES if avail_cat[f][cat]
    )
    bd = {"FAC-FMIT-FAIR": 2.0 * fair, "FAC-CALL-EQ": 2.0 * eq}
    status = "feasible" if not any("short" in u or "no faculty" in u for u in uncovered) else "violated"
    return FacultyResult(status, weeks_out, out_calls, weeks, sum(bd.values()), None, bd, uncovered)


RESTARTS = 8  # faculty passes (teaching weeks, staff call) with other tie-breaks while one leaves a gap
CHAIN_DEPTH = 3  # ejection chain: calls moved to free a member for a night nobody can take


def _teaching_weeks(weeks, faculty, avail, kept_fmit, t10, enabled, rng):
    """Scarcest week first: the available attending (not the week before or after) furthest below
    their FTE share. Returns the weeks per attending and the weeks nobody could take."""
    fmit: dict[int, set[int]] = {f: set() for f in faculty}
    open_weeks: list[int] = []
    if not enabled or not faculty:
        return fmit, open_weeks
    for w in sorted(range(len(weeks)), key=lambda w: (len(avail[w]), rng.random())):
        if kept_fmit[w] >= 1:
            continue
        best, best_s = None, None
        for f in avail[w]:
            if (w - 1) in fmit[f] or (w + 1) in fmit[f]:
                continue
            n10 = 10 * len(fmit[f])
            s = abs(n10 + 10 - t10[f]) - abs(n10 - t10[f]) + 1e-3 * rng.random()
            if best_s is None or s < best_s:
                best, best_s = f, s
        if best is None:
            open_weeks.append(w)
        else:
            fmit[best].add(w)
    return fmit, sorted(open_weeks)


def _staff_calls(pr, cands, need, targets, fmit, wod, kept_nights, faculty, rng, chrono=True):
    """One staff-call pass: scarcest night first, the member whose call costs least (equity by
    category, spacing, load); a night nobody can take frees a member by an ejection chain."""
    got: dict[int, Counter] = {f: Counter() for f in faculty}
    calls: dict[int, dict[int, int]] = {f: {} for f in faculty}

    def fmit_ok(f: int, d: int) -> bool:
        kn = kept_nights.get(f, ())
        if d in kn or (d - 1) in kn or (d + 1) in kn:
            return False
        return all(wod.get(day) not in fmit[f] for day in (d, d + 1) if day < pr.n_days)

    def free_for(f: int, d: int) -> bool:
        c = calls[f]
        return d not in c and (d - 1) not in c and (d + 1) not in c and fmit_ok(f, d)

    def score(f: int, d: int) -> float:
        cat = pr.night_category(d)
        t, g = 10 * targets[f][cat], 10 * got[f][cat]
        load = sum(got[f].values()) / (sum(targets[f].values()) or 1.0)
        space = sum(1 for e in (d - 2, d + 2) if e in calls[f])
        return abs(g + 10 - t) - abs(g - t) + 2 * space + load + 1e-3 * rng.random()

    def put(f: int, d: int, k: int) -> None:
        calls[f][d] = k
        got[f][pr.night_category(d)] += 1

    def take(f: int, d: int) -> int:
        got[f][pr.night_category(d)] -= 1
        return calls[f].pop(d)

    def place(k: int, d: int, banned: frozenset) -> bool:
        fs = [f for f in cands[(k, d)] if f not in banned and free_for(f, d)]
        if not fs:
            return False
        put(min(fs, key=lambda f: score(f, d)), d, k)
        return True

    def chain(k: int, d: int, depth: int, banned: frozenset) -> bool:
        if place(k, d, banned):
            return True
        if depth == 0:
            return False
        for f in sorted(cands[(k, d)], key=lambda f: score(f, d)):
            if f in banned or d in calls[f] or not fmit_ok(f, d):
                continue
            blockers = [e for e in (d - 1, d + 1) if e in calls[f]]
            if not blockers:
                continue
            saved = ({g: dict(c) for g, c in calls.items()}, {g: Counter(c) for g, c in got.items()})
            moved = [(e, take(f, e)) for e in blockers]
            put(f, d, k)
            if all(chain(ke, e, depth - 1, banned | {f}) for e, ke in moved):
                return True
            calls.clear()
            calls.update(saved[0])
            got.clear()
            got.update(saved[1])
        return False

    short = []
    # scarcest night first, then in date order (runs of nights alternate between few members: a
    # night decided out of order can force two nights running later); later passes shuffle the ties
    for k, d in sorted(cands, key=lambda kd: (len(cands[kd]), kd[1] if chrono else rng.random())):
        for _ in range(max(min(need[(k, d)], len(cands[(k, d)])), 0)):
            if not chain(k, d, CHAIN_DEPTH, frozenset()):
                short.append((k, d))
    return got, calls, short
