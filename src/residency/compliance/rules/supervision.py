"""SUP-02/03/06 per assignment and SUP-05 per supervisor. They run only where periods carry
supervision data; a dataset without any says nothing about supervision (not a pass either)."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity
from residency.compliance.rules.base import PersonContext, rule
from residency.domain.duty import SUPERVISED_KINDS, DutyPeriod, SupervisionLevel


def has_supervision_data(periods: list[DutyPeriod]) -> bool:
    return any(p.supervision is not None or p.supervisor_id is not None for p in periods)


def _assignments(ctx: PersonContext):
    tl = ctx.tl
    for i, p in enumerate(tl.periods):
        if p.kind in SUPERVISED_KINDS and ctx.in_range(int(tl.starts[i])):
            yield int(tl.starts[i]), int(tl.ends[i]), p


@rule(
    "SUP-02",
    title="Every assignment carries a supervision level",
    citation="CPR VI.A.2.c",
    severity=Severity.VIOLATION,
    scope="period",
)
def supervision_level(ctx: PersonContext) -> list[Finding]:
    out = []
    for s, e, p in _assignments(ctx):
        if p.supervision is None:
            out.append(ctx.finding("SUP-02", s, e, f"no supervision level on {p.describe()}", periods=(p,)))
    return out


@rule(
    "SUP-03",
    title="PGY-1 initially supervised directly",
    citation="CPR VI.A.2.c.(1).(a)",
    severity=Severity.VIOLATION,
    scope="period",
)
def pgy1_direct(ctx: PersonContext) -> list[Finding]:
    out = []
    progressed = ctx.config.pgy1_indirect_from.get(ctx.tl.person_id)
    allowed = {SupervisionLevel.DIRECT}
    if ctx.config.telecom_direct_allowed:
        allowed.add(SupervisionLevel.DIRECT_TELECOM)
    for s, e, p in _assignments(ctx):
        if p.supervision is None or p.supervision in allowed or ctx.tl.pgy_of(p) != 1:
            continue
        if progressed is not None and ctx.tl.grid.local(s).date() >= progressed:
            continue
        msg = f"PGY-1 {p.describe()} supervised {p.supervision.value}: must be direct until progression"
        out.append(ctx.finding("SUP-03", s, e, msg, values={"level": p.supervision.value}, periods=(p,)))
    return out


@rule(
    "SUP-06",
    title="Procedure supervisor holds the privilege",
    citation="product rule",
    severity=Severity.VIOLATION,
    scope="period",
)
def procedure_privilege(ctx: PersonContext) -> list[Finding]:
    out = []
    for s, e, p in _assignments(ctx):
        if not p.procedure:
            continue
        if p.supervisor_id is None:
            msg = f"procedure {p.procedure} without a named supervisor ({p.describe()})"
        elif p.supervisor_privileged is False:
            msg = f"supervisor {p.supervisor_id} lacks a current privilege for {p.procedure} ({p.describe()})"
        else:
            continue
        out.append(ctx.finding("SUP-06", s, e, msg, values={"procedure": p.procedure}, periods=(p,)))
    return out


@rule(
    "SUP-05",
    title="Residents per teaching physician (overlay, e.g. CMS primary-care exception: 4)",
    citation="42 CFR 415.174 / specialty PR",
    severity=Severity.VIOLATION,
    scope="program",
)
def supervisor_ratio(periods: list[DutyPeriod], cap: int | None, tz) -> list[Finding]:
    """Across people: at any instant, a supervisor oversees at most ``cap`` distinct residents."""
    if cap is None:
        return []
    by_sup: dict[str, list[DutyPeriod]] = {}
    for p in periods:
        if p.supervisor_id and p.kind in SUPERVISED_KINDS:
            by_sup.setdefault(p.supervisor_id, []).append(p)
    out = []
    for sup, ps in sorted(by_sup.items()):
        events = sorted([(p.start, 1, p) for p in ps] + [(p.end, -1, p) for p in ps], key=lambda x: (x[0], x[1]))
        active: dict[int, DutyPeriod] = {}
        reported_until = None
        for t, delta, p in events:
            if delta < 0:
                active.pop(id(p), None)
                continue
            active[id(p)] = p
            residents = {q.person_id for q in active.values()}
            if len(residents) > cap and (reported_until is None or t >= reported_until):
                group = tuple(active.values())
                end = min(q.end for q in group)
                reported_until = end
                msg = (
                    f"supervisor {sup} oversees {len(residents)} residents at {t.astimezone(tz):%Y-%m-%d %H:%M} > {cap}"
                )
                out.append(
                    Finding(
                        rule="SUP-05",
                        severity=Severity.VIOLATION,
                        person_id=sup,
                        start=t.astimezone(tz),
                        end=end.astimezone(tz),
                        message=msg,
                        citation="42 CFR 415.174 / specialty PR",
                        values={"residents": len(residents), "cap": cap},
                        periods=group,
                    )
                )
    return out
