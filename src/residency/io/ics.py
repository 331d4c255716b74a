"""iCalendar (RFC 5545) feeds: one calendar per person.

- Half-days become events with the activity's real times in the program's time zone (a VTIMEZONE is
  included); consecutive half-days of the same code with at most a lunch gap between them are merged
  (a clinic day 08:00-17:00, a night-float night 19:00-07:00). Off half-days (W, OFF, PC, FED…) are
  left out.
- Call shifts are events from the pool's shift start to its end (the next morning).
- Absences are all-day events.
UIDs are stable (person + start, or person + night + pool, or person + absence start + type), so a
subscribed calendar replaces an event when it changes instead of duplicating it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from residency.domain.program import ActivityCategory, Program
from residency.domain.schedule import Schedule
from residency.io.common import cell

PRODID = "-//Residency Scheduler//Schedule feed//EN"
DOMAIN = "residency-scheduler"
MERGE_GAP = timedelta(hours=2)


def _uid(*parts: object) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return f"{digest}@{DOMAIN}"


def person_calendar(
    program: Program, schedule: Schedule | None, person: str, *, stamp: datetime | None = None
) -> bytes:
    year = program.year
    tz = ZoneInfo(year.timezone)
    people = {p.key: p for p in program.people}
    if person not in people:
        raise KeyError(person)
    who = people[person]
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{who.name} — {program.name}")
    cal.add("x-wr-timezone", year.timezone)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    acts = {a.code: a for a in program.activities}
    if schedule is not None and person in schedule.people:
        r = schedule.row(person)
        spans: list[list] = []  # [start, end, code]
        for d in range(schedule.days):
            day = date.fromordinal(schedule.start.toordinal() + d)
            for h in (0, 1):
                code = cell(schedule, r, d, h)
                act = acts.get(code) if code else None
                if act is None or act.category == ActivityCategory.OFF:
                    continue
                s_t, e_t = (act.am_start, act.am_end) if h == 0 else (act.pm_start, act.pm_end)
                start = datetime.combine(day, s_t, tzinfo=tz)
                end = datetime.combine(day + timedelta(days=1) if e_t <= s_t else day, e_t, tzinfo=tz)
                if spans and spans[-1][2] == code and timedelta(0) <= start - spans[-1][1] <= MERGE_GAP:
                    spans[-1][1] = end
                else:
                    spans.append([start, end, code])
        for start, end, code in spans:
            act = acts[code]
            ev = Event()
            ev.add("uid", _uid(person, start.isoformat()))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", start)
            ev.add("dtend", end)
            ev.add("summary", f"{code} — {act.name}")
            ev.add("categories", [act.category.value])
            ev.add("transp", "OPAQUE")
            cal.add_component(ev)
        pools = {p.name: p for p in program.call_pools}
        for c in schedule.calls:
            if c.person != person or c.pool not in pools:
                continue
            pool = pools[c.pool]
            start = datetime.combine(c.night, pool.shift_start, tzinfo=tz)
            end_day = c.night + timedelta(days=1) if pool.shift_end <= pool.shift_start else c.night
            ev = Event()
            ev.add("uid", _uid("call", person, c.night.isoformat(), c.pool))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", start)
            ev.add("dtend", datetime.combine(end_day, pool.shift_end, tzinfo=tz))
            ev.add("summary", f"Call — {c.pool}")
            ev.add("categories", ["call"])
            cal.add_component(ev)
    for a in program.absences:
        if a.person != person or a.status.value not in ("approved", "requested"):
            continue
        ev = Event()
        ev.add("uid", _uid("absence", person, a.start.isoformat(), a.type.value))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", a.start)
        ev.add("dtend", a.end + timedelta(days=1))
        label = a.type.value.replace("_", " ")
        ev.add("summary", f"Leave ({label})" + (" — requested" if a.status.value == "requested" else ""))
        ev.add("categories", ["leave"])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    cal.add_missing_timezones(first_date=year.start - timedelta(days=366), last_date=year.end + timedelta(days=366))
    return cal.to_ical()
