"""OFF-01 one day in seven free, averaged; OFF-02 no at-home call on a day off."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity, Status
from residency.compliance.rules.base import PersonContext, WindowInput, rule
from residency.domain.duty import DutyKind


def days_off_ok(days_off: int, eff: int, per: int, rounding: str) -> bool:
    """Strict (default): days_off x 7 >= eff_days (10-day rotation needs 2). Floor: >= eff_days // 7."""
    if rounding == "floor":
        return days_off >= eff // per
    return days_off * per >= eff


def required_days_off(eff: int, per: int, rounding: str) -> int:
    return eff // per if rounding == "floor" else -(-eff // per)


@rule(
    "OFF-01",
    title="One day in seven free of clinical work and education, averaged",
    citation="CPR VI.F.2.c",
    severity=Severity.VIOLATION,
    scope="window",
)
def one_day_in_seven(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    st, rounding = win.stats, ctx.config.day_off_rounding
    out = []
    for k in win.candidates():
        eff, off, per = int(st.eff[k]), int(st.days_off[k]), int(st.off_per[k])
        if days_off_ok(off, eff, per, rounding):
            continue
        i0, i1 = int(st.windows.i0[k]), int(st.windows.i1[k])
        d0, d1 = ctx.tl.grid.day(i0), ctx.tl.grid.day(i1 - 1)
        need = required_days_off(eff, per, rounding)
        msg = (
            f"{off} day(s) off (24 h free) in {eff} non-leave days {d0}..{d1}: need {need}"
            f" ({off} × {per} = {off * per} < {eff})"
        )
        out.append(
            ctx.finding(
                "OFF-01",
                d0,
                d1,
                msg,
                values={"days_off": off, "non_leave_days": eff, "required": need, "days": int(st.days[k])},
                periods=ctx.tl.periods_in_days(i0, i1),
            )
        )
    return out


@rule(
    "OFF-02",
    title="No at-home call on a day off",
    citation="CPR VI.F.2.c / VI.F.8",
    severity=Severity.VIOLATION,
    scope="window",
)
def home_call_on_day_off(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    """At-home call took away day(s) off. A violation where without that call OFF-01 would have
    passed; otherwise a note that the day did not count as a day off."""
    st, rounding = win.stats, ctx.config.day_off_rounding
    out = []
    for k in win.candidates():
        eff, off, off_nh, per = int(st.eff[k]), int(st.days_off[k]), int(st.days_off_nohome[k]), int(st.off_per[k])
        if off_nh <= off:
            continue
        i0, i1 = int(st.windows.i0[k]), int(st.windows.i1[k])
        d0, d1 = ctx.tl.grid.day(i0), ctx.tl.grid.day(i1 - 1)
        decisive = not days_off_ok(off, eff, per, rounding) and days_off_ok(off_nh, eff, per, rounding)
        calls = ctx.tl.periods_in_days(i0, i1, frozenset({DutyKind.CALL_HOME, DutyKind.CALL_HOME_ACTIVE}))
        msg = f"at-home call removed {off_nh - off} day(s) off in {d0}..{d1}: {off} instead of {off_nh}" + (
            f"; without it OFF-01 would pass ({off_nh} × {per} ≥ {eff})" if decisive else ""
        )
        out.append(
            ctx.finding(
                "OFF-02",
                d0,
                d1,
                msg,
                values={"days_off": off, "days_off_without_home_call": off_nh, "non_leave_days": eff},
                periods=calls,
                severity=None if decisive else Severity.INFO,
                status=Status.FAIL if decisive else Status.NOTE,
            )
        )
    return out
