"""A person's duty periods as per-day integer arrays on a local-calendar grid.

Instants are handled as integer epoch minutes (UTC), so a 24-hour call across the autumn change is
1,500 real minutes and a local day can be 1,380, 1,440 or 1,500 minutes long. Days are the program's
local calendar days: minutes are attributed to a day by clock time, split at local midnight.
Overlapping periods are merged before counting, so overlapped minutes count once (edge case 20).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from residency.domain.duty import COUNTED_KINDS, MOONLIGHT_KINDS, DutyKind, DutyPeriod, PersonInfo

DAY = 1440


def epoch_minutes(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


@dataclass(frozen=True)
class Grid:
    """Local calendar days ``first .. first + n_days - 1`` and their midnights in epoch minutes."""

    tz: ZoneInfo
    first: date
    n_days: int
    midnights: np.ndarray = field(repr=False)  # int64, n_days + 1 entries
    midnight_list: tuple[int, ...] = field(default=(), repr=False)  # same, for fast scalar bisection

    def day(self, i: int) -> date:
        return self.first + timedelta(days=int(i))

    def index(self, d: date) -> int:
        return (d - self.first).days

    def day_of(self, t: int | np.ndarray) -> int | np.ndarray:
        """Day index of an epoch minute (may be < 0 or >= n_days outside the grid)."""
        if isinstance(t, int | np.integer):  # scalar: bisect is ~10x cheaper than a numpy call
            return bisect_right(self.midnight_list, int(t)) - 1
        idx = np.searchsorted(self.midnights, t, side="right") - 1
        return int(idx) if np.ndim(idx) == 0 else idx

    def local(self, t: int) -> datetime:
        return datetime.fromtimestamp(int(t) * 60, tz=UTC).astimezone(self.tz)


@lru_cache(maxsize=32)
def make_grid(tz_name: str, first: date, last: date) -> Grid:
    tz = ZoneInfo(tz_name)
    n = (last - first).days + 1
    mids = np.array(
        [epoch_minutes(datetime.combine(first + timedelta(days=i), datetime.min.time(), tz)) for i in range(n + 1)],
        dtype=np.int64,
    )
    return Grid(tz, first, n, mids, tuple(int(m) for m in mids))


def merge_intervals(starts: np.ndarray, ends: np.ndarray, gap: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals (any order); intervals closer than or equal to ``gap`` minutes are joined."""
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    new = np.ones(len(s), bool)
    new[1:] = s[1:] > run_end[:-1] + gap
    group = np.cumsum(new) - 1
    ms = s[new]
    me = np.zeros(len(ms), np.int64)
    np.maximum.at(me, group, e)
    return ms, me


