"""Greedy layer 3b: clinic supervision, continuity-clinic cells and faculty own clinic.

Half-days are taken scarcest first (fewest open faculty per unit of supervision load). In each:

1. Residents over ``Options.clinic_capacity`` leave clinic (flexible cells first).
2. Procedure clinics need a credentialed preceptor: the credentialed open attending with the most
   room that week precepts; with none, procedure cells become continuity clinic (or admin).
3. Preceptors (AT) are added, most room first (open half-days that week beyond their own-clinic
   cap, fewest precepting so far), until ceil(sum of loads) preceptors, PCAT and kept preceptors
   included, cover the residents; short of preceptors, flexible cells become admin (PGY-1 first,
   whose load is largest), then fixed cells are given up (procedures to continuity clinic, then admin).
4. Each attending's remaining open weekday half-days become own clinic (C) up to the weekly and
   block caps (precepting counts towards them with ``Options.caps_count_precepting``); the rest is
   admin (``fill_faculty_rest``).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from residency.domain.program import FacultyRole
from residency.domain.schedule import UNFILLED
from residency.scheduling.clinic import ClinicResult, credentialed
from residency.scheduling.faculty import week_of_day, weeks_of
from residency.scheduling.problem import Problem


def greedy_clinic(problem: Problem, grid: np.ndarray, flexible: np.ndarray) -> ClinicResult:
    pr = problem
    out = grid.copy()
    alt = pr.code(pr.options.flexible_alternative, "ADM")
    at_code = pr.code("AT")
    own_code = pr.code(pr.options.faculty_clinic_code, "C")
    c_code = pr.cidx.get("C")
    loads = pr.clinic_load
    faculty = [f for f in pr.faculty if pr.in_scope(f) and pr.program.people[f].faculty_role != FacultyRole.ADJUNCT]
    weeks = weeks_of(pr)
    wod = week_of_day(weeks)
    block_of = {}
    for hb in pr.halves:
        for d in range(hb.d0, hb.d1):
            block_of[d] = hb.block
    count_at = pr.options.caps_count_precepting
    open_cells = {f: (out[f] == UNFILLED) for f in faculty}
    open_week = {f: defaultdict(int) for f in faculty}
    for f in faculty:
        for d, _h in zip(*np.nonzero(open_cells[f]), strict=True):
            open_week[f][wod[int(d)]] += 1
    cap_w = {f: pr.program.people[f].clinic_cap_week for f in faculty}
    cap_b = {f: pr.program.people[f].clinic_cap_block for f in faculty}
    used_w = {f: defaultdict(int) for f in faculty}  # clinic half-days counted against the week cap
    used_b = {f: defaultdict(int) for f in faculty}
    at_w = {f: defaultdict(int) for f in faculty}
    n_at = dict.fromkeys(faculty, 0)

    def load_of(p: int, c: int, d: int) -> float:
        ld = loads.get(c, {})
        return ld.get("pgy1" if pr.pgy(p, d) == 1 else "senior", max(ld.values(), default=0))

    # sessions: half-days with residents in supervised clinic
    sessions: dict[tuple[int, int], list[int]] = defaultdict(list)
    clinic_mask = np.isin(out, list(loads)) if loads else np.zeros(out.shape, bool)
    for p in pr.residents:
        for d, h in zip(*np.nonzero(clinic_mask[p]), strict=True):
            sessions[(int(d), int(h))].append(p)
    given_up = 0
    flex_lost = 0
    dropped = converted = 0  # fixed cells given up to admin / procedure cells turned continuity clinic

    def changeable(p: int, d: int, h: int) -> bool:
        return pr.in_scope(p) and pr.fixed[p, d, h] < 0 and pr.absence[p, d, h] < 0

    def preceptors(d: int, h: int) -> list[int]:
        return [f for f in pr.faculty if out[f, d, h] >= 0 and pr.provides_supervision[out[f, d, h]]]

    def room(f: int, d: int) -> float:
        w = wod[d]
        cap = cap_w[f]
        spare = open_week[f][w] - (cap if cap is not None else 0) - at_w[f][w]
        return spare - 0.01 * n_at[f]

    def can_precept(f: int, d: int, h: int) -> bool:
        if out[f, d, h] != UNFILLED:
            return False
        if count_at:
            if cap_w[f] is not None and used_w[f][wod[d]] >= cap_w[f]:
                return False
            if cap_b[f] is not None and used_b[f][block_of[d]] >= cap_b[f]:
                return False
        return True

    def precept(f: int, d: int, h: int) -> None:
        out[f, d, h] = at_code
        at_w[f][wod[d]] += 1
        n_at[f] += 1
        if count_at:
            used_w[f][wod[d]] += 1
            used_b[f][block_of[d]] += 1

    def scarcity(key: tuple[int, int]) -> float:
        d, h = key
        load = sum(load_of(p, int(out[p, d, h]), d) for p in sessions[key])
        avail = sum(1 for f in faculty if out[f, d, h] == UNFILLED)
        return avail - load

    for d, h in sorted(sessions, key=scarcity):
        ps = sessions[(d, h)]
        day = pr.days[d]
        # 1. clinic capacity
        cap = pr.options.clinic_capacity
        if cap is not None and len(ps) > cap:
            order = sorted(ps, key=lambda p: (not flexible[p, d, h], not changeable(p, d, h)))
            for p in order[: len(ps) - cap]:
                if flexible[p, d, h] or changeable(p, d, h):
                    given_up += 0 if flexible[p, d, h] else 1
                    dropped += 0 if flexible[p, d, h] else 1
                    flex_lost += 1 if flexible[p, d, h] else 0
                    out[p, d, h] = alt
            ps = [p for p in ps if int(out[p, d, h]) in loads]
        # 2. procedure clinics: a credentialed preceptor
        procs = [p for p in ps if int(out[p, d, h]) in pr.procedure_of]
        for proc in sorted({pr.procedure_of[int(out[p, d, h])] for p in procs}, key=str):
            mine = [p for p in procs if pr.procedure_of[int(out[p, d, h])] == proc]
            if any(credentialed(pr, f, proc, day) for f in preceptors(d, h)):
                continue
            cred = [f for f in faculty if can_precept(f, d, h) and credentialed(pr, f, proc, day)]
            if cred:
                precept(max(cred, key=lambda f: room(f, d)), d, h)
                continue
            for p in mine:
                if not changeable(p, d, h) and not flexible[p, d, h]:
                    continue
                if c_code is not None:
                    out[p, d, h] = c_code
                    converted += 1
                else:
                    out[p, d, h] = alt
                    dropped += 1
                given_up += 1
        ps = [p for p in ps if int(out[p, d, h]) in loads]
        # 3. enough preceptors
        while True:
            load = sum(load_of(p, int(out[p, d, h]), d) for p in ps)
            need = math.ceil(load - 1e-9)
            have = len(preceptors(d, h))
            if have >= need:
                break
            cand = [f for f in faculty if can_precept(f, d, h)]
            if cand:
                precept(max(cand, key=lambda f: room(f, d)), d, h)
                continue
            # nobody left: give up cells, flexible first, the heaviest load first
            drop = [p for p in ps if flexible[p, d, h]]
            fixed = False
            if not drop:
                drop = [p for p in ps if changeable(p, d, h)]
                fixed = True
            if not drop:
                break
            p = max(drop, key=lambda p: load_of(p, int(out[p, d, h]), d))
            c = int(out[p, d, h])
            if fixed and c in pr.procedure_of and c_code is not None:
                out[p, d, h] = c_code
                converted += 1
            else:
                out[p, d, h] = alt
                dropped += 1 if fixed else 0
            if fixed:
                given_up += 1
            else:
                flex_lost += 1
            ps = [q for q in ps if int(out[q, d, h]) in loads]

    # 4. own clinic up to the caps, earliest open half-days first
    own_n = 0
    short_own = 0
    for f in faculty:
        cw, cb = cap_w[f], cap_b[f]
        if cw is None and cb is None:
            continue
        for w, ds in enumerate(weeks):
            target = 0
            for d in ds:
                for h in (0, 1):
                    if out[f, d, h] != UNFILLED:
                        continue
                    if cw is not None and used_w[f][w] >= cw:
                        continue
                    if cb is not None and used_b[f][block_of[d]] >= cb:
                        continue
                    out[f, d, h] = own_code
                    used_w[f][w] += 1
                    used_b[f][block_of[d]] += 1
                    own_n += 1
            if cw is not None:
                avail = sum(1 for d in ds for h in (0, 1) if grid[f, d, h] == UNFILLED)
                got = sum(1 for d in ds for h in (0, 1) if out[f, d, h] == own_code and grid[f, d, h] == UNFILLED)
                if count_at:
                    got += at_w[f][w]
                target = min(cw, avail)
                short_own += max(target - got, 0)
    bd = {
        "CLINIC-FLEX": 3.0 * flex_lost,
        "CLINIC-KEEP": 10.0 * (5 * dropped + 2 * converted),
        "FAC-OWN": float(sum(n_at.values()) + 2 * short_own),
    }
    return ClinicResult("feasible", out, sum(bd.values()), None, bd, given_up)
