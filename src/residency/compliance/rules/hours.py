"""WH-01/WH-02 weekly hours averaged per window, WH-03 self-initiated stays."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity, Status
from residency.compliance.rules.base import PersonContext, WindowInput, hours, rule
from residency.domain.duty import COUNTED_KINDS


@rule("WH-01", title="80 hours per week, averaged", citation="CPR VI.F.1", severity=Severity.VIOLATION, scope="window")
def weekly_hours(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    st = win.stats
    # Integer comparison: minutes x 7 against the sum of each non-leave day's weekly cap.
    failing = win.candidates()
    failing = failing[st.minutes[failing] * 7 > st.allowed_x7[failing]]
    out = []
    for k in failing:
        eff, minutes, allowed_x7 = int(st.eff[k]), int(st.minutes[k]), int(st.allowed_x7[k])
        i0, i1 = int(st.windows.i0[k]), int(st.windows.i1[k])
        exception = int(st.exception_days[k]) > 0
        rule_id = "WH-02" if exception else "WH-01"
        limit_h = allowed_x7 / eff / 60
        avg = minutes * 7 / eff / 60
        d0, d1 = ctx.tl.grid.day(i0), ctx.tl.grid.day(i1 - 1)
        label = f" ({st.windows.labels[k]})" if st.windows.labels[k] else ""
        lim = ctx.day_limits[i0]
        note = f", exception {lim.exception_id}" if exception and lim.exception_id else ""
        digits = 2 if f"{avg:.2f}" != f"{limit_h:.2f}" else 4  # 80.0025 must not print as 80.00 > 80.00
        msg = (
            f"{avg:.{digits}f} h/week over {d0}..{d1}{label}: {hours(minutes):.2f} h ÷ ({eff} non-leave days ÷ 7)"
            f" = {avg:.{digits}f} h > {limit_h:.2f} h{note}"
        )
        out.append(
            ctx.finding(
                rule_id,
                d0,
                d1,
                msg,
                values={
                    "minutes": minutes,
                    "hours": hours(minutes),
                    "days": int(st.days[k]),
                    "non_leave_days": eff,
                    "average_hours": round(avg, 2),
                    "limit_hours": round(limit_h, 2),
                    "excess_minutes_x7": minutes * 7 - allowed_x7,
                    "rotation": st.windows.labels[k],
                },
                periods=ctx.tl.periods_in_days(i0, i1, COUNTED_KINDS),
            )
        )
    return out


@rule(
    "WH-02",
    title="RC-approved exception: up to 88 hours per week for named rotations",
    citation="CPR VI.F.4.c",
    severity=Severity.VIOLATION,
    scope="window",
)
def exception_hours(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    # Evaluated by WH-01's arithmetic (per-day caps); WH-02 is the id of windows holding exception days.
    return []


@rule(
    "WH-03",
    title="Self-initiated stay beyond 24+4 (logged, counts toward WH-01)",
    citation="CPR VI.F.4.a-b",
    severity=Severity.INFO,
    scope="period",
    strength="monitor",
)
def self_initiated(ctx: PersonContext) -> list[Finding]:
    out = []
    acts = ctx.config.self_initiated_activities
    for i, p in enumerate(ctx.tl.periods):
        if p.activity in acts and p.counted and ctx.in_range(int(ctx.tl.starts[i])):
            msg = (
                f"self-initiated stay {p.describe()} ({hours(p.minutes):.2f} h) beyond the 24+4 limit;"
                " not a LEN-02 violation, counts toward WH-01; PD reviews trends"
            )
            out.append(
                ctx.finding(
                    "WH-03",
                    int(ctx.tl.starts[i]),
                    int(ctx.tl.ends[i]),
                    msg,
                    values={"minutes": p.minutes},
                    periods=(p,),
                    status=Status.NOTE,
                )
            )
    return out