def covered_before(s: np.ndarray, e: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Minutes of the disjoint sorted intervals (s, e) that lie before each instant t."""
    cum = np.concatenate(([0], np.cumsum(e - s)))
    k = np.searchsorted(s, t, side="right")
    out = cum[k].copy()
    has = k > 0
    last = np.where(has, k - 1, 0)
    if len(s):
        out -= np.where(has, np.maximum(e[last] - t, 0), 0)
    return out


def per_day_minutes(grid: Grid, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    if len(s) == 0:
        return np.zeros(grid.n_days, np.int64)
    return np.diff(covered_before(s, e, grid.midnights))


def free_gaps(grid: Grid, busy_s: np.ndarray, busy_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Complement of the busy intervals within the grid."""
    lo, hi = grid.midnights[0], grid.midnights[-1]
    bs, be = np.clip(busy_s, lo, hi), np.clip(busy_e, lo, hi)
    gs = np.concatenate(([lo], be))
    ge = np.concatenate((bs, [hi]))
    keep = ge > gs
    return gs[keep], ge[keep]


def day_off_starts(gs: np.ndarray, ge: np.ndarray) -> np.ndarray:
    """Start instants of consecutive 24-hour free blocks laid from each gap's start (48 h free = 2 days off)."""
    counts = (ge - gs) // DAY
    if counts.sum() == 0:
        return np.zeros(0, np.int64)
    base = np.repeat(gs, counts)
    offs = np.concatenate([np.arange(c) for c in counts if c]) * DAY
    return base + offs


def _arrays(periods: list[DutyPeriod]) -> tuple[np.ndarray, np.ndarray]:
    s = np.fromiter((epoch_minutes(p.start) for p in periods), np.int64, len(periods))
    e = np.fromiter((epoch_minutes(p.end) for p in periods), np.int64, len(periods))
    return s, e


@dataclass
class PersonTimeline:
    person_id: str
    info: PersonInfo
    grid: Grid
    periods: list[DutyPeriod]  # sorted by start
    starts: np.ndarray  # epoch minutes per period
    ends: np.ndarray
    counted_min: np.ndarray  # per day
    moonlight_min: np.ndarray
    leave_day: np.ndarray  # bool: whole local day on leave and nothing counted on it
    calls: np.ndarray  # in-house call nights starting on the day
    call_starts: list[int]  # day indices, for the q3-boundary test
    dayoff_idx: np.ndarray  # day index where each 24-h free block starts
    dayoff_nohome_idx: np.ndarray  # same, as if at-home call did not exist (OFF-02)
    dayoff_nomoon_idx: np.ndarray  # same, as if moonlighting did not exist (ML-02)
    gaps: tuple[np.ndarray, np.ndarray]  # free gaps (for the "inside" day-off policy)
    gaps_nohome: tuple[np.ndarray, np.ndarray]
    gaps_nomoon: tuple[np.ndarray, np.ndarray]
    rotation: list[str]  # rotation label per day
    data_first: int  # first day index the person has any period
    cache: dict = field(default_factory=dict, repr=False)  # derived structures rules share (runs)

    @property
    def name(self) -> str:
        return self.info.name

    def pgy_of(self, p: DutyPeriod) -> int | None:
        return self.info.pgy_on(p.start.astimezone(self.grid.tz).date(), p.pgy)

    def periods_between(self, t0: int, t1: int, kinds: frozenset[DutyKind] | None = None) -> tuple[DutyPeriod, ...]:
        """Periods overlapping the epoch-minute interval [t0, t1)."""
        lo = int(np.searchsorted(self.starts, t1, side="left"))
        return tuple(
            p for i, p in enumerate(self.periods[:lo]) if self.ends[i] > t0 and (kinds is None or p.kind in kinds)
        )

    def periods_in_days(self, i0: int, i1: int, kinds: frozenset[DutyKind] | None = None) -> tuple[DutyPeriod, ...]:
        return self.periods_between(int(self.grid.midnights[i0]), int(self.grid.midnights[i1]), kinds)


def build_timeline(grid: Grid, periods: list[DutyPeriod], info: PersonInfo) -> PersonTimeline:
    periods = sorted(periods, key=lambda p: (p.start, p.end))
    ps, pe = _arrays(periods)
    kinds = [p.kind for p in periods]

    def sel(allowed: frozenset[DutyKind]) -> np.ndarray:
        return np.fromiter((k in allowed for k in kinds), bool, len(kinds))

    counted = sel(COUNTED_KINDS)
    moon = sel(MOONLIGHT_KINDS)
    leave = sel(frozenset({DutyKind.LEAVE}))
    home = sel(frozenset({DutyKind.CALL_HOME}))
    in_house = sel(frozenset({DutyKind.CALL_IN_HOUSE}))

    cs, ce = merge_intervals(ps[counted], pe[counted])
    counted_min = per_day_minutes(grid, cs, ce)
    ms, me = merge_intervals(ps[moon], pe[moon])
    moonlight_min = per_day_minutes(grid, ms, me)
    ls, le = merge_intervals(ps[leave], pe[leave])
    leave_min = per_day_minutes(grid, ls, le)
    day_len = np.diff(grid.midnights)
    leave_day = (leave_min >= day_len) & (counted_min == 0)

    # Day-off blocks: free = no counted work, no at-home call, no leave (leave days are removed from
    # the denominator, so they must not also count as days off).
    busy = counted | home | leave
    gaps = free_gaps(grid, *merge_intervals(ps[busy], pe[busy]))
    dayoff_idx = grid.day_of(day_off_starts(*gaps))
    nohome = free_gaps(grid, *merge_intervals(ps[busy & ~home], pe[busy & ~home]))
    dayoff_nohome_idx = grid.day_of(day_off_starts(*nohome))
    nomoon = free_gaps(grid, *merge_intervals(ps[busy & ~moon], pe[busy & ~moon]))
    dayoff_nomoon_idx = grid.day_of(day_off_starts(*nomoon))

    # In-house call nights: contiguous in-house call periods are one call, dated by its start.
    hs, _ = merge_intervals(ps[in_house], pe[in_house])
    call_days = np.asarray(grid.day_of(hs), dtype=np.int64) if len(hs) else np.zeros(0, np.int64)
    call_days = call_days[(call_days >= 0) & (call_days < grid.n_days)]
    calls = np.bincount(call_days, minlength=grid.n_days)[: grid.n_days]

    rotation = _rotation_by_day(grid, periods, ps, pe)
    first = int(grid.day_of(int(ps.min()))) if len(ps) else grid.n_days
    return PersonTimeline(
        person_id=info.person_id,
        info=info,
        grid=grid,
        periods=periods,
        starts=ps,
        ends=pe,
        counted_min=counted_min,
        moonlight_min=moonlight_min,
        leave_day=leave_day,
        calls=calls,
        call_starts=[int(d) for d in call_days],
        dayoff_idx=np.asarray(dayoff_idx, dtype=np.int64),
        dayoff_nohome_idx=np.asarray(dayoff_nohome_idx, dtype=np.int64),
        dayoff_nomoon_idx=np.asarray(dayoff_nomoon_idx, dtype=np.int64),
        gaps=gaps,
        gaps_nohome=nohome,
        gaps_nomoon=nomoon,
        rotation=rotation,
        data_first=max(first, 0),
    )


def _rotation_by_day(grid: Grid, periods: list[DutyPeriod], ps: np.ndarray, pe: np.ndarray) -> list[str]:
    """The rotation segment each day belongs to.

    A day takes the rotation of the first labelled period that *starts* on it (so a call that crosses
    midnight into a new block does not drag the old label forward); days with no start take the label
    of a period covering them; remaining days (days off) inherit from the previous day.
    """
    labels: list[str | None] = [None] * grid.n_days
    if len(ps):
        start_days = grid.day_of(ps)
        end_days = grid.day_of(pe - 1)
        for p, d in zip(periods, start_days, strict=True):
            if p.rotation and 0 <= d < grid.n_days and labels[d] is None:
                labels[d] = p.rotation
        covered: list[str | None] = [None] * grid.n_days
        for p, d0, d1 in zip(periods, start_days, end_days, strict=True):
            if p.rotation:
                for d in range(max(d0, 0), min(d1, grid.n_days - 1) + 1):
                    if covered[d] is None:
                        covered[d] = p.rotation
        labels = [lab if lab is not None else cov for lab, cov in zip(labels, covered, strict=True)]
    out: list[str] = []
    prev = next((lab for lab in labels if lab is not None), "")
    for lab in labels:
        prev = lab if lab is not None else prev
        out.append(prev)
    return out
