"""Clinic constraints: supervision, procedure credentials, capacity, faculty caps, continuity."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from residency.domain.schedule import UNFILLED
from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.clinic import SCALE, ClinicVars, credentialed
from residency.scheduling.constraints.grid import _grid_rows
from residency.scheduling.faculty import weeks_of
from residency.scheduling.problem import Problem


def _present(v: ClinicVars, p: int, d: int, h: int):
    """(constant, expression) = 1 when resident cell (p, d, h) is in its clinic code."""
    if (p, d, h) in v.keep:
        return 0, v.keep[(p, d, h)]
    if (p, d, h) in v.drop:
        out = 1 - v.drop[(p, d, h)]
        return 0, out - v.conv[(p, d, h)] if (p, d, h) in v.conv else out
    return 1, 0


def _sessions(v: ClinicVars) -> dict[tuple[int, int], list[int]]:
    """Half-days with residents in supervised clinic -> those residents."""
    pr = v.problem
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for p in pr.residents:
        for d, h in zip(*np.nonzero(np.isin(v.grid[p], list(pr.clinic_load))), strict=True):
            out[(int(d), int(h))].append(p)
    return out


def _fixed_preceptors(v: ClinicVars, d: int, h: int) -> list[int]:
    pr = v.problem
    return [f for f in pr.faculty if v.grid[f, d, h] >= 0 and pr.provides_supervision[v.grid[f, d, h]]]


@constraint
class Supervision(Constraint):
    """Every clinic half-day: preceptors (AT, PCAT) >= ceil(0.5 x PGY-1s + 0.25 x PGY-2/3 in clinic
    + 1 x residents in procedure clinic), the loads summed before rounding (Activity.supervision_load)."""

    id = "SUP-CLINIC"
    title = "Clinic supervision every half-day"
    layer = "clinic"

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        c_code = problem.cidx.get("C")
        for (d, h), ps in _sessions(v).items():
            need = []
            for p in ps:
                c = int(v.grid[p, d, h])
                const, x = _present(v, p, d, h)
                need.append(v.load(p, c) * (const + x))
                if (p, d, h) in v.conv and c_code is not None:
                    need.append(v.load(p, c_code) * v.conv[(p, d, h)])
            have = [v.at[(f, d, h)] for f in v.faculty if (f, d, h) in v.at]
            fixed = len(_fixed_preceptors(v, d, h))
            model.Add(SCALE * (sum(have) + fixed) >= sum(need))
        return []

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for d in range(problem.n_days):
            for h in (0, 1):
                load = 0.0
                for p in problem.residents:
                    c = int(rows.get(p, np.full((problem.n_days, 2), UNFILLED))[d, h])
                    if c in problem.clinic_load:
                        loads = problem.clinic_load[c]
                        load += loads.get("pgy1" if problem.pgy(p, d) == 1 else "senior", 0)
                if not load:
                    continue
                have = sum(1 for f in problem.faculty if f in rows and rows[f][d, h] >= 0
                           and problem.provides_supervision[rows[f][d, h]])  # fmt: skip
                need = math.ceil(load - 1e-9)
                if have < need:
                    msg = f"{'AM' if h == 0 else 'PM'}: {have} preceptor(s), need {need} (load {load:g})"
                    out.append(Breach(self.id, msg, None, problem.days[d], amount=need - have))
        return out


@constraint
class ProcedureCredentials(Constraint):
    """A procedure clinic half-day has a preceptor credentialed (active, unexpired) for the procedure
    (a generic procedure clinic: for any procedure)."""

    id = "SUP-PROC"
    title = "Credentialed preceptor for procedure clinics"
    layer = "clinic"

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        for (d, h), ps in _sessions(v).items():
            for p in ps:
                c = int(v.grid[p, d, h])
                if c not in problem.procedure_of:
                    continue
                proc = problem.procedure_of[c]
                day = problem.days[d]
                cred = [v.at[(f, d, h)] for f in v.faculty if (f, d, h) in v.at and credentialed(problem, f, proc, day)]
                fixed = sum(1 for f in _fixed_preceptors(v, d, h) if credentialed(problem, f, proc, day))
                const, x = _present(v, p, d, h)
                model.Add(sum(cred) + fixed >= const + x)
        return []

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        out = []
        for p in problem.residents:
            if p not in rows:
                continue
            for d, h in zip(*np.nonzero(np.isin(rows[p], list(problem.procedure_of))), strict=True):
                c = int(rows[p][d, h])
                proc = problem.procedure_of[c]
                ok = any(
                    f in rows and rows[f][d, h] >= 0 and problem.provides_supervision[rows[f][d, h]]
                    and credentialed(problem, f, proc, problem.days[d])
                    for f in problem.faculty
                )  # fmt: skip
                if not ok:
                    out.append(
                        Breach(
                            self.id,
                            f"{problem.codes[c]} without a credentialed preceptor",
                            problem.people[p],
                            problem.days[d],
                        )
                    )
        return out


@constraint
class ClinicCapacity(Constraint):
    """At most ``Options.clinic_capacity`` residents in supervised clinic per half-day (off by default)."""

    id = "CLINIC-CAP"
    title = "Clinic capacity per half-day"
    layer = "clinic"

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        cap = problem.options.clinic_capacity
        if cap is None:
            return []
        for (d, h), ps in _sessions(v).items():
            parts = [_present(v, p, d, h) for p in ps]
            model.Add(sum(c for c, _ in parts) + sum(x for _, x in parts) <= cap)
        return []

    def measure(self, problem, schedule):
        cap = problem.options.clinic_capacity
        if cap is None:
            return []
        rows = _grid_rows(problem, schedule)
        out = []
        for d in range(problem.n_days):
            for h in (0, 1):
                n = sum(1 for p in problem.residents if p in rows and int(rows[p][d, h]) in problem.clinic_load)
                if n > cap:
                    out.append(
                        Breach(self.id, f"{n} residents in clinic > {cap}", None, problem.days[d], amount=n - cap)
                    )
        return out


def _cap_periods(problem: Problem):
    """(kind, cap attribute, list of day ranges): calendar weeks and blocks."""
    weeks = weeks_of(problem)
    blocks = [
        list(range(hb.d0, problem.block_halves(hb.block)[1].d1)) for hb in problem.halves if hb.part == "first_half"
    ]
    return (("week", "clinic_cap_week", weeks), ("block", "clinic_cap_block", blocks))


def _clinic_codes(problem: Problem) -> set[int]:
    own = problem.cidx.get(problem.options.faculty_clinic_code)
    return {c for c in range(len(problem.codes))
            if c == own or (problem.options.caps_count_precepting and problem.codes[c] == "AT")}  # fmt: skip


@constraint
class FacultyClinicCaps(Constraint):
    """Faculty's own clinic half-days (C) within Person.clinic_cap_week per calendar week and
    Person.clinic_cap_block per block. Precepting (AT) counts too when
    ``Options.caps_count_precepting``; PCAT (post-call) never does."""

    id = "FAC-CAP"
    title = "Faculty clinic caps per week and block"
    layer = "clinic"

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        for f in v.faculty:
            person = problem.program.people[f]
            for _kind, attr, periods in _cap_periods(problem):
                cap = getattr(person, attr)
                if cap is None:
                    continue
                for days in periods:
                    xs = [v.own[k] for d in days for h in (0, 1) if (k := (f, d, h)) in v.own]
                    if problem.options.caps_count_precepting:
                        xs += [v.at[k] for d in days for h in (0, 1) if (k := (f, d, h)) in v.at]
                    if len(xs) > cap:
                        model.Add(sum(xs) <= cap)
        return []

    def measure(self, problem, schedule):
        rows = _grid_rows(problem, schedule)
        codes = _clinic_codes(problem)
        out = []
        for f in problem.faculty:
            if f not in rows:
                continue
            person = problem.program.people[f]
            is_clinic = np.isin(rows[f], list(codes))
            for kind, attr, periods in _cap_periods(problem):
                cap = getattr(person, attr)
                if cap is None:
                    continue
                for days in periods:
                    n = int(is_clinic[days].sum())
                    if n > cap:
                        msg = f"{n} clinic half-days in the {kind} of {problem.days[days[0]]} > {cap}"
                        out.append(Breach(self.id, msg, person.key, problem.days[days[0]], amount=n - cap))
        return out


@constraint
class ContinuityClinic(Constraint):
    """Flexible cells stay continuity clinic where a preceptor can be found (each one lost costs)."""

    id = "CLINIC-FLEX"
    title = "Flexible cells kept as continuity clinic"
    layer = "clinic"
    hard = False
    weight = 3

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        return [(1, 1 - x) for x in v.keep.values()]

    def measure(self, problem, schedule):
        alt = problem.cidx.get(problem.options.flexible_alternative)
        from residency.scheduling.blockvars import half_rotations
        from residency.scheduling.fill import pattern_offsets

        rows = _grid_rows(problem, schedule)
        rots = half_rotations(problem, schedule)
        out = []
        for p in problem.residents:
            if p not in rows:
                continue
            n = 0
            for d, r, offset in pattern_offsets(problem, rots, p):
                for h in (0, 1):
                    if ((offset % 28) * 2 + h) in problem.rotations[r].flexible and rows[p][d, h] == alt:
                        n += 1
            if n:
                out.append(Breach(self.id, f"{n} flexible clinic cells given to admin", problem.people[p], amount=n))
        return out


@constraint
class KeepFixedClinic(Constraint):
    """A fixed clinic cell of a pattern is given up only when no preceptor exists: a procedure clinic
    becomes continuity clinic (20), any clinic becomes admin (50)."""

    id = "CLINIC-KEEP"
    title = "Fixed clinic cells kept"
    layer = "clinic"
    hard = False
    weight = 10

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        return [(5, x) for x in v.drop.values()] + [(2, x) for x in v.conv.values()]

    def measure(self, problem, schedule):
        return []  # counted by GRID-PATTERN (cells off pattern)


@constraint
class FacultyOwnClinic(Constraint):
    """Faculty keep their own clinic up to their weekly cap (each unused half-day they are available
    for costs 2) and precept no more than needed (each AT half-day costs 1), so the rest is admin."""

    id = "FAC-OWN"
    title = "Faculty own clinic up to the cap"
    layer = "clinic"
    hard = False
    weight = 1

    def encode(self, model, problem, v: ClinicVars) -> list[Term]:
        terms: list[Term] = [(1, x) for x in v.at.values()]
        weeks = weeks_of(problem)
        for f in v.faculty:
            cap = problem.program.people[f].clinic_cap_week
            if cap is None:
                continue
            for days in weeks:
                xs = [v.own[k] for d in days for h in (0, 1) if (k := (f, d, h)) in v.own]
                if problem.options.caps_count_precepting:
                    xs += [v.at[k] for d in days for h in (0, 1) if (k := (f, d, h)) in v.at]
                target = min(cap, len(xs))
                if target:
                    terms.append((2, target - sum(xs)))
        return terms
