"""ACGME duty-hour limits as constraints of the resident layer.

Encoded from the same definitions the compliance engine checks (ACGME.md §3-§5): windows are the
ACGME-mode rotation segments (by block assignment), leave days leave numerator and denominator,
minutes are real minutes of the activities' and call pools' times. The encodings are conservative
where the engine's bookkeeping depends on choices (a day off counts only when the whole calendar day
and its eve lie in the window); ``measure`` is the engine's own verdict.
"""

from __future__ import annotations

from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.check import violations
from residency.scheduling.problem import Problem
from residency.scheduling.resvars import ResidentVars, minutes_by_day


def _engine(problem: Problem, schedule, rules: tuple[str, ...], cid: str) -> list[Breach]:
    out = []
    for f in violations(problem.program, schedule):
        if f.rule in rules:
            day = f.start.date() if hasattr(f.start, "date") and callable(f.start.date) else f.start
            out.append(Breach(cid, f"{f.rule}: {f.message}", f.person_id, day))
    return out


def window_facts(v: ResidentVars, p: int, i0: int, i1: int) -> tuple[int, bool]:
    """(non-leave days, judged) for a window; the engine does not judge windows with fewer than 7
    non-leave days or with off-site days it has no data for."""
    pr = v.problem
    leave = pr.leave_day[p, i0:i1]
    eff = int(i1 - i0 - leave.sum())
    rot = v.base.rot_day[p, i0:i1]
    missing = any(r >= 0 and pr.rotations[r].off_site and leave_cells for r, leave_cells in
                  zip(rot, (pr.is_leave[v.base.grid[p, d]].all() for d in range(i0, i1)), strict=True))  # fmt: skip
    return eff, eff >= 7 and not missing


def removal(v: ResidentVars, p: int, d: int) -> list:
    """Variables whose sum is 1 when day d's own cells are replaced (day off or post-call)."""
    out = []
    if (p, d) in v.off:
        out.append(v.off[(p, d)])
    if d > 0:
        out += v.calls_on(p, d - 1)
    return out


def window_minutes(v: ResidentVars, p: int, i0: int, i1: int):
    """Counted minutes in [i0, i1) as (constant, linear expression)."""
    pr = v.problem
    const, expr = 0, []
    lo = max(i0 - 1, 0)
    for d in range(lo, i1):
        own = minutes_by_day(pr, v.intervals[p][d], d)
        m = sum(val for k, val in own.items() if i0 <= k < i1)
        if m:
            const += m
            expr += [-m * x for x in removal(v, p, d)]
        for k, pool in v.pools:
            x = v.call.get((p, d, k))
            if x is None:
                continue
            s, e = pr.pool_span(pool, d)
            cm = sum(val for day, val in pr.split_by_day(s, e, d) if i0 <= day < i1)
            if cm:
                expr.append(cm * x)
    return const, expr


@constraint
class WeeklyHours(Constraint):
    """WH-01: counted minutes x 7 <= the weekly cap x non-leave days, in every ACGME window."""

    id = "WH-01"
    title = "80 hours per week, averaged by rotation"
    layer = "residents"

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        for p in v.residents:
            for i0, i1, label in v.all_windows(p):
                eff, judged = window_facts(v, p, i0, i1)
                if not judged:
                    continue
                allowed = sum(v.limits[d].weekly_cap_min for d in range(i0, i1) if not problem.leave_day[p, d])
                const, expr = window_minutes(v, p, i0, i1)
                text = (
                    f"{problem.people[p]}: at most 80 h/week over {label} ({problem.days[i0]}..{problem.days[i1 - 1]})"
                )
                model.Add(7 * (const + sum(expr)) <= allowed).OnlyEnforceIf(v.guard(self.id, (p, i0, i1), text))
        return []

    def measure(self, problem, schedule):
        return _engine(problem, schedule, ("WH-01", "WH-02"), self.id)


def free_day_vars(model, v: ResidentVars, p: int) -> None:
    """free[(p, d)] may be 1 only if nothing busy touches calendar day d."""
    pr = v.problem
    grid = v.base.grid
    for d in range(pr.n_days):
        busy_cells = any(pr.counted[grid[p, d, h]] or pr.is_leave[grid[p, d, h]] for h in (0, 1))
        if busy_cells and (p, d) not in v.off:
            continue
        spill = d > 0 and any(e > pr.midnight[d] for _s, e in v.intervals[p][d - 1])
        if spill and (p, d - 1) not in v.off:
            continue
        f = model.NewBoolVar("")
        v.free[(p, d)] = f
        if busy_cells:
            model.AddImplication(f, v.off[(p, d)])
        if spill:
            model.AddImplication(f, v.off[(p, d - 1)])
        for x in v.calls_on(p, d):
            model.AddImplication(f, x.Not())
        if d > 0:
            for k, pool in v.pools:
                x = v.call.get((p, d - 1, k))
                if x is not None and pr.pool_span(pool, d - 1)[1] > pr.midnight[d]:
                    model.AddImplication(f, x.Not())


