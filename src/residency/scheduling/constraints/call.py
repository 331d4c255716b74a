"""Resident in-house call: coverage, availability, post-call, equity and spacing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from residency.domain.program import CallPool
from residency.scheduling.blockvars import half_rotations
from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.problem import Problem
from residency.scheduling.resvars import ResidentVars, merged_run

CATEGORIES = ("weeknight", "friday", "saturday", "sunday", "holiday")


def call_available(v: ResidentVars, p: int, d: int, pool: CallPool) -> str | None:
    """Why resident p cannot take pool's call on night d (None = they can)."""
    pr, base = v.problem, v.base
    pgy = pr.pgy(p, d)
    if not pool.members and pool.eligible_pgy and pgy not in pool.eligible_pgy:
        return "not eligible"
    for day in (d, d + 1):
        if day >= pr.n_days:
            continue
        r = base.rot_day[p, day]
        if r < 0:
            return "no rotation"
        if pr.rotations[r].is_night_float or pr.rotations[r].off_site:
            return "away or on night float"
    if (pr.absence[p, d] >= 0).any() or (d + 1 < pr.n_days and base.locked[p, d + 1].any()):
        return "on leave or the post-call day is fixed"
    lim = v.limits[d]
    s, e = pr.pool_span(pool, d)
    if d > 0 and any(a < e and s < b for a, b in v.intervals[p][d - 1]):
        return "the eve's work overlaps the shift"
    am, pm = int(base.grid[p, d, 0]), int(base.grid[p, d, 1])
    if pr.counted[am] and _overlaps(pr.cell_span(d, am, 0), (s, e)):
        return "the morning's work overlaps the shift"
    if pr.counted[pm] and _overlaps(pr.cell_span(d, pm, 1), (s, e)):
        if call_cell(pr, pool, d) is None:
            return "the afternoon's work overlaps the shift"
        pm = -1  # the afternoon becomes the call cell
    before = (v.intervals[p][d - 1] if d > 0 else []) + pr.day_intervals(d, am, pm)
    rs, re_ = merged_run(list(before), (s, e))
    if re_ - rs > lim.shift_cap(pgy):
        return f"the run would last {(re_ - rs) / 60:.1f} h"
    if re_ - rs >= 24 * 60 and d + 2 < pr.n_days:
        nxt = [a for a, _b in v.intervals[p][d + 2]]
        if nxt and min(nxt) < re_ + lim.rest_after_call_min:
            return "no 14 h rest after it"
    return None


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def afternoon_cell(pr: Problem, pool: CallPool, d: int, pm: int) -> int:
    """What the afternoon of a call day shows: the call cell, unless the afternoon is leave or
    counted work that ends before the shift starts. Such work stays: the layer already counts its
    minutes and the run it makes with the shift (``call_available``), and replacing it left the
    resident idle from noon to the shift - a gap under 8 h, so an RST-01 warning on most weekday
    calls of the realistic program (254 of 325)."""
    cc = call_cell(pr, pool, d)
    if cc is None or (pr.is_leave[pm] and not pr.counted[pm]):
        return pm
    if pr.counted[pm] and not _overlaps(pr.cell_span(d, pm, 1), pr.pool_span(pool, d)):
        return pm
    return cc


def call_cell(pr: Problem, pool: CallPool, d: int) -> int | None:
    """The call-category code whose afternoon the shift covers (shown in the grid on call days)."""
    s, e = pr.pool_span(pool, d)
    for c, a in enumerate(pr.acts):
        if a.category.value == "call":
            cs, ce = pr.cell_span(d, c, 1)
            if s <= cs and ce <= e:
                return c
    return None


