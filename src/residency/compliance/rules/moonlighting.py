"""ML-02 moonlighting counts toward hours and days off; ML-03 no PGY-1 moonlighting;
ML-04 written approval on file and never for J-1 visa holders."""

from __future__ import annotations

from datetime import date

from residency.compliance.findings import Finding, Severity
from residency.compliance.rules.base import PersonContext, WindowInput, hours, rule
from residency.compliance.rules.days_off import days_off_ok
from residency.domain.duty import MOONLIGHT_KINDS


@rule(
    "ML-02",
    title="Internal and external moonlighting count toward 80 h and days off",
    citation="CPR VI.F.5.b",
    severity=Severity.VIOLATION,
    scope="window",
)
def moonlighting_counts(ctx: PersonContext, win: WindowInput) -> list[Finding]:
    """Names moonlighting as the cause where the window would comply without it."""
    st, rounding = win.stats, ctx.config.day_off_rounding
    out = []
    for k in win.candidates():
        moon = int(st.moon_minutes[k])
        if moon == 0:
            continue
        eff, minutes, allowed = int(st.eff[k]), int(st.minutes[k]), int(st.allowed_x7[k])
        per, off, off_nm = int(st.off_per[k]), int(st.days_off[k]), int(st.days_off_nomoon[k])
        over_hours = minutes * 7 > allowed and (minutes - moon) * 7 <= allowed
        lost_day = not days_off_ok(off, eff, per, rounding) and days_off_ok(off_nm, eff, per, rounding)
        if not (over_hours or lost_day):
            continue
        i0, i1 = int(st.windows.i0[k]), int(st.windows.i1[k])
        d0, d1 = ctx.tl.grid.day(i0), ctx.tl.grid.day(i1 - 1)
        parts = []
        if over_hours:
            parts.append(
                f"{hours(moon):.2f} h of moonlighting take the average to {minutes * 7 / eff / 60:.2f} h/week"
                f" (without it {(minutes - moon) * 7 / eff / 60:.2f})"
            )
        if lost_day:
            parts.append(f"moonlighting on would-be days off leaves {off} instead of {off_nm} days off")
        out.append(
            ctx.finding(
                "ML-02",
                d0,
                d1,
                f"{d0}..{d1}: " + "; ".join(parts),
                values={
                    "moonlighting_minutes": moon,
                    "minutes": minutes,
                    "non_leave_days": eff,
                    "days_off": off,
                    "days_off_without_moonlighting": off_nm,
                },
                periods=ctx.tl.periods_in_days(i0, i1, MOONLIGHT_KINDS),
            )
        )
    return out


def _moonlighting(ctx: PersonContext):
    tl = ctx.tl
    for i, p in enumerate(tl.periods):
        if p.kind in MOONLIGHT_KINDS and ctx.in_range(int(tl.starts[i])):
            yield int(tl.starts[i]), int(tl.ends[i]), p


@rule(
    "ML-03",
    title="PGY-1 residents may not moonlight",
    citation="CPR VI.F.5.c",
    severity=Severity.VIOLATION,
    scope="period",
    effective_from=date(2011, 7, 1),
)
def pgy1_moonlighting(ctx: PersonContext) -> list[Finding]:
    out = []
    for s, e, p in _moonlighting(ctx):
        if ctx.tl.pgy_of(p) == 1:
            out.append(ctx.finding("ML-03", s, e, f"PGY-1 moonlighting {p.describe()}", periods=(p,)))
    return out


@rule(
    "ML-04",
    title="Moonlighting needs written PD approval; never for J-1 visa holders",
    citation="Institutional moonlighting policy / ECFMG J-1",
    severity=Severity.VIOLATION,
    scope="period",
)
def moonlighting_permission(ctx: PersonContext) -> list[Finding]:
    info, out = ctx.tl.info, []
    for s, e, p in _moonlighting(ctx):
        if info.j1:
            out.append(
                ctx.finding(
                    "ML-04", s, e, f"J-1 visa holder moonlighting {p.describe()}", values={"reason": "j1"}, periods=(p,)
                )
            )
        elif not info.moonlighting_approved:
            out.append(
                ctx.finding(
                    "ML-04",
                    s,
                    e,
                    f"moonlighting without PD approval on file {p.describe()}",
                    values={"reason": "not_approved"},
                    periods=(p,),
                )
            )
    return out
