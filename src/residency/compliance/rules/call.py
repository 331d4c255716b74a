"""CALL-01 in-house call frequency; HOME-01/HOME-03 at-home call; NF-01 night float caps."""

from __future__ import annotations

from datetime import timedelta

from residency.compliance.findings import Q3_BOUNDARY, Finding, Severity, Status
from residency.compliance.rules.base import PersonContext, WindowInput, hours, rule
from residency.domain.duty import DutyKind

_IN_HOUSE = frozenset({DutyKind.CALL_IN_HOUSE})


def is_q3_boundary(call_days: list[int], calls: int, eff: int, every: int) -> bool:
    """A literal q3 pattern: as many calls as ceil(eff/3) and every pair of calls >= 3 days apart."""
    if calls != -(-eff // every):
        return False
    return all(b - a >= every for a, b in zip(call_days, call_days[1:], strict=False))


@rule(
    "CALL-01",
    title="In-house call no more often than every third night, averaged",
    citation="CPR VI.F.7",
    severity=Severity.VIOLATION,
    scope="window",
)
def call_frequency(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    st = win.stats
    out = []
    for k in win.candidates():
        eff, calls, every = int(st.eff[k]), int(st.calls[k]), int(st.call_every[k])
        if calls * every <= eff:
            continue
        i0, i1 = int(st.windows.i0[k]), int(st.windows.i1[k])
        d0, d1 = ctx.tl.grid.day(i0), ctx.tl.grid.day(i1 - 1)
        days = [d for d in ctx.tl.call_starts if i0 <= d < i1 and not ctx.tl.leave_day[d]]
        boundary = is_q3_boundary(days, calls, eff, every)
        severity = Severity.WARNING if boundary and ctx.config.q3_boundary == "warn" else None
        allowed = eff // every
        msg = (
            f"{calls} in-house calls in {eff} non-leave days {d0}..{d1}: at most {allowed}"
            f" ({calls} × {every} = {calls * every} > {eff})"
            + ("; literal q3 pattern (Q3_BOUNDARY)" if boundary else "")
        )
        out.append(
            ctx.finding(
                "CALL-01",
                d0,
                d1,
                msg,
                values={"calls": calls, "non_leave_days": eff, "allowed": allowed, "days": int(st.days[k])},
                periods=ctx.tl.periods_in_days(i0, i1, _IN_HOUSE),
                severity=severity,
                tags=(Q3_BOUNDARY,) if boundary else (),
            )
        )
    return out


@rule(
    "HOME-01",
    title="At-home call: only active patient care counts",
    citation="CPR VI.F.8.a",
    severity=Severity.WARNING,
    scope="period",
)
def active_outside_home_call(ctx: PersonContext) -> list[Finding]:
    """Active at-home-call time must sit inside an at-home call assignment; otherwise the data is
    suspect (it is still counted toward WH-01)."""
    tl = ctx.tl
    homes = [(int(tl.starts[i]), int(tl.ends[i])) for i, p in enumerate(tl.periods) if p.kind == DutyKind.CALL_HOME]
    out = []
    for i, p in enumerate(tl.periods):
        if p.kind != DutyKind.CALL_HOME_ACTIVE or not ctx.in_range(int(tl.starts[i])):
            continue
        s, e = int(tl.starts[i]), int(tl.ends[i])
        if any(hs <= s and e <= he for hs, he in homes):
            continue
        msg = f"active at-home-call work {p.describe()} lies outside any at-home call assignment (counted)"
        out.append(ctx.finding("HOME-01", s, e, msg, values={"minutes": p.minutes}, periods=(p,)))
    return out


@rule(
    "HOME-03",
    title="Call-back hours count and do not start a new work period",
    citation="CPR VI.F.8.b",
    severity=Severity.INFO,
    scope="period",
    strength="monitor",
)
def call_back(ctx: PersonContext) -> list[Finding]:
    tl = ctx.tl
    scheduled = [
        (int(tl.starts[i]), int(tl.ends[i]))
        for i, p in enumerate(tl.periods)
        if p.counted and p.kind != DutyKind.CALL_HOME_ACTIVE
    ]
    out = []
    for i, p in enumerate(tl.periods):
        if p.kind != DutyKind.CALL_HOME_ACTIVE or not ctx.in_range(int(tl.starts[i])):
            continue
        s, e = int(tl.starts[i]), int(tl.ends[i])
        if any(a <= e and s <= b for a, b in scheduled):
            continue  # adjoins scheduled work: part of that period
        msg = (
            f"call-back {p.describe()}: {hours(p.minutes):.2f} h counted toward WH-01;"
            " does not reset the rest gap (RST-01)"
        )
        out.append(ctx.finding("HOME-03", s, e, msg, values={"minutes": p.minutes}, periods=(p,), status=Status.NOTE))
    return out


@rule(
    "NF-01",
    title="Night float within 80 h and 1-in-7; Review Committee caps",
    citation="CPR VI.F.6",
    severity=Severity.VIOLATION,
    scope="period",
)
def night_float(ctx: PersonContext) -> list[Finding]:
    tl, grid = ctx.tl, ctx.tl.grid
    nights: dict[int, list] = {}
    for i, p in enumerate(tl.periods):
        if p.kind == DutyKind.NIGHT_FLOAT:
            nights.setdefault(int(grid.day_of(int(tl.starts[i]))), []).append(p)
    if not nights:
        return []
    days = sorted(nights)
    out: list[Finding] = []

    def runs(max_gap: int) -> list[list[int]]:
        groups = [[days[0]]]
        for d in days[1:]:
            (groups[-1].append(d) if d - groups[-1][-1] <= max_gap else groups.append([d]))
        return groups

    def emit(group: list[int], what: str, value: int, cap: int) -> None:
        if not any(ctx.r0 <= d < ctx.r1 for d in group):
            return
        periods = tuple(p for d in group for p in nights[d])
        out.append(
            ctx.finding(
                "NF-01",
                grid.day(group[0]),
                grid.day(group[-1]),
                f"night float {what}: {value} > cap {cap} ({grid.day(group[0])}..{grid.day(group[-1])})",
                values={what.replace(" ", "_"): value, "cap": cap},
                periods=periods,
            )
        )

    for group in runs(1):
        cap = _limits(ctx, group[0]).nf_max_consecutive_nights
        if cap is not None and len(group) > cap:
            emit(group, "consecutive nights", len(group), cap)
    for group in runs(2):  # a block: nights with at most one night off between them
        cap = _limits(ctx, group[0]).nf_max_consecutive_weeks
        span = group[-1] - group[0] + 1
        if cap is not None and span > cap * 7:
            emit(group, "consecutive days", span, cap * 7)
    cap_weeks = _limits(ctx, days[0]).nf_max_weeks_per_year
    if cap_weeks is not None:
        by_year: dict[int, set] = {}
        for d in days:
            day = grid.day(d)
            year = day.year if day.month >= 7 else day.year - 1  # academic year from July 1
            by_year.setdefault(year, set()).add(day - timedelta(days=day.weekday()))
        for year, weeks in by_year.items():
            if len(weeks) > cap_weeks:
                group = [
                    d for d in days if (grid.day(d).year if grid.day(d).month >= 7 else grid.day(d).year - 1) == year
                ]
                emit(group, "weeks per year", len(weeks), cap_weeks)
    return out


def _limits(ctx, day: int):
    """The limits in force on a grid day; nights running past the grid's ends use its first/last day's."""
    return ctx.day_limits[min(max(day, 0), len(ctx.day_limits) - 1)]