@constraint
class CallCoverage(Constraint):
    """Every night a resident pool runs has exactly ``per_night`` residents on call."""

    id = "CALL-COVER"
    title = "In-house call covered every night"
    layer = "residents"
    weight = 1000  # a night left short (nobody can legally take it) is reported, at this price

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        terms: list[Term] = []
        for k, pool in v.pools:
            for d in problem.pool_nights(pool):
                xs = [v.call[(p, d, k)] for p in v.residents if (p, d, k) in v.call]
                need = pool.per_night - v.kept_calls.get((k, d), 0)
                if len(xs) < need:
                    reasons = Counter(
                        call_available(v, p, d, pool) or "available"
                        for p in problem.pool_members(pool)
                        if p in v.residents
                    )
                    why = "; ".join(f"{n} {r}" for r, n in reasons.most_common(3))
                    v.uncovered.append(
                        f"{pool.name} {problem.days[d]}: {len(xs)} of {need} can legally take it ({why})"
                    )
                    need = len(xs)
                text = f"{pool.name} needs {pool.per_night} on {problem.days[d]}"
                lits = v.guard(self.id, (k, d), text)
                if lits or not xs:  # explaining: coverage is strict
                    model.Add(sum(xs) == need).OnlyEnforceIf(lits)
                    continue
                short = model.NewIntVar(0, need, f"short_{k}_{d}")
                v.short[(k, d)] = short
                model.Add(sum(xs) + short == need)
                terms.append((1, short))
        return terms

    def measure(self, problem, schedule):
        out = []
        for pool in problem.resident_pools() + problem.faculty_pools():
            count = Counter(c.night for c in schedule.calls if c.pool == pool.name)
            for d in problem.pool_nights(pool):
                day = problem.days[d]
                if count[day] != pool.per_night:
                    out.append(Breach(self.id, f"{pool.name}: {count[day]} on call, need {pool.per_night}", None, day))
        return out


@constraint
class CallAvailability(Constraint):
    """Nobody on leave, away (off-site rotation) or on night float is on call, and only pool members
    of an eligible PGY level are. Encoded by offering call variables only where allowed."""

    id = "CALL-AVAIL"
    title = "Only available, eligible people on call"
    layer = "residents"

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        pools = {c.name: c for c in problem.program.call_pools}
        out = []
        for c in schedule.calls:
            p, pool = problem.pidx.get(c.person), pools.get(c.pool)
            if p is None or pool is None or not (problem.start <= c.night <= problem.program.year.end):
                continue
            d = (c.night - problem.start).days
            if p not in problem.pool_members(pool) and c.person not in pool.backup_on(c.night):
                out.append(Breach(self.id, f"not a member of {pool.name}", c.person, c.night))
            if (problem.absence[p, d] >= 0).any():
                out.append(Breach(self.id, "on call while absent", c.person, c.night))
            if p in rots:
                r = rots[p][problem.half_of_day[d]]
                if r is not None and (problem.rotations[r].is_night_float or problem.rotations[r].off_site):
                    out.append(
                        Breach(self.id, f"on call while on {problem.rotations[r].abbreviation}", c.person, c.night)
                    )
        return out


@constraint
class PostCall(Constraint):
    """The day after a call carries the pool's post-call codes (resident PC; faculty PCAT then DO),
    unless it is a holiday for faculty (FED)."""

    id = "CALL-POST"
    title = "Post-call written into the grid"
    layer = "residents"

    def measure(self, problem, schedule):
        pools = {c.name: c for c in problem.program.call_pools}
        out = []
        for c in schedule.calls:
            pool = pools.get(c.pool)
            d = (c.night - problem.start).days + 1
            if pool is None or not pool.post_call_codes or not (0 <= d < problem.n_days):
                continue
            if c.person not in schedule.people:
                continue
            want = post_call_cells(problem, pool, d, c.person)
            row = schedule.row(c.person)
            got = tuple(
                schedule.codes[int(schedule.grid[row, d, h])] if schedule.grid[row, d, h] >= 0 else None for h in (0, 1)
            )
            if got != want:
                out.append(Breach(self.id, f"post-call day shows {got}, expected {want}", c.person, problem.days[d]))
        return out


def post_call_cells(problem: Problem, pool: CallPool, d: int, person: str) -> tuple[str, str]:
    codes = pool.post_call_codes
    p = problem.pidx[person]
    if p in problem.faculty and problem.holiday[d]:
        fed = problem.codes[problem.code("FED", "HOL")]
        return (fed, fed)
    if (problem.absence[p, d] >= 0).any():
        return tuple(
            problem.codes[int(problem.absence[p, d, h])]
            if problem.absence[p, d, h] >= 0
            else codes[min(h, len(codes) - 1)]
            for h in (0, 1)
        )  # type: ignore[return-value]  # noqa: E501
    return (codes[0], codes[1] if len(codes) > 1 else codes[0])


