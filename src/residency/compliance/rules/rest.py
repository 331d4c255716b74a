"""RST-01 rest between scheduled work periods; RST-02 14 hours free after 24 hours in-house."""

from __future__ import annotations

import numpy as np

from residency.compliance.findings import Finding, Severity
from residency.compliance.rules.base import PersonContext, hm, rule
from residency.compliance.rules.runs import Run, build_runs
from residency.domain.duty import DutyKind

DAY_MIN = 24 * 60


def _qualifying_calls(ctx: PersonContext) -> list[Run]:
    """Runs of >= 24 h after which 14 h free are required. In-house = on site, so call-backs from home
    do not qualify unless the conservative policy ``rest_after_home_call`` is on (edge case 7)."""
    runs = build_runs(ctx.tl, ctx.config.merge_gap_min, include_call_backs=ctx.config.rest_after_home_call)
    return [r for r in runs if r.minutes >= DAY_MIN]


@rule(
    "RST-02",
    title="14 hours free after 24 hours of in-house call",
    citation="CPR VI.F.2.b",
    severity=Severity.VIOLATION,
    scope="period",
)
def rest_after_call(ctx: PersonContext) -> list[Finding]:
    tl, out = ctx.tl, []
    counted = np.array([p.counted for p in tl.periods], dtype=bool)
    c_starts, idx = tl.starts[counted], np.flatnonzero(counted)
    for run in _qualifying_calls(ctx):
        need = ctx.limits_at(run.end).rest_after_call_min
        # The clock starts at actual departure, i.e. after transition hours (edge case 6).
        k = int(np.searchsorted(c_starts, run.end, side="left"))
        later = [int(i) for i in idx[k:] if int(tl.starts[i]) < run.end + need and int(tl.ends[i]) > run.end]
        later = [i for i in later if i not in run.members]
        if not later:
            continue
        nxt = min(int(tl.starts[i]) for i in later)
        if not (ctx.in_range(run.end) or ctx.in_range(nxt)):
            continue
        gap = max(nxt - run.end, 0)
        p = tl.periods[later[0]]
        left, back = f"{tl.grid.local(run.end):%Y-%m-%d %H:%M}", f"{tl.grid.local(nxt):%Y-%m-%d %H:%M}"
        msg = (
            f"only {hm(gap)} h free after {hm(run.minutes)} h continuous (left {left},"
            f" back {back} for {p.kind.value}): need {hm(need)} h"
        )
        out.append(
            ctx.finding(
                "RST-02",
                run.end,
                nxt,
                msg,
                values={"gap_minutes": gap, "limit_minutes": need, "call_minutes": run.minutes},
                periods=run.periods(tl) + tuple(tl.periods[i] for i in later),
            )
        )
    return out


@rule(
    "RST-01",
    title="8 hours off between scheduled work periods (should)",
    citation="CPR VI.F.2.a",
    severity=Severity.WARNING,
    scope="period",
    strength="should",
)
def rest_between_periods(ctx: PersonContext) -> list[Finding]:
    """Call-backs from home do not start a new period (HOME-03), so gaps are measured between
    scheduled periods only. Gaps already reported under RST-02 are not repeated."""
    tl = ctx.tl
    runs = build_runs(tl, ctx.config.merge_gap_min, include_call_backs=False)
    after_call = {r.end for r in _qualifying_calls(ctx)} if "RST-02" in ctx.rules else set()
    out = []
    for a, b in zip(runs, runs[1:], strict=False):
        if (
            not ctx.in_range(b.start)
            or a.end in after_call
            and b.start - a.end < ctx.limits_at(a.end).rest_after_call_min
        ):
            continue
        lim = ctx.limits_at(b.start)
        gap = b.start - a.end
        must = lim.rest_must_min
        if must is not None and gap < must:
            severity, need, word = Severity.VIOLATION, must, "must"
        elif gap < lim.rest_should_min:
            severity, need, word = Severity.WARNING, lim.rest_should_min, "should"
        else:
            continue
        kinds = {tl.periods[i].kind for i in b.members}
        note = " (moonlighting)" if kinds & {DutyKind.MOONLIGHT_INTERNAL, DutyKind.MOONLIGHT_EXTERNAL} else ""
        msg = f"{hm(gap)} h between work periods{note}: {word} be ≥ {hm(need)} h"
        out.append(
            ctx.finding(
                "RST-01",
                a.end,
                b.start,
                msg,
                values={"gap_minutes": gap, "limit_minutes": need},
                periods=(tl.periods[a.members[-1]], tl.periods[b.members[0]]),
                severity=severity,
            )
        )
    return out
