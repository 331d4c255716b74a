"""The three averaging modes (ACGME.md §5) and the per-window sums every averaged rule reads.

Windows are half-open day-index ranges ``[i0, i1)`` on the person's grid. All sums come from prefix
arrays, so evaluating every rolling window of a year is a handful of numpy operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from residency.compliance.timeline import DAY, PersonTimeline


class Mode(StrEnum):
    ACGME = "acgme"  # by rotation segment (default, matches the CPR FAQ)
    ROLLING = "rolling"  # every 28-day window (strict)
    CALENDAR_MONTH = "calendar_month"


WINDOW_DAYS = 28


@dataclass(frozen=True)
class Windows:
    mode: Mode
    i0: np.ndarray  # first day index
    i1: np.ndarray  # one past the last day index
    labels: tuple[str, ...]  # rotation segment (acgme) or "" (other modes)
    seg_start: np.ndarray  # day index where the window's segment starts (acgme) else i0

    def __len__(self) -> int:
        return len(self.i0)


def _pack(mode: Mode, spans: list[tuple[int, int, str, int]]) -> Windows:
    if not spans:
        z = np.zeros(0, np.int64)
        return Windows(mode, z, z, (), z)
    a = np.array([(s, e, g) for s, e, _, g in spans], dtype=np.int64)
    return Windows(mode, a[:, 0], a[:, 1], tuple(lab for _, _, lab, _ in spans), a[:, 2])


def segments(labels: list[str], lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Maximal runs of days with the same rotation label within [lo, hi)."""
    out: list[tuple[int, int, str]] = []
    start = lo
    for d in range(lo + 1, hi + 1):
        if d == hi or labels[d] != labels[start]:
            out.append((start, d, labels[start]))
            start = d
    return out


def acgme_windows(labels: list[str], lo: int, hi: int, tail_merge_days: int = 7) -> Windows:
    """ACGME mode: a segment of <= 31 days is one window; a longer one is cut into consecutive 28-day
    windows from its start, a remainder shorter than ``tail_merge_days`` joining the previous window."""
    spans: list[tuple[int, int, str, int]] = []
    for s, e, lab in segments(labels, lo, hi):
        length = e - s
        if length <= 31:
            spans.append((s, e, lab, s))
            continue
        cuts = list(range(s, e, WINDOW_DAYS)) + [e]
        if len(cuts) > 2 and cuts[-1] - cuts[-2] < tail_merge_days:
            del cuts[-2]
        spans += [(a, b, lab, s) for a, b in zip(cuts, cuts[1:], strict=False)]
    return _pack(Mode.ACGME, spans)


def rolling_windows(first_start: int, last_start: int) -> Windows:
    """Every 28-day window whose start lies in [first_start, last_start], days off included."""
    starts = np.arange(first_start, last_start + 1, dtype=np.int64)
    return Windows(Mode.ROLLING, starts, starts + WINDOW_DAYS, ("",) * len(starts), starts)


def month_windows(tl: PersonTimeline, lo: int, hi: int) -> Windows:
    spans: list[tuple[int, int, str, int]] = []
    d = lo
    while d < hi:
        day = tl.grid.day(d)
        nxt = day.replace(day=1, month=day.month % 12 + 1, year=day.year + (day.month == 12))
        e = min(tl.grid.index(nxt), hi)
        month_start = tl.grid.index(day.replace(day=1))
        spans.append((d, e, "", month_start))
        d = e
    return _pack(Mode.CALENDAR_MONTH, spans)


@dataclass(frozen=True)
class WindowStats:
    """Sums over each window (integers). ``eff`` = non-leave days."""

    windows: Windows
    days: np.ndarray
    eff: np.ndarray
    minutes: np.ndarray
    moon_minutes: np.ndarray
    allowed_x7: np.ndarray  # sum over non-leave days of that day's weekly cap, in minutes
    exception_days: np.ndarray  # non-leave days whose cap comes from a WH-02 exception
    days_off: np.ndarray
    days_off_nohome: np.ndarray
    days_off_nomoon: np.ndarray
    calls: np.ndarray
    off_per: np.ndarray  # strictest "1 day in N" over the window's days
    call_every: np.ndarray  # strictest "q N" over the window's days


def _prefix(a: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(a, dtype=np.int64)))


def _range_sum(prefix: np.ndarray, w: Windows) -> np.ndarray:
    return prefix[w.i1] - prefix[w.i0]


def _range_reduce(a: np.ndarray, w: Windows, fn) -> np.ndarray:
    if len(a) and a.min() == a.max():  # the usual case: one rule version over the whole grid
        return np.full(len(w), a[0], dtype=np.int64)
    return np.array([fn(a[s:e]) for s, e in zip(w.i0, w.i1, strict=True)], dtype=np.int64)


def _count_in(idx: np.ndarray, n: int, w: Windows, keep: np.ndarray) -> np.ndarray:
    idx = idx[(idx >= 0) & (idx < n)]
    per_day = np.bincount(idx, minlength=n)[:n] * keep
    return _range_sum(_prefix(per_day), w)


def _count_inside(gaps: tuple[np.ndarray, np.ndarray], tl: PersonTimeline, w: Windows) -> np.ndarray:
    """Day-off policy "inside": only 24-h blocks lying wholly inside the window count."""
    gs, ge = gaps
    mids = tl.grid.midnights
    out = np.zeros(len(w), np.int64)
    for k, (s, e) in enumerate(zip(w.i0, w.i1, strict=True)):
        lo, hi = mids[s], mids[e]
        ov = np.minimum(ge, hi) - np.maximum(gs, lo)
        out[k] = int((np.maximum(ov, 0) // DAY).sum())
    return out


def window_stats(
    tl: PersonTimeline,
    w: Windows,
    cap_min: np.ndarray,
    exception_day: np.ndarray,
    off_per: np.ndarray,
    call_every: np.ndarray,
    day_off_policy: str = "start",
) -> WindowStats:
    n = tl.grid.n_days
    work_day = ~tl.leave_day
    eff = _range_sum(_prefix(work_day.astype(np.int64)), w)
    if day_off_policy == "inside":
        days_off = _count_inside(tl.gaps, tl, w)
        days_off_nohome = _count_inside(tl.gaps_nohome, tl, w)
        days_off_nomoon = _count_inside(tl.gaps_nomoon, tl, w)
    else:
        days_off = _count_in(tl.dayoff_idx, n, w, work_day)
        days_off_nohome = _count_in(tl.dayoff_nohome_idx, n, w, work_day)
        days_off_nomoon = _count_in(tl.dayoff_nomoon_idx, n, w, work_day)
    if len(w):
        reduce_off = _range_reduce(off_per, w, np.min)
        reduce_call = _range_reduce(call_every, w, np.max)
    else:
        reduce_off = reduce_call = np.zeros(0, np.int64)
    return WindowStats(
        windows=w,
        days=w.i1 - w.i0,
        eff=eff,
        minutes=_range_sum(_prefix(tl.counted_min), w),
        moon_minutes=_range_sum(_prefix(tl.moonlight_min), w),
        allowed_x7=_range_sum(_prefix(cap_min * work_day), w),
        exception_days=_range_sum(_prefix(exception_day & work_day), w),
        days_off=days_off,
        days_off_nohome=days_off_nohome,
        days_off_nomoon=days_off_nomoon,
        calls=_range_sum(_prefix(tl.calls * work_day), w),
        off_per=reduce_off,
        call_every=reduce_call,
    )