def equity_targets(counts_avail: dict[int, dict[str, int]], fte: dict[int, float], need: dict[str, int]):
    """Target calls per person per category: the category's nights shared by FTE x nights available."""
    out: dict[int, dict[str, float]] = {p: {} for p in counts_avail}
    for cat in CATEGORIES:
        total = sum(fte[p] * counts_avail[p].get(cat, 0) for p in counts_avail)
        for p in counts_avail:
            w = fte[p] * counts_avail[p].get(cat, 0)
            out[p][cat] = need.get(cat, 0) * w / total if total else 0.0
    return out


@constraint
class CallEquity(Constraint):
    """Call shared fairly by category (weeknights, Fridays, Saturdays, Sundays, holidays) over the
    year, in proportion to FTE x nights available (leave and away time lower the share). Penalty:
    tenths of a call away from each person's target, per category."""

    id = "CALL-EQ"
    title = "Call equity by category"
    layer = "residents"
    hard = False
    weight = 2

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        avail: dict[int, dict[str, int]] = {p: Counter() for p in v.residents}
        need: Counter = Counter()
        for p, d, _k in v.call:
            avail[p][problem.night_category(d)] += 1
        for k, pool in v.pools:
            for d in problem.pool_nights(pool):
                need[problem.night_category(d)] += pool.per_night - v.kept_calls.get((k, d), 0)
        fte = {p: problem.program.people[p].fte or 1.0 for p in v.residents}
        targets = equity_targets(avail, fte, need)
        terms: list[Term] = []
        for p in v.residents:
            for cat in CATEGORIES:
                xs = [x for (q, d, _k), x in v.call.items() if q == p and problem.night_category(d) == cat]
                if not xs:
                    continue
                t10 = round(10 * targets[p][cat])
                dev = model.NewIntVar(0, 10 * len(xs) + t10, "")
                model.Add(dev >= 10 * sum(xs) - t10)
                model.Add(dev >= t10 - 10 * sum(xs))
                terms.append((1, dev))
        return terms

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        out = []
        for pool_group in (problem.resident_pools(),):
            names = {c.name for c in pool_group}
            members = sorted({p for c in pool_group for p in problem.pool_members(c)} & set(problem.residents))
            avail = {p: Counter() for p in members}
            need: Counter = Counter()
            for pool in pool_group:
                for d in problem.pool_nights(pool):
                    cat = problem.night_category(d)
                    need[cat] += pool.per_night
                    for p in members:
                        r = rots.get(p, [None] * len(problem.halves))[problem.half_of_day[d]]
                        if (problem.absence[p, d] >= 0).any() or r is None:
                            continue
                        if problem.rotations[r].is_night_float or problem.rotations[r].off_site:
                            continue
                        if pool.eligible_pgy and problem.pgy(p, d) not in pool.eligible_pgy:
                            continue
                        avail[p][cat] += 1
            fte = {p: problem.program.people[p].fte or 1.0 for p in members}
            targets = equity_targets(avail, fte, need)
            got = {p: Counter() for p in members}
            for c in schedule.calls:
                p = problem.pidx.get(c.person)
                if c.pool in names and p in got and problem.start <= c.night <= problem.program.year.end:
                    got[p][problem.night_category((c.night - problem.start).days)] += 1
            for p in members:
                for cat in CATEGORIES:
                    gap = abs(got[p][cat] - targets[p][cat])
                    if gap >= 1:
                        msg = f"{cat}: {got[p][cat]} calls, fair share {targets[p][cat]:.1f}"
                        out.append(Breach(self.id, msg, problem.people[p], amount=round(gap * 10)))
        return out


@constraint
class CallSpacing(Constraint):
    """Prefer at least two free nights between a resident's calls (q3 or sparser)."""

    id = "CALL-SPACE"
    title = "Calls spaced at least every third night"
    layer = "residents"
    hard = False
    weight = 3

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        terms: list[Term] = []
        for p in v.residents:
            for d in range(problem.n_days - 2):
                a, b = v.calls_on(p, d), v.calls_on(p, d + 2)
                if a and b:
                    y = model.NewBoolVar("")
                    model.Add(sum(a) + sum(b) <= 1 + y)
                    terms.append((1, y))
        return terms

    def measure(self, problem, schedule):
        resident_pools = {c.name for c in problem.resident_pools()}
        nights: dict[str, set] = {}
        for c in schedule.calls:
            if c.pool in resident_pools:
                nights.setdefault(c.person, set()).add(c.night)
        out = []
        for person, ns in nights.items():
            for n in sorted(ns):
                if n + timedelta(days=2) in ns:
                    out.append(Breach(self.id, "calls two nights apart", person, n))
        return out
