"""Grid constraints: every cell filled once, patterns, absences, holidays, kept cells, days off."""

from __future__ import annotations

import numpy as np

from residency.domain.schedule import UNFILLED
from residency.scheduling.blockvars import half_rotations
from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.fill import pattern_offsets
from residency.scheduling.problem import HOLIDAY_CODES, Problem
from residency.scheduling.resvars import ResidentVars


def _grid_rows(problem: Problem, schedule) -> dict[int, np.ndarray]:
    """Schedule rows translated to the problem's code indices, by person index."""
    tr = np.array([problem.cidx.get(c, UNFILLED) for c in schedule.codes] + [UNFILLED], dtype=np.int16)
    out = {}
    for key in schedule.people:
        p = problem.pidx.get(key)
        if p is not None:
            out[p] = tr[schedule.grid[schedule.row(key)]]
    return out


@constraint
class Filled(Constraint):
    """Every person (residents and faculty) has exactly one activity in every half-day of the year."""

    id = "GRID-FILL"
    title = "Every half-day filled"
    layer = "grid"

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for p in problem.residents + problem.faculty:
            if p not in rows:
                out.append(Breach(self.id, "missing from the grid", problem.people[p], amount=2 * problem.n_days))
                continue
            n = int((rows[p] == UNFILLED).sum())
            if n:
                out.append(Breach(self.id, f"{n} empty half-days", problem.people[p], amount=n))
        return out


@constraint
class Absences(Constraint):
    """Approved absences override the grid with their code (LV, CONF, DEP, TDY by type)."""

    id = "GRID-ABSENCE"
    title = "Approved absences respected"
    layer = "grid"

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for p, row in rows.items():
            want = problem.absence[p]
            bad = (want >= 0) & (row != want)
            for d, h in zip(*np.nonzero(bad), strict=True):
                out.append(
                    Breach(
                        self.id, f"absence not shown ({'AM' if h == 0 else 'PM'})", problem.people[p], problem.days[d]
                    )
                )
        return out


@constraint
class Holidays(Constraint):
    """Clinics, classes and admin close on holidays (FED/HOL); inpatient services and call run."""

    id = "GRID-HOLIDAY"
    title = "Holidays close clinics"
    layer = "grid"

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for p, row in rows.items():
            for d in np.flatnonzero(problem.holiday):
                for h in (0, 1):
                    c = int(row[d, h])
                    if c >= 0 and problem.closes_on_holiday(c) and problem.codes[c] not in HOLIDAY_CODES:
                        out.append(
                            Breach(self.id, f"{problem.codes[c]} on a holiday", problem.people[p], problem.days[d])
                        )
        return out


@constraint
class Kept(Constraint):
    """Cells a ``keep`` schedule fixes (its locked cells, and everyone outside ``scope_people``)."""

    id = "GRID-KEEP"
    title = "Locked and out-of-scope cells kept"
    layer = "grid"

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for p, row in rows.items():
            want = problem.fixed[p]
            n = int(((want >= 0) & (row != want)).sum())
            if n:
                out.append(Breach(self.id, f"{n} kept cells changed", problem.people[p], amount=n))
        return out


# Codes a pattern cell may legitimately turn into: a day off, post-call, a holiday, an absence.
def _allowed_override(problem: Problem, c: int) -> bool:
    a = problem.acts[c]
    return problem.is_leave[c] or not problem.counted[c] or a.provides_supervision


@constraint
class Patterns(Constraint):
    """Resident cells follow their rotation's pattern; the solver changes only flexible cells (to the
    flexible alternative) and turns whole days into days off or post-call days."""

    id = "GRID-PATTERN"
    title = "Rotation patterns followed"
    layer = "grid"

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        rots = half_rotations(problem, schedule)
        alt = problem.cidx.get(problem.options.flexible_alternative)
        out = []
        for p in problem.residents:
            if p not in rows or p not in rots:
                continue
            bad = 0
            for d, r, offset in pattern_offsets(problem, rots, p):
                rotation = problem.rotations[r]
                for h in (0, 1):
                    i = (offset % 28) * 2 + h
                    got = int(rows[p][d, h])
                    want = problem.cidx.get(rotation.pattern[i])
                    if got == want or got < 0 or _allowed_override(problem, got):
                        continue
                    if i in rotation.flexible and got == alt:
                        continue
                    if problem.fixed[p, d, h] == got:
                        continue
                    bad += 1
            if bad:
                out.append(Breach(self.id, f"{bad} cells off pattern", problem.people[p], amount=bad))
        return out


@constraint
class FewDaysOffAdded(Constraint):
    """Days off the solver adds to a pattern cost a little (inpatient days), more on clinic days and
    most on days with education, so they go where the pattern has no day off of its own."""

    id = "GRID-DAYOFF"
    title = "Days off placed on service days"
    layer = "residents"
    hard = False
    weight = 1

    def encode(self, model, problem, v: ResidentVars) -> list[Term]:
        from residency.domain.program import ActivityCategory

        terms: list[Term] = []
        for (p, d), x in v.off.items():
            cats = {problem.acts[int(c)].category for c in v.base.grid[p, d]}
            loads = any(int(c) in problem.clinic_load for c in v.base.grid[p, d])
            cost = 10 if ActivityCategory.EDUCATION in cats else 4 if loads else 1
            terms.append((cost, x))
        return terms

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        off = problem.cidx.get(problem.options.day_off_code)
        rots = half_rotations(problem, schedule)
        out = []
        for p in problem.residents:
            if p not in rows or p not in rots:
                continue
            n = 0
            for d, r, offset in pattern_offsets(problem, rots, p):
                pat = problem.rotations[r].pattern
                if (rows[p][d] == off).all() and any(
                    problem.cidx.get(pat[(offset % 28) * 2 + h]) != off for h in (0, 1)
                ):
                    n += 1
            if n:
                out.append(Breach(self.id, f"{n} days off added", problem.people[p], amount=n))
        return out
