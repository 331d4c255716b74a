"""DATA-01 (ours, not ACGME): overlapping periods for one person are a data error; the overlapped
minutes are counted once (edge case 20)."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity, Status
from residency.compliance.rules.base import PersonContext, hm, rule
from residency.domain.duty import DutyKind


@rule(
    "DATA-01",
    title="Overlapping duty periods (double booking)",
    citation="data integrity",
    severity=Severity.VIOLATION,
    scope="period",
)
def overlaps(ctx: PersonContext) -> list[Finding]:
    tl, out = ctx.tl, []
    # Counted work may not overlap other counted work or leave. At-home call may overlap anything.
    relevant = [i for i, p in enumerate(tl.periods) if p.counted or p.kind == DutyKind.LEAVE]
    open_: list[int] = []
    for i in relevant:
        s = int(tl.starts[i])
        open_ = [j for j in open_ if int(tl.ends[j]) > s]
        for j in open_:
            a, b = tl.periods[j], tl.periods[i]
            if a.kind == DutyKind.LEAVE and b.kind == DutyKind.LEAVE:
                continue
            e = min(int(tl.ends[i]), int(tl.ends[j]))
            if not ctx.in_range(s):
                continue
            msg = f"overlap of {hm(e - s)} h: {a.describe()} and {b.describe()} (counted once)"
            out.append(
                ctx.finding(
                    "DATA-01", s, e, msg, values={"overlap_minutes": e - s}, periods=(a, b), status=Status.DATA_ERROR
                )
            )
        open_.append(i)
    return out
