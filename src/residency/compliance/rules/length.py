"""LEN-01 scheduled clinical assignment <= 24 h; LEN-02 continuous time <= 24 + 4 h, hours 24-28
for hand-off and education only."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity
from residency.compliance.rules.base import PersonContext, hm, rule
from residency.compliance.rules.runs import Run, build_runs
from residency.domain.duty import DutyKind, DutyPeriod


def _wall_minutes(ctx: PersonContext, s: int, e: int) -> int:
    """Wall-clock minutes (07:00 -> 07:00 = 1440 even across a DST change)."""
    a, b = ctx.tl.grid.local(s).replace(tzinfo=None), ctx.tl.grid.local(e).replace(tzinfo=None)
    return int((b - a).total_seconds() // 60)


def _length(ctx: PersonContext, s: int, e: int) -> int:
    return _wall_minutes(ctx, s, e) if ctx.config.dst_tolerance else e - s


def _is_transition(ctx: PersonContext, p: DutyPeriod) -> bool:
    return p.kind == DutyKind.EDUCATION or p.activity in ctx.config.transition_activities


def _self_initiated(ctx: PersonContext, p: DutyPeriod) -> bool:
    return p.activity in ctx.config.self_initiated_activities


def _runs(ctx: PersonContext) -> list[Run]:
    return [r for r in build_runs(ctx.tl, ctx.config.merge_gap_min) if ctx.in_range(r.start)]


@rule(
    "LEN-01",
    title="Scheduled continuous clinical assignment at most 24 hours",
    citation="CPR VI.F.3.a",
    severity=Severity.VIOLATION,
    scope="period",
)
def shift_length(ctx: PersonContext) -> list[Finding]:
    """Clinical periods that begin inside the first 24 h of a run must end by hour 24.
    (Periods beginning after hour 24 are new assignments: LEN-02.)"""
    tl, out = ctx.tl, []
    for run in _runs(ctx):
        pgy = tl.pgy_of(tl.periods[run.members[0]])
        cap = ctx.limits_at(run.start).shift_cap(pgy)
        clinical = [
            i
            for i in run.members
            if not _is_transition(ctx, tl.periods[i])
            and not _self_initiated(ctx, tl.periods[i])
            and _length(ctx, run.start, int(tl.starts[i])) < cap
        ]
        if not clinical:
            continue
        end = max(int(tl.ends[i]) for i in clinical)
        length = _length(ctx, run.start, end)
        if length <= cap:
            continue
        real = end - run.start
        dst = f" ({hm(real)} real time across a clock change)" if real != _wall_minutes(ctx, run.start, end) else ""
        msg = f"clinical assignment of {hm(length)} h > {hm(cap)} h{dst}"
        out.append(
            ctx.finding(
                "LEN-01",
                run.start,
                end,
                msg,
                values={"minutes": length, "real_minutes": real, "limit_minutes": cap, "pgy": pgy},
                periods=tuple(tl.periods[i] for i in clinical),
            )
        )
    return out


@rule(
    "LEN-02",
    title="Continuous on-site time at most 24 + 4 hours; hours 24-28 for transitions only",
    citation="CPR VI.F.3.a.(1)",
    severity=Severity.VIOLATION,
    scope="period",
)
def continuous_length(ctx: PersonContext) -> list[Finding]:
    tl, out = ctx.tl, []
    for run in _runs(ctx):
        pgy = tl.pgy_of(tl.periods[run.members[0]])
        lim = ctx.limits_at(run.start)
        cap, total_cap = lim.shift_cap(pgy), lim.shift_cap(pgy) + lim.transition(pgy)
        # A logged self-initiated stay (WH-03) is excused from the length limit but still counted.
        own = [i for i in run.members if not _self_initiated(ctx, tl.periods[i])]
        if not own:
            continue
        end = max(int(tl.ends[i]) for i in own)
        length = _length(ctx, run.start, end)
        if length > total_cap:
            msg = f"continuous work of {hm(length)} h > {hm(cap)} + {hm(total_cap - cap)} = {hm(total_cap)} h"
            out.append(
                ctx.finding(
                    "LEN-02",
                    run.start,
                    end,
                    msg,
                    values={"minutes": length, "limit_minutes": total_cap, "pgy": pgy},
                    periods=tuple(tl.periods[i] for i in own),
                )
            )
        late = [
            i
            for i in own
            if not _is_transition(ctx, tl.periods[i]) and _length(ctx, run.start, int(tl.starts[i])) >= cap
        ]
        for i in late:
            p = tl.periods[i]
            at = _length(ctx, run.start, int(tl.starts[i]))
            msg = (
                f"new clinical assignment {p.describe()} at hour {hm(at)} of a continuous period:"
                f" after {hm(cap)} h only hand-off and education are allowed"
            )
            out.append(
                ctx.finding(
                    "LEN-02",
                    int(tl.starts[i]),
                    int(tl.ends[i]),
                    msg,
                    values={"starts_at_minute": at, "limit_minutes": cap, "activity": p.activity},
                    periods=(p,),
                )
            )
    return out