@constraint
class DaysOff(Constraint):
    """OFF-01: days off x 7 >= non-leave days in every ACGME window. A day counts as off when the
    whole calendar day is free and both it and its eve lie in the window (the engine dates a 24-hour
    block by its start, which may be the evening before)."""

    id = "OFF-01"
    title = "One day in seven free, averaged by rotation"
    layer = "residents"

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        for p in v.residents:
            free_day_vars(model, v, p)
            for i0, i1, _label in v.all_windows(p):
                eff, judged = window_facts(v, p, i0, i1)
                if not judged:
                    continue
                per = min(v.limits[d].days_off_per for d in range(i0, i1))
                fs = [
                    v.free[(p, d)]
                    for d in range(i0 + 1, i1)
                    if (p, d) in v.free and not problem.leave_day[p, d] and not problem.leave_day[p, d - 1]
                    and problem.midnight[d + 1] - problem.midnight[d] >= 1440
                ]  # fmt: skip
                span = f"{problem.days[i0]}..{problem.days[i1 - 1]}"
                text = f"{problem.people[p]}: one day in {per} off over {_label} ({span})"
                model.Add(per * sum(fs) >= eff).OnlyEnforceIf(v.guard(self.id, (p, i0, i1), text))
        return []

    def measure(self, problem, schedule):
        return _engine(problem, schedule, ("OFF-01", "OFF-02"), self.id)


@constraint
class CallFrequency(Constraint):
    """CALL-01: in-house calls x 3 <= non-leave days in every ACGME window."""

    id = "CALL-01"
    title = "In-house call at most every third night, averaged"
    layer = "residents"

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        for p in v.residents:
            for i0, i1, _label in v.all_windows(p):
                eff, judged = window_facts(v, p, i0, i1)
                if not judged:
                    continue
                every = max(v.limits[d].call_every for d in range(i0, i1))
                xs = [x for d in range(i0, i1) if not problem.leave_day[p, d] for x in v.calls_on(p, d)]
                if xs:
                    text = f"{problem.people[p]}: call at most every {every} nights over {_label}"
                    model.Add(every * sum(xs) <= eff).OnlyEnforceIf(v.guard(self.id, (p, i0, i1), text))
        return []

    def measure(self, problem, schedule):
        return _engine(problem, schedule, ("CALL-01",), self.id)


@constraint
class ShiftLength(Constraint):
    """LEN-01/LEN-02: no continuous run over 24 h (+4 h transition). Encoded where call variables are
    made: a call is only offered on a night where the run it joins (that day's and the eve's counted
    cells plus the shift, real minutes) stays within the cap."""

    id = "LEN-01"
    title = "Continuous work at most 24 hours (+4 transition)"
    layer = "residents"

    def measure(self, problem, schedule):
        return _engine(problem, schedule, ("LEN-01", "LEN-02"), self.id)


@constraint
class RestAfterCall(Constraint):
    """RST-02: 14 hours free after 24 hours in-house. Post-call cells replace the next day, no call on
    two nights running, and a call is only offered if the day after next starts 14 h after it ends."""

    id = "RST-02"
    title = "14 hours free after 24-hour in-house call"
    layer = "residents"

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        for p in v.residents:
            for d in range(problem.n_days - 1):
                xs = v.calls_on(p, d) + v.calls_on(p, d + 1)
                if len(xs) > 1:
                    model.AddAtMostOne(xs)
        return []

    def measure(self, problem, schedule):
        return _engine(problem, schedule, ("RST-02",), self.id)


@constraint
class OtherAcgme(Constraint):
    """Any other violation the compliance engine finds on the schedule (night float caps, moonlighting,
    supervision data rules): measured, not encoded (nothing the generator makes can trigger them)."""

    id = "ACGME-OTHER"
    title = "Other ACGME rules (engine check)"
    layer = "residents"

    def measure(self, problem, schedule):
        known = ("WH-01", "WH-02", "OFF-01", "OFF-02", "CALL-01", "LEN-01", "LEN-02", "RST-02")
        return [
            Breach(self.id, f"{f.rule}: {f.message}", f.person_id)
            for f in violations(problem.program, schedule)
            if f.rule not in known
        ]
