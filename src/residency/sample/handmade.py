"""A complete, plausible schedule built by hand (no solver), for tests and benchmarks: residents on rotations block by
block (services with a minimum staffed first), approved leave on the grid, resident call every night,
faculty staff call Sunday-Thursday with PCAT/DO after it, one faculty inpatient week at a time, and
faculty precepting (AT) every clinic half-day exactly as the supervision ratio requires — the
vasectomy clinic by its only credentialed faculty member (F-03) whenever present."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from residency.domain.calendar import HalfDay
from residency.domain.program import (
    AbsenceStatus,
    BlockAssignment,
    FacultyRole,
    PersonKind,
    Program,
)
from residency.domain.schedule import CallAssignment, Schedule

EXCLUDED = {"FMO", "HILO"}


def _absent_days(program: Program) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for a in program.absences:
        if a.status != AbsenceStatus.APPROVED:
            continue
        for i in range((a.end - a.start).days + 1):
            out.setdefault(a.person, set()).add((a.start - program.year.start).days + i)
    return out


def realistic_schedule(program: Program) -> Schedule:
    s = Schedule.empty(program)
    start, D = program.year.start, program.year.days
    code = s.code_index
    absent = _absent_days(program)
    residents = program.residents()
    pgy = {p.key: p.pgy_on(start) or 1 for p in residents}
    locks = {(b.person, b.block): b.rotation for b in program.block_assignments}
    minimum = [r for r in program.rotations if r.min_residents > 0]
    assignments: list[BlockAssignment] = []
    for bi, block in enumerate(program.year.blocks):
        a, b = (block.start - start).days, (block.end - start).days
        busy = {p.key: bool(absent.get(p.key, set()) & set(range(a, b + 1))) for p in residents}
        chosen: dict[str, str] = {k: rot for (k, blk), rot in locks.items() if blk == block.number}
        for r in minimum:
            pool = [p.key for p in residents if pgy[p.key] in r.eligible_pgy and pgy[p.key] >= 2]
            need, k = r.min_residents, bi * 3
            while need and k < bi * 3 + 3 * len(pool):
                key = pool[k % len(pool)]
                k += 1
                if key not in chosen and not busy[key]:
                    chosen[key] = r.abbreviation
                    need -= 1
        for j, p in enumerate(residents):
            if p.key in chosen:
                continue
            elig = [
                r.abbreviation
                for r in program.rotations
                if pgy[p.key] in r.eligible_pgy and r.min_residents == 0 and r.abbreviation not in EXCLUDED
                and (r.leave_allowed or not busy[p.key])
            ]  # fmt: skip
            chosen[p.key] = elig[(j + bi) % len(elig)]
        for key, abbr in chosen.items():
            assignments.append(BlockAssignment(key, block.number, abbr))
            rot, row = program.rotation(abbr), s.row(key)
            for i in range(b - a + 1):
                s.grid[row, a + i, 0] = code(rot.code_on(i, HalfDay.AM))
                s.grid[row, a + i, 1] = code(rot.code_on(i, HalfDay.PM))
    s.block_assignments = tuple(assignments)
    # the clinic is closed on weekends and federal holidays
    weekday = np.array([(start + timedelta(days=d)).weekday() for d in range(D)])
    holiday = {(h.day - start).days for h in program.year.holidays}
    acts = {a.code: a for a in program.activities}
    clinic = np.array([bool(acts[c].supervision_load) for c in s.codes] + [False])
    rows = [s.row(p.key) for p in residents]
    sub = s.grid[rows]
    closed = clinic[sub] & ((weekday >= 5)[None, :, None])
    sub[closed] = code("W")
    for d in holiday:
        sub[:, d, :] = np.where(clinic[sub[:, d, :]], code("FED"), sub[:, d, :])
    s.grid[rows] = sub

    # faculty: weekends W, holidays FED, weekdays ADM, one inpatient week at a time
    faculty = program.faculty()
    staff = [f.key for f in faculty if f.faculty_role != FacultyRole.ADJUNCT]
    for f in faculty:
        row = s.row(f.key)
        s.grid[row, :, :] = np.where(weekday[:, None] >= 5, code("W"), code("ADM"))
        for d in holiday:
            s.grid[row, d, :] = code("FED")
    fmit: dict[int, str] = {}
    for d in range(D):
        week = d // 7
        key = staff[week % len(staff)]
        fmit[d] = key
        s.grid[s.row(key), d, :] = code("FMIT")
    # leave on the grid
    for key, days in absent.items():
        if key in s._row:
            for d in days:
                if 0 <= d < D:
                    s.grid[s.row(key), d, :] = code("LV")

    def free(key: str, d: int) -> bool:
        return d not in absent.get(key, set()) and fmit.get(d) != key

    rot_of = {(b.person, b.block): program.rotation(b.rotation) for b in assignments}
    block_of = [program.year.block_of(start + timedelta(days=d)).number for d in range(D)]

    def night_rotation(key: str, d: int) -> bool:
        r = rot_of.get((key, block_of[d]))
        return r is not None and (r.is_night_float or r.off_site)

    calls: list[CallAssignment] = []
    pools = {p.name: p for p in program.call_pools}
    last_call: dict[str, int] = {}
    counter = 0
    for pool in pools.values():
        if pool.includes_faculty:
            members = [m for m in pool.members if m in staff]
        else:
            members = [p.key for p in residents if pgy[p.key] in pool.eligible_pgy]
        for d in range(D):
            if weekday[d] not in pool.weekdays:
                continue
            for k in range(len(members)):
                key = members[(counter + k) % len(members)]
                if not (free(key, d) and free(key, d + 1)) or last_call.get(key) in (d - 1, d):
                    continue
                if not pool.includes_faculty and night_rotation(key, d):
                    continue
                calls.append(CallAssignment(key, start + timedelta(days=d), pool.name))
                last_call[key] = d
                counter += k + 1
                if pool.includes_faculty and d + 1 < D and weekday[d + 1] < 5 and d + 1 not in holiday:
                    s.grid[s.row(key), d + 1, 0] = code("PCAT")
                    s.grid[s.row(key), d + 1, 1] = code("DO")
                break
    s.calls = tuple(calls)

    # precepting: exactly what the ratio requires each clinic half-day
    load = {c: acts[c].supervision_load for c in s.codes}
    vas = [f.key for f in faculty if any(c.person == f.key and c.procedure == "VAS" for c in program.credentials)]
    res_rows = [(s.row(p.key), "pgy1" if pgy[p.key] == 1 else "senior", p.key) for p in residents]
    at_count = {k: 0 for k in staff}
    for d in range(D):
        for h in (0, 1):
            total, n_vas = 0.0, 0
            for row, cls, key in res_rows:
                if d in absent.get(key, set()):
                    continue
                c = s.codes[s.grid[row, d, h]]
                total += load[c].get(cls, 0.0)
                n_vas += c == "VAS"
            need = math.ceil(total - 1e-9)
            if not need:
                continue
            have = sum(1 for k in staff if s.codes[s.grid[s.row(k), d, h]] in ("AT", "PCAT"))
            for k in vas[:n_vas]:
                if s.codes[s.grid[s.row(k), d, h]] == "ADM" and free(k, d):
                    s.grid[s.row(k), d, h] = code("AT")
                    have += 1
            for k in sorted(staff, key=lambda k: at_count[k]):
                if have >= need:
                    break
                if s.codes[s.grid[s.row(k), d, h]] == "ADM" and free(k, d):
                    s.grid[s.row(k), d, h] = code("AT")
                    at_count[k] += 1
                    have += 1
    assert not (s.grid < 0).any()
    assert all(p.kind in (PersonKind.RESIDENT, PersonKind.FACULTY) for p in program.people)
    return s
