"""The Curtois & Qu shift scheduling benchmark (Instance1..24): parser, roster CSV and an evaluator.

The evaluator recomputes the objective and checks every hard constraint of an instance from the
roster alone, written straight from the benchmark's definition (shared/benchmarks/README.md) and
sharing no code with any solver model, so a solver cannot grade its own homework.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


class InstanceError(ValueError):
    """A malformed instance file; names the line and section."""

    def __init__(self, line: int, section: str | None, message: str) -> None:
        where = f"line {line}" + (f" ({section})" if section else "")
        super().__init__(f"{where}: {message}")
        self.line, self.section, self.reason = line, section, message


@dataclass(frozen=True)
class Shift:
    id: str
    minutes: int
    forbidden_next: frozenset[str]


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    staff: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass
class Instance:
    name: str
    horizon: int
    shifts: dict[str, Shift]
    staff: dict[str, Staff]
    days_off: dict[str, frozenset[int]]
    on_requests: list[Request]
    off_requests: list[Request]
    cover: list[Cover]

    @property
    def weekends(self) -> int:
        return (self.horizon + 1) // 7 if self.horizon % 7 == 6 else self.horizon // 7


def _int(text: str, line: int, section: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InstanceError(line, section, f"{what} must be a whole number, got {text.strip()!r}") from None


def parse(text: str, name: str = "instance") -> Instance:
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in SECTIONS}
    section: str | None = None
    for number, raw in enumerate(text.replace("\r", "").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in rows:
                raise InstanceError(number, None, f"unknown section {line!r}")
            section = line
            continue
        if section is None:
            raise InstanceError(number, None, "data before the first SECTION_ line")
        rows[section].append((number, [p.strip() for p in line.split(",")]))

    def need(sec: str, fields: list[str], count: int, number: int) -> None:
        if len(fields) < count:
            raise InstanceError(number, sec, f"expected {count} comma-separated fields, got {len(fields)}")

    if len(rows["SECTION_HORIZON"]) != 1:
        raise InstanceError(
            rows["SECTION_HORIZON"][1][0] if rows["SECTION_HORIZON"] else 0,
            "SECTION_HORIZON",
            "needs exactly one line with the number of days",
        )
        # (unreachable)
    number, fields = rows["SECTION_HORIZON"][0]
    horizon = _int(fields[0], number, "SECTION_HORIZON", "the horizon")
    if horizon <= 0:
        raise InstanceError(number, "SECTION_HORIZON", "the horizon must be at least one day")

    shifts: dict[str, Shift] = {}
    for number, fields in rows["SECTION_SHIFTS"]:
        need("SECTION_SHIFTS", fields, 2, number)
        forbidden = frozenset(s for s in (fields[2].split("|") if len(fields) > 2 else []) if s)
        shifts[fields[0]] = Shift(fields[0], _int(fields[1], number, "SECTION_SHIFTS", "the length"), forbidden)
    if not shifts:
        raise InstanceError(0, "SECTION_SHIFTS", "no shift types")
    for number, fields in rows["SECTION_SHIFTS"]:
        unknown = shifts[fields[0]].forbidden_next - shifts.keys()
        if unknown:
            raise InstanceError(number, "SECTION_SHIFTS", f"unknown shift(s) {sorted(unknown)} in ForbiddenNext")

    staff: dict[str, Staff] = {}
    for number, fields in rows["SECTION_STAFF"]:
        need("SECTION_STAFF", fields, 8, number)
        limits: dict[str, int] = {}
        for item in filter(None, fields[1].split("|")):
            shift, _, value = item.partition("=")
            if shift not in shifts:
                raise InstanceError(number, "SECTION_STAFF", f"unknown shift {shift!r} in MaxShifts")
            limits[shift] = _int(value, number, "SECTION_STAFF", f"MaxShifts for {shift}")
        ints = [
            _int(v, number, "SECTION_STAFF", n)
            for v, n in zip(
                fields[2:8],
                (
                    "MaxTotalMinutes",
                    "MinTotalMinutes",
                    "MaxConsecutiveShifts",
                    "MinConsecutiveShifts",
                    "MinConsecutiveDaysOff",
                    "MaxWeekends",
                ),
                strict=True,
            )
        ]
        staff[fields[0]] = Staff(fields[0], limits, *ints)
    if not staff:
        raise InstanceError(0, "SECTION_STAFF", "no staff")

    def check_staff(sec: str, number: int, who: str) -> None:
        if who not in staff:
            raise InstanceError(number, sec, f"unknown staff member {who!r}")

    def check_day(sec: str, number: int, day: int) -> None:
        if not 0 <= day < horizon:
            raise InstanceError(number, sec, f"day {day} is outside the horizon 0..{horizon - 1}")

    days_off: dict[str, frozenset[int]] = {}
    for number, fields in rows["SECTION_DAYS_OFF"]:
        check_staff("SECTION_DAYS_OFF", number, fields[0])
        days = [_int(d, number, "SECTION_DAYS_OFF", "a day") for d in fields[1:] if d]
        for d in days:
            check_day("SECTION_DAYS_OFF", number, d)
        days_off[fields[0]] = days_off.get(fields[0], frozenset()) | frozenset(days)

    def requests(sec: str) -> list[Request]:
        out = []
        for number, fields in rows[sec]:
            need(sec, fields, 4, number)
            check_staff(sec, number, fields[0])
            day = _int(fields[1], number, sec, "the day")
            check_day(sec, number, day)
            if fields[2] not in shifts:
                raise InstanceError(number, sec, f"unknown shift {fields[2]!r}")
            out.append(Request(fields[0], day, fields[2], _int(fields[3], number, sec, "the weight")))
        return out

    cover = []
    for number, fields in rows["SECTION_COVER"]:
        need("SECTION_COVER", fields, 5, number)
        day = _int(fields[0], number, "SECTION_COVER", "the day")
        check_day("SECTION_COVER", number, day)
        if fields[1] not in shifts:
            raise InstanceError(number, "SECTION_COVER", f"unknown shift {fields[1]!r}")
        cover.append(
            Cover(
                day,
                fields[1],
                *(
                    _int(v, number, "SECTION_COVER", n)
                    for v, n in zip(fields[2:5], ("Requirement", "WeightUnder", "WeightOver"), strict=True)
                ),
            )
        )
    return Instance(
        name,
        horizon,
        shifts,
        staff,
        days_off,
        requests("SECTION_SHIFT_ON_REQUESTS"),
        requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover,
    )


def load(path: str | Path) -> Instance:
    path = Path(path)
    return parse(path.read_text(), path.stem)


# A roster maps (staff, day) -> shift id; absent = day off.
Roster = dict[tuple[str, int], str]


def roster_csv(roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["staff_id", "day", "shift_id"])
    for (who, day), shift in sorted(roster.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        writer.writerow([who, day, shift])
    return out.getvalue()


def read_roster_csv(text: str) -> Roster:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != ["staff_id", "day", "shift_id"]:
        raise ValueError("roster CSV header must be staff_id,day,shift_id")
    roster: Roster = {}
    for i, row in enumerate(reader, start=2):
        key = (row["staff_id"], int(row["day"]))
        if key in roster:
            raise ValueError(f"line {i}: two shifts for {key[0]} on day {key[1]}")
        roster[key] = row["shift_id"]
    return roster


@dataclass
class Evaluation:
    objective: int
    hard_violations: list[str] = field(default_factory=list)
    parts: dict[str, int] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.hard_violations


def _runs(worked: list[bool]) -> list[tuple[int, int, bool]]:
    """(start, length, working) for each maximal run."""
    runs, start = [], 0
    for d in range(1, len(worked) + 1):
        if d == len(worked) or worked[d] != worked[start]:
            runs.append((start, d - start, worked[start]))
            start = d
    return runs


def evaluate(instance: Instance, roster: Roster) -> Evaluation:
    """The benchmark's objective and every hard-constraint breach, from the roster alone."""
    h = instance.horizon
    bad: list[str] = []
    for (who, day), shift in roster.items():
        if who not in instance.staff or not 0 <= day < h or shift not in instance.shifts:
            bad.append(f"unknown assignment {who} day {day} shift {shift}")
    for who, st in instance.staff.items():
        days = [roster.get((who, d)) for d in range(h)]
        worked = [s is not None for s in days]
        for d in range(h - 1):
            if days[d] and days[d + 1] and days[d + 1] in instance.shifts[days[d]].forbidden_next:
                bad.append(f"{who}: {days[d + 1]} on day {d + 1} may not follow {days[d]}")
        for shift in instance.shifts:
            count = sum(1 for s in days if s == shift)
            if count > st.max_shifts.get(shift, 0):
                bad.append(f"{who}: {count} {shift} shifts > max {st.max_shifts.get(shift, 0)}")
        minutes = sum(instance.shifts[s].minutes for s in days if s)
        if not st.min_minutes <= minutes <= st.max_minutes:
            bad.append(f"{who}: {minutes} minutes outside [{st.min_minutes}, {st.max_minutes}]")
        for start, length, working in _runs(worked):
            touches_edge = start == 0 or start + length == h
            if working and length > st.max_consecutive:
                bad.append(f"{who}: {length} consecutive shifts from day {start} > {st.max_consecutive}")
            if working and length < st.min_consecutive and not touches_edge:
                bad.append(f"{who}: {length} consecutive shifts from day {start} < {st.min_consecutive}")
            if not working and length < st.min_days_off and not touches_edge:
                bad.append(f"{who}: {length} consecutive days off from day {start} < {st.min_days_off}")
        weekends = sum(1 for w in range(h // 7) if worked[7 * w + 5] or worked[7 * w + 6])
        if weekends > st.max_weekends:
            bad.append(f"{who}: {weekends} weekends worked > {st.max_weekends}")
        for d in sorted(instance.days_off.get(who, ())):
            if worked[d]:
                bad.append(f"{who}: works on day off {d}")
    on = sum(r.weight for r in instance.on_requests if roster.get((r.staff, r.day)) != r.shift)
    off = sum(r.weight for r in instance.off_requests if roster.get((r.staff, r.day)) == r.shift)
    counts: dict[tuple[int, str], int] = {}
    for (_, day), shift in roster.items():
        counts[(day, shift)] = counts.get((day, shift), 0) + 1
    under = over = 0
    for c in instance.cover:
        n = counts.get((c.day, c.shift), 0)
        under += c.weight_under * max(0, c.requirement - n)
        over += c.weight_over * max(0, n - c.requirement)
    parts = {"on_requests": on, "off_requests": off, "cover_under": under, "cover_over": over}
    return Evaluation(sum(parts.values()), bad, parts)
