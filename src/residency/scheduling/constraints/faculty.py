"""Faculty constraints: the inpatient teaching week and staff call."""

from __future__ import annotations

from collections import Counter

from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.constraints.call import CATEGORIES, equity_targets
from residency.scheduling.faculty import FacultyVars, schedulable, weeks_of
from residency.scheduling.problem import Problem


def _fmit_weeks(problem: Problem, schedule) -> dict[int, list[str]]:
    """Week index -> faculty showing the teaching-service code on that week's Monday-to-Friday."""
    code = problem.options.faculty_fmit_code
    out: dict[int, list[str]] = {}
    for w, ds in enumerate(weeks_of(problem)):
        for f in problem.faculty:
            key = problem.people[f]
            if key not in schedule.people:
                continue
            row = schedule.grid[schedule.row(key)]
            if any(0 <= row[d, 0] < len(schedule.codes) and schedule.codes[row[d, 0]] == code for d in ds):
                out.setdefault(w, []).append(key)
    return out


@constraint
class TeachingWeekCovered(Constraint):
    """Every week of the year has exactly one faculty attending on the inpatient teaching service."""

    id = "FAC-FMIT"
    title = "One teaching attending every week"
    layer = "faculty"

    def encode(self, model, problem, v: FacultyVars) -> list[Term]:
        if problem.options.faculty_fmit_code not in problem.cidx:
            return []
        for w, ds in enumerate(v.weeks):
            xs = [v.fmit[(f, w)] for f in v.faculty if (f, w) in v.fmit]
            need = 1 - v.kept_fmit.get(w, 0)
            if len(xs) < need:
                v.uncovered.append(f"teaching week of {problem.days[ds[0]]}: no faculty available")
                need = len(xs)
            lits = v.guard(self.id, (w,), f"the teaching service needs an attending the week of {problem.days[ds[0]]}")
            model.Add(sum(xs) == max(need, 0)).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        if problem.options.faculty_fmit_code not in problem.cidx or not problem.faculty:
            return []
        got = _fmit_weeks(problem, schedule)
        out = []
        for w, ds in enumerate(weeks_of(problem)):
            n = len(got.get(w, []))
            if n != 1:
                out.append(Breach(self.id, f"{n} teaching attendings", None, problem.days[ds[0]]))
        return out


@constraint
class TeachingWeeksSpread(Constraint):
    """Nobody runs the teaching service two weeks in a row."""

    id = "FAC-FMIT-GAP"
    title = "Teaching weeks not back to back"
    layer = "faculty"

    def encode(self, model, problem, v: FacultyVars) -> list[Term]:
        for f in v.faculty:
            for w in range(len(v.weeks) - 1):
                if (f, w) in v.fmit and (f, w + 1) in v.fmit:
                    model.AddBoolOr([v.fmit[(f, w)].Not(), v.fmit[(f, w + 1)].Not()])
        return []

    def measure(self, problem, schedule):
        got = _fmit_weeks(problem, schedule)
        out = []
        for w in sorted(got):
            for key in set(got[w]) & set(got.get(w + 1, [])):
                out.append(Breach(self.id, "teaching weeks back to back", key, problem.days[weeks_of(problem)[w][0]]))
        return out


@constraint
class TeachingWeeksFair(Constraint):
    """Teaching weeks shared by FTE (about six a year each in the realistic program): tenths of a week
    away from each attending's share."""

    id = "FAC-FMIT-FAIR"
    title = "Teaching weeks shared fairly"
    layer = "faculty"
    hard = False
    weight = 2

    def encode(self, model, problem, v: FacultyVars) -> list[Term]:
        if not v.fmit:
            return []
        fte = {f: problem.program.people[f].fte or 1.0 for f in v.faculty}
        total = len(v.weeks) - sum(v.kept_fmit.values())
        terms: list[Term] = []
        for f in v.faculty:
            xs = [v.fmit[(f, w)] for w in range(len(v.weeks)) if (f, w) in v.fmit]
            if not xs:
                continue
            t10 = round(10 * total * fte[f] / sum(fte.values()))
            dev = model.NewIntVar(0, 10 * len(xs) + t10, "")
            model.Add(dev >= 10 * sum(xs) - t10)
            model.Add(dev >= t10 - 10 * sum(xs))
            terms.append((1, dev))
        return terms

    def measure(self, problem, schedule):
        got = Counter(k for keys in _fmit_weeks(problem, schedule).values() for k in keys)
        fac = [f for f in problem.faculty if schedulable(problem, f)]
        if not fac:
            return []
        total = len(weeks_of(problem))
        fte = {f: problem.program.people[f].fte or 1.0 for f in fac}
        out = []
        for f in fac:
            share = total * fte[f] / sum(fte.values())
            gap = abs(got[problem.people[f]] - share)
            if gap >= 1:
                msg = f"{got[problem.people[f]]} teaching weeks, share {share:.1f}"
                out.append(Breach(self.id, msg, problem.people[f], amount=round(10 * gap)))
        return out


