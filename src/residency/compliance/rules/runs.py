"""Continuous work periods: maximal runs of counted time (ACGME.md §3 "Work period")."""

from __future__ import annotations

from dataclasses import dataclass

from residency.compliance.timeline import PersonTimeline
from residency.domain.duty import DutyKind, DutyPeriod


@dataclass(frozen=True)
class Run:
    start: int  # epoch minutes
    end: int
    members: tuple[int, ...]  # indices into the timeline's periods

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def periods(self, tl: PersonTimeline) -> tuple[DutyPeriod, ...]:
        return tuple(tl.periods[i] for i in self.members)


def build_runs(tl: PersonTimeline, merge_gap: int, include_call_backs: bool = True) -> list[Run]:
    """Join counted periods that touch, overlap or lie within ``merge_gap`` minutes of each other.
    Without call-backs (HOME-03) the runs are the *scheduled* work periods RST-01 measures gaps between.
    Cached on the timeline: several rules read the same runs."""
    key = ("runs", merge_gap, include_call_backs)
    hit = tl.cache.get(key)
    if hit is not None:
        return hit
    runs: list[Run] = []
    cur: list[int] = []
    cur_s = cur_e = 0
    for i, p in enumerate(tl.periods):
        if not p.counted or (not include_call_backs and p.kind == DutyKind.CALL_HOME_ACTIVE):
            continue
        s, e = int(tl.starts[i]), int(tl.ends[i])
        if cur and s <= cur_e + merge_gap:
            cur.append(i)
            cur_e = max(cur_e, e)
            continue
        if cur:
            runs.append(Run(cur_s, cur_e, tuple(cur)))
        cur, cur_s, cur_e = [i], s, e
    if cur:
        runs.append(Run(cur_s, cur_e, tuple(cur)))
    tl.cache[key] = runs
    return runs
