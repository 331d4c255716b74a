"""Small builders for compliance tests: periods in America/New_York local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from residency.compliance.config import EngineConfig
from residency.compliance.engine import evaluate
from residency.compliance.findings import Finding, Report, Status
from residency.domain.duty import DutyKind, DutyPeriod

TZ = ZoneInfo("America/New_York")
D0 = date(2025, 7, 7)  # a Monday, far from DST changes


def day(n: int, base: date = D0) -> date:
    return base + timedelta(days=n)


def at(d: date | int, hh: int = 0, mm: int = 0) -> datetime:
    """Local wall-clock time on day d (an int is an offset from D0)."""
    if isinstance(d, int):
        d = day(d)
    return datetime.combine(d, time(hh, mm), TZ)


def period(
    start: datetime,
    end: datetime | timedelta,
    kind: str = "work",
    pid: str = "r1",
    rotation: str = "A",
    pgy: int | None = 2,
    **kw,
) -> DutyPeriod:
    if isinstance(end, timedelta):
        end = (start.astimezone(ZoneInfo("UTC")) + end).astimezone(TZ)  # real elapsed time
    return DutyPeriod(pid, start, end, DutyKind(kind), pgy=pgy, rotation=rotation, **kw)


def daily(
    first: int,
    days: int,
    minutes: int,
    start_hour: int = 7,
    off_weekday: int | None = 6,
    pid: str = "r1",
    rotation: str = "A",
    base: date = D0,
    **kw,
) -> list[DutyPeriod]:
    """One shift a day of ``minutes`` from ``start_hour``, skipping ``off_weekday`` (6 = Sunday)."""
    out = []
    for i in range(first, first + days):
        d = day(i, base)
        if off_weekday is not None and d.weekday() == off_weekday:
            continue
        s = datetime.combine(d, time(start_hour), TZ)
        out.append(period(s, timedelta(minutes=minutes), pid=pid, rotation=rotation, **kw))
    return out


def run(periods: list[DutyPeriod], start: date | None = None, end: date | None = None, **cfg) -> Report:
    cfg.setdefault("history_complete", True)
    return evaluate(periods, EngineConfig(**cfg), start, end)


def of(report: Report, rule: str, status: Status | None = Status.FAIL) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule and (status is None or f.status == status)]


def rules_found(report: Report) -> set[str]:
    return {f.rule for f in report.findings if f.status == Status.FAIL}


def timeline_and_stats(periods: list[DutyPeriod], start: date, end: date, mode: str = "acgme", **cfg):
    """The person's timeline and per-window sums, for tests that inspect the arithmetic itself."""
    import numpy as np

    from residency.compliance.engine import _windows, prepare
    from residency.compliance.rules import PersonContext
    from residency.compliance.timeline import build_timeline
    from residency.compliance.windows import window_stats
    from residency.domain.duty import person_info_from_periods

    cfg.setdefault("history_complete", True)
    config = EngineConfig(mode=mode, **cfg)
    plan = prepare(periods, config, start, end)
    tl = build_timeline(plan.grid, periods, person_info_from_periods(periods))
    lims = plan.day_limits(tl.rotation)
    ctx = PersonContext(tl, config, lims, plan.r0, plan.r1, plan.rules)
    w, _ = _windows(plan, ctx, config.mode)
    st = window_stats(
        tl,
        w,
        np.array([x.weekly_cap_min for x in lims]),
        np.array([bool(x.exception_id) for x in lims]),
        np.array([x.days_off_per for x in lims]),
        np.array([x.call_every for x in lims]),
        config.day_off_policy,
    )
    return tl, st


def window_rows(tl, st) -> list[tuple[date, date, int, int, int]]:
    """(first day, last day, non-leave days, counted minutes, days off) per window."""
    rows = []
    for k in range(len(st.windows)):
        first, last = tl.grid.day(int(st.windows.i0[k])), tl.grid.day(int(st.windows.i1[k]) - 1)
        rows.append((first, last, int(st.eff[k]), int(st.minutes[k]), int(st.days_off[k])))
    return rows
