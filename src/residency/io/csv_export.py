"""CSV: one row per half-day assignment and one per call assignment."""

from __future__ import annotations

import csv
import io

from residency.domain.program import Program
from residency.domain.schedule import Schedule
from residency.io.common import HALVES, cell, rotation_on

COLUMNS = ("type", "person", "name", "kind", "pgy", "date", "half", "code", "rotation", "pool")


def export_csv(program: Program, schedule: Schedule, *, block: int | None = None, person: str | None = None) -> str:
    year = program.year
    first, last = schedule.start, schedule.end
    if block is not None:
        found = next((b for b in year.blocks if b.number == block), None)
        if found is None:
            raise ValueError(f"block {block} not found")
        first, last = found.start, found.end
    people = {p.key: p for p in program.people}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    d0, d1 = schedule.day_index(first), schedule.day_index(last)
    keys = [person] if person else list(schedule.people)
    for key in keys:
        p = people[key]
        r = schedule.row(key)
        for d in range(d0, d1 + 1):
            day = schedule.start.fromordinal(schedule.start.toordinal() + d)
            pgy = p.pgy_on(day)
            rot = rotation_on(schedule, year.blocks, key, day) or ""
            for h in (0, 1):
                code = cell(schedule, r, d, h)
                if code is None:
                    continue
                w.writerow(
                    ("half_day", key, p.name, p.kind.value, pgy or "", day.isoformat(), HALVES[h], code, rot, "")
                )
    for c in sorted(schedule.calls, key=lambda c: (c.night, c.pool, c.person)):
        if not (first <= c.night <= last) or (person and c.person != person):
            continue
        p = people[c.person]
        rot = rotation_on(schedule, year.blocks, c.person, c.night) or ""
        w.writerow(
            (
                "call",
                c.person,
                p.name,
                p.kind.value,
                p.pgy_on(c.night) or "",
                c.night.isoformat(),
                "night",
                "CALL",
                rot,
                c.pool,
            )
        )
    return out.getvalue()