@constraint
class StaffCallCovered(Constraint):
    """Every night a faculty pool runs (Sunday-Thursday in the sample) has ``per_night`` on staff call;
    nobody absent that night or the next day, nor on the teaching week, takes it; never two nights
    running."""

    id = "FAC-CALL"
    title = "Staff call covered"
    layer = "faculty"

    def encode(self, model, problem, v: FacultyVars) -> list[Term]:
        for k, pool in v.pools:
            for d in problem.pool_nights(pool):
                xs = [v.call[(f, d, k)] for f in v.faculty if (f, d, k) in v.call]
                need = pool.per_night - v.kept_calls.get((k, d), 0)
                if len(xs) < need:
                    v.uncovered.append(f"{pool.name} {problem.days[d]}: only {len(xs)} of {need} faculty available")
                    need = len(xs)
                lits = v.guard(self.id, (k, d), f"{pool.name} needs {pool.per_night} on {problem.days[d]}")
                model.Add(sum(xs) == max(need, 0)).OnlyEnforceIf(lits)
        for f in v.faculty:
            for d in range(problem.n_days - 1):
                xs = v.calls_on(f, d) + v.calls_on(f, d + 1)
                if len(xs) > 1:
                    model.AddAtMostOne(xs)
        return []

    def measure(self, problem, schedule):
        out = []
        for pool in problem.faculty_pools():
            count = Counter(c.night for c in schedule.calls if c.pool == pool.name)
            for d in problem.pool_nights(pool):
                if count[problem.days[d]] != pool.per_night:
                    day = problem.days[d]
                    out.append(Breach(self.id, f"{pool.name}: {count[day]} on call, need {pool.per_night}", None, day))
        return out


@constraint
class StaffCallEquity(Constraint):
    """Staff call shared by category (weeknights, Sundays, holidays) in proportion to FTE x nights
    available: tenths of a call away from each member's share."""

    id = "FAC-CALL-EQ"
    title = "Staff call equity by category"
    layer = "faculty"
    hard = False
    weight = 2

    def encode(self, model, problem, v: FacultyVars) -> list[Term]:
        avail = {f: Counter() for f in v.faculty}
        need: Counter = Counter()
        for f, d, _k in v.call:
            avail[f][problem.night_category(d)] += 1
        for k, pool in v.pools:
            for d in problem.pool_nights(pool):
                need[problem.night_category(d)] += pool.per_night - v.kept_calls.get((k, d), 0)
        fte = {f: problem.program.people[f].fte or 1.0 for f in v.faculty}
        targets = equity_targets(avail, fte, need)
        terms: list[Term] = []
        for f in v.faculty:
            for cat in CATEGORIES:
                xs = [x for (g, d, _k), x in v.call.items() if g == f and problem.night_category(d) == cat]
                if not xs:
                    continue
                t10 = round(10 * targets[f][cat])
                dev = model.NewIntVar(0, 10 * len(xs) + t10, "")
                model.Add(dev >= 10 * sum(xs) - t10)
                model.Add(dev >= t10 - 10 * sum(xs))
                terms.append((1, dev))
        return terms

    def measure(self, problem, schedule):
        names = {c.name for c in problem.faculty_pools()}
        got: dict[str, Counter] = {}
        for c in schedule.calls:
            if c.pool in names:
                got.setdefault(c.person, Counter())[problem.night_category((c.night - problem.start).days)] += 1
        out = []
        members = sorted({problem.people[f] for pool in problem.faculty_pools() for f in problem.pool_members(pool)})
        if not members:
            return out
        for cat in CATEGORIES:
            counts = [got.get(m, Counter())[cat] for m in members]
            if max(counts) - min(counts) > 2:
                out.append(Breach(self.id, f"{cat}: staff call counts range {min(counts)}..{max(counts)}", amount=1))
        return out
