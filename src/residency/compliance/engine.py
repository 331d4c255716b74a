"""The compliance engine: duty periods + config + date range -> Report.

Evaluation is per person (a person's findings depend only on their own periods), so an incremental
re-check after one edit re-evaluates one person and swaps their findings in the report; ``check``
returns only the findings a proposed change creates, clears or changes (a diff by stable key).
The one cross-person rule (SUP-05, residents per supervisor) runs over all periods, only if enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from residency.compliance.config import EngineConfig
from residency.compliance.findings import (
    PROVISIONAL,
    STRICT_ONLY,
    Finding,
    Report,
    ReportDiff,
    Severity,
    Status,
    diff_findings,
)
from residency.compliance.packs import Limits
from residency.compliance.rules import RULES, PersonContext, WindowInput
from residency.compliance.rules.supervision import has_supervision_data, supervisor_ratio
from residency.compliance.timeline import Grid, build_timeline, make_grid
from residency.compliance.windows import (
    WINDOW_DAYS,
    Mode,
    Windows,
    acgme_windows,
    month_windows,
    rolling_windows,
    window_stats,
)
from residency.domain.duty import DutyPeriod, by_person, person_info_from_periods

LOOK_BACK_DAYS = WINDOW_DAYS - 1  # ACGME.md §5.4: 27 days of history before the range
AVERAGED_RULES = ("WH-01", "WH-02", "OFF-01", "OFF-02", "CALL-01", "ML-02")


@dataclass
class Plan:
    """Everything resolved once per evaluation and shared by every person."""

    config: EngineConfig
    start: date
    end: date  # inclusive
    history_start: date
    grid: Grid
    rules: frozenset[str]
    supervision_data: bool
    _limits: dict = field(default_factory=dict, repr=False)
    _base_days: list | None = field(default=None, repr=False)

    @property
    def r0(self) -> int:
        return self.grid.index(self.start)

    @property
    def r1(self) -> int:
        return self.grid.index(self.end) + 1

    @property
    def history_idx(self) -> int:
        return max(self.grid.index(self.history_start), 0)

    def day_limits(self, rotation: list[str]) -> list[Limits]:
        packs = self.config.packs
        if self._base_days is None:
            self._base_days = [packs.limits_on(self.grid.day(i)) for i in range(self.grid.n_days)]
        if not packs.overlays:
            return self._base_days
        out = []
        for i, rot in enumerate(rotation):
            key = (i, rot)
            lim = self._limits.get(key)
            if lim is None:
                lim = self._limits[key] = packs.limits_on(self.grid.day(i), rot)
            out.append(lim)
        return out


def _local_date(dt, tz) -> date:
    return dt.astimezone(tz).date()


def prepare(
    periods: Iterable[DutyPeriod],
    config: EngineConfig | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Plan:
    """Resolve the range, the history start, the day grid and the rules in force."""
    config = config or EngineConfig()
    periods = list(periods)
    tz = ZoneInfo(config.timezone)
    if periods:
        first = min(_local_date(p.start, tz) for p in periods)
        last = max(_local_date(p.end - timedelta(minutes=1), tz) for p in periods)
    else:
        first = last = start or end or date.today()
    start = start or first
    end = end or last
    if end < start:
        raise ValueError(f"range ends ({end}) before it starts ({start})")
    history_start = config.history_start or min(first, start)
    grid = make_grid(config.timezone, min(history_start, start - timedelta(days=LOOK_BACK_DAYS)), end)
    rules: set[str] = set()
    d = start
    while d <= end:  # rule sets change at most at pack boundaries; sample each day once
        rules |= config.packs.rules_on(d)
        d += timedelta(days=1)
    rules = {r for r in rules if r in RULES and RULES[r].effective_from <= end}
    return Plan(config, start, end, history_start, grid, frozenset(rules), has_supervision_data(periods))


def evaluate(
    periods: Iterable[DutyPeriod],
    config: EngineConfig | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Report:
    periods = list(periods)
    plan = prepare(periods, config, start, end)
    people = by_person(periods)
    found = {pid: tuple(evaluate_person(plan, ps)) for pid, ps in people.items()}
    for f in program_findings(plan, periods):
        found[f.person_id] = found.get(f.person_id, ()) + (f,)
    return Report(found, plan.config.mode.value, plan.start, plan.end)


def program_findings(plan: Plan, periods: list[DutyPeriod]) -> list[Finding]:
    """Cross-person rules (SUP-05)."""
    if "SUP-05" not in plan.rules or not plan.supervision_data:
        return []
    in_range = [p for p in periods if plan.start <= _local_date(p.start, plan.grid.tz) <= plan.end]
    return supervisor_ratio(in_range, plan.config.max_residents_per_supervisor, plan.grid.tz)


def evaluate_person(plan: Plan, periods: list[DutyPeriod]) -> list[Finding]:
    """All findings for one person (their periods only). Cost: a few milliseconds for a year."""
    if not periods:
        return []
    cfg = plan.config
    pid = periods[0].person_id
    info = cfg.people.get(pid) or person_info_from_periods(periods)
    tl = build_timeline(plan.grid, periods, info)
    ctx = PersonContext(tl, cfg, plan.day_limits(tl.rotation), plan.r0, plan.r1, plan.rules)

    findings: list[Finding] = []
    findings += _window_findings(plan, ctx, cfg.mode)
    if cfg.mode == Mode.ROLLING and cfg.compare_strict:
        findings = _tag_strict_only(findings, _window_findings(plan, ctx, Mode.ACGME, statuses=False))
    for rule_id in sorted(plan.rules):
        r = RULES[rule_id]
        if r.scope != "period":
            continue
        if rule_id.startswith("SUP-") and not plan.supervision_data:
            continue
        findings += r.evaluate(ctx)
    return findings


def _windows(plan: Plan, ctx: PersonContext, mode: Mode) -> tuple[Windows, np.ndarray]:
    """The windows of a mode and, per window, whether it reaches before complete history."""
    tl, h = ctx.tl, plan.history_idx
    complete = plan.config.history_complete
    n = plan.grid.n_days
    if mode == Mode.ACGME:
        w = acgme_windows(tl.rotation, h, n, plan.config.tail_merge_days)
        # A segment that begins where the data begins may have started earlier: its windows could be
        # cut differently with full history.
        short = (w.seg_start == h) & (not complete) & (w.i0 == h)
    elif mode == Mode.ROLLING:
        lo = max(plan.r0 - LOOK_BACK_DAYS, h if complete else 0)
        w = rolling_windows(lo, plan.r1 - WINDOW_DAYS)
        if len(w) == 0:  # fewer than 28 days from a known start: average over the days there are
            w = Windows(Mode.ROLLING, np.array([lo]), np.array([plan.r1]), ("",), np.array([lo]))
        short = (w.i0 < h) & (not complete)
    else:
        w = month_windows(tl, h, n)
        short = (w.seg_start < h) & (not complete)
    return w, np.asarray(short, dtype=bool)


def _window_findings(plan: Plan, ctx: PersonContext, mode: Mode, statuses: bool = True) -> list[Finding]:
    tl = ctx.tl
    w, short = _windows(plan, ctx, mode)
    if len(w) == 0:
        return []
    lims = ctx.day_limits
    cap = np.fromiter((lim.weekly_cap_min for lim in lims), np.int64, len(lims))
    exc = np.fromiter((bool(lim.exception_id) for lim in lims), bool, len(lims))
    off_per = np.fromiter((lim.days_off_per for lim in lims), np.int64, len(lims))
    every = np.fromiter((lim.call_every for lim in lims), np.int64, len(lims))
    stats = window_stats(tl, w, cap, exc, off_per, every, plan.config.day_off_policy)
    report = (w.i1 > plan.r0) & (w.i0 < plan.r1)
    thin = (stats.eff < plan.config.min_eval_days) | (_missing_days(plan, tl.person_id, w) > 0)
    win = WindowInput(stats, ~short & ~thin & report, report)
    out: list[Finding] = []
    for rule_id in AVERAGED_RULES:
        if rule_id in plan.rules:
            out += RULES[rule_id].evaluate(ctx, win)
    if statuses:
        out += _status_findings(ctx, stats, report & short, Status.INSUFFICIENT_HISTORY, mode, plan.history_start)
        out += _status_findings(ctx, stats, report & thin & ~short, Status.INSUFFICIENT_DATA, mode, plan.history_start)
    return out


def _missing_days(plan: Plan, person_id: str, w: Windows) -> np.ndarray:
    spans = plan.config.missing_data.get(person_id, ())
    if not spans:
        return np.zeros(len(w), np.int64)
    unknown = np.zeros(plan.grid.n_days, np.int64)
    for a, b in spans:
        lo, hi = max(plan.grid.index(a), 0), min(plan.grid.index(b) + 1, plan.grid.n_days)
        if hi > lo:
            unknown[lo:hi] = 1
    prefix = np.concatenate(([0], np.cumsum(unknown)))
    return prefix[w.i1] - prefix[w.i0]


def _status_findings(
    ctx: PersonContext, stats, mask: np.ndarray, status: Status, mode: Mode, history: date
) -> list[Finding]:
    """Windows that cannot be judged. Consecutive rolling windows are reported as one span."""
    idx = [int(k) for k in np.flatnonzero(mask)]
    if not idx:
        return []
    groups: list[list[int]] = [[idx[0]]]
    for k in idx[1:]:
        if mode == Mode.ROLLING and k == groups[-1][-1] + 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    out = []
    w, grid = stats.windows, ctx.tl.grid
    for g in groups:
        a, b = g[0], g[-1]
        d0, d1 = grid.day(int(w.i0[a])), grid.day(int(w.i1[b]) - 1)
        eff, minutes = int(stats.eff[a]), int(stats.minutes[a])
        if status == Status.INSUFFICIENT_HISTORY:
            why = f"no data before {history} ({LOOK_BACK_DAYS} days of look-back needed)"
        elif eff < ctx.config.min_eval_days:
            why = f"{eff} non-leave day(s) < {ctx.config.min_eval_days}"
        else:
            why = "days without data (e.g. away rotation not imported)"
        span = f"{len(g)} windows starting {grid.day(int(w.i0[a]))}..{grid.day(int(w.i0[b]))}" if len(g) > 1 else ""
        msg = f"WH-01/OFF-01/CALL-01 not evaluated over {d0}..{d1}: {why}" + (f" ({span})" if span else "")
        values = {
            "windows": len(g),
            "non_leave_days": eff,
            "minutes": minutes,
            "days_off": int(stats.days_off[a]),
            "calls": int(stats.calls[a]),
            "rules": ["WH-01", "OFF-01", "CALL-01"],
        }
        if eff:
            values["provisional_average_hours"] = round(minutes * 7 / eff / 60, 2)
        out.append(
            ctx.finding(
                "WH-01",
                d0,
                d1,
                msg,
                values=values,
                severity=Severity.INFO,
                status=status,
                tags=(PROVISIONAL,) if eff else (),
            )
        )
    return out


def _tag_strict_only(rolling: list[Finding], acgme: list[Finding]) -> list[Finding]:
    """Rolling-mode window findings that ACGME (by-rotation) averaging does not also make."""

    def family(rule_id: str) -> str:
        return "WH-01" if rule_id == "WH-02" else rule_id

    spans: dict[str, list[tuple[date, date]]] = {}
    for f in acgme:
        if f.status == Status.FAIL and f.severity != Severity.INFO:
            spans.setdefault(family(f.rule), []).append((f.start, f.end))
    out = []
    for f in rolling:
        if f.rule in AVERAGED_RULES and f.status == Status.FAIL:
            hit = any(a <= f.end and f.start <= b for a, b in spans.get(family(f.rule), []))
            if not hit:
                f = f.with_tags(STRICT_ONLY)
        out.append(f)
    return out


def re_evaluate_person(report: Report, plan: Plan, periods: list[DutyPeriod]) -> Report:
    """Incremental re-check after an edit to one person's periods."""
    pid = periods[0].person_id
    return report.replace_person(pid, evaluate_person(plan, periods))


def check(
    before: Iterable[DutyPeriod],
    after: Iterable[DutyPeriod],
    config: EngineConfig | None = None,
    start: date | None = None,
    end: date | None = None,
) -> ReportDiff:
    """Findings a proposed change creates, clears or changes. Only people whose periods differ are
    evaluated (plus SUP-05 when enabled, since it crosses people)."""
    before, after = list(before), list(after)
    plan = prepare(before + after, config, start, end)
    old, new = by_person(before), by_person(after)
    changed = sorted(pid for pid in old.keys() | new.keys() if old.get(pid) != new.get(pid))
    old_f: list[Finding] = []
    new_f: list[Finding] = []
    for pid in changed:
        old_f += evaluate_person(plan, old.get(pid, []))
        new_f += evaluate_person(plan, new.get(pid, []))
    old_f += program_findings(plan, before)
    new_f += program_findings(plan, after)
    return diff_findings(old_f, new_f)
