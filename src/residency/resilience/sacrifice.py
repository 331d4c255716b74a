"""Sacrifice hierarchy: what to give up first when time must be freed for coverage.

Activity categories are ranked, most protected first: patient safety, ACGME requirements,
continuity of care, core education, research, administration, optional education. Each activity
code maps to one (``DEFAULT_CODE_MAP`` for the codes the sample programs use, then a fallback by
``Activity.category``); off and leave codes map to none and are never touched.

Load-shedding level *k* (0..6) suspends the *k* lowest-ranked categories: 1 optional education,
2 + administration, 3 + research, 4 + core education, 5 + continuity of care, 6 + ACGME
requirements (only under a declared emergency). Patient safety is never shed. ``shed`` returns a
draft whose suspended cells are freed (``UNFILLED``, or ``freed_code``) for the repair engine to
fill, with what was given up and what it frees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

import numpy as np

from residency.domain.program import Activity, ActivityCategory, Program
from residency.domain.schedule import UNFILLED, Schedule
from residency.resilience.demand import SUPERVISION, DemandConfig, build_demand


class SacrificeCategory(IntEnum):
    PATIENT_SAFETY = 1
    ACGME_REQUIREMENTS = 2
    CONTINUITY_OF_CARE = 3
    CORE_EDUCATION = 4
    RESEARCH = 5
    ADMINISTRATION = 6
    OPTIONAL_EDUCATION = 7

    @property
    def label(self) -> str:
        return self.name.lower()


S = SacrificeCategory
_GROUPS: dict[SacrificeCategory, tuple[str, ...]] = {
    S.PATIENT_SAFETY: (
        "FMIT", "IMW", "ICU", "NICU", "NBN", "KAP", "L&D", "PedW", "STRAUB", "ER", "PER", "NF", "PedNF",
        "LDNF", "CALL", "AT", "PCAT",
    ),
    S.ACGME_REQUIREMENTS: ("LEC", "FMO"),
    S.CONTINUITY_OF_CARE: ("C", "CV", "CC", "C-I", "C4", "C30", "C40", "C60", "HV", "GAC", "VasC", "CLC"),
    S.CORE_EDUCATION: (
        "CARD", "DERM", "ENT", "OPH", "URO", "GYN", "GER", "MED", "PedC", "PedSP", "SM", "aSM", "CAST", "RAD",
        "PSY", "ADHD", "MULTID", "VA", "V1", "V2", "V3", "HC", "MUC", "WICS", "CP", "ELEC", "SIM", "ORIENT", "DO",
        "PR", "VAS",
    ),
    S.RESEARCH: ("RSH", "PI"),
    S.ADMINISTRATION: ("ADM", "GME", "FLX", "DFM", "CODING", "EPIC"),
    S.OPTIONAL_EDUCATION: ("STUDY", "USU"),
}  # fmt: skip
DEFAULT_CODE_MAP: dict[str, SacrificeCategory] = {code: cat for cat, codes in _GROUPS.items() for code in codes}
MAX_LEVEL = 6


def category_of(activity: Activity, code_map: Mapping[str, SacrificeCategory] = DEFAULT_CODE_MAP):
    """The sacrifice category of an activity, or None for off and leave codes."""
    if activity.code in code_map:
        return code_map[activity.code]
    if activity.category in (ActivityCategory.OFF, ActivityCategory.LEAVE):
        return None
    if activity.category == ActivityCategory.CALL or activity.provides_supervision:
        return S.PATIENT_SAFETY
    if activity.category == ActivityCategory.CLINICAL:
        return S.CONTINUITY_OF_CARE if activity.supervision_load else S.CORE_EDUCATION
    if activity.category == ActivityCategory.EDUCATION:
        return S.CORE_EDUCATION
    return S.ADMINISTRATION


def suspended_at(level: int) -> frozenset[SacrificeCategory]:
    """Categories a load-shedding level suspends (never patient safety)."""
    level = max(0, min(MAX_LEVEL, level))
    return frozenset(c for c in S if c != S.PATIENT_SAFETY and c.value > len(S) - level)


def hierarchy(program: Program, code_map: Mapping[str, SacrificeCategory] = DEFAULT_CODE_MAP) -> dict[str, list[str]]:
    """Category label -> activity codes of the program, most protected first."""
    out: dict[str, list[str]] = {c.label: [] for c in S}
    for a in program.activities:
        cat = category_of(a, code_map)
        if cat is not None:
            out[cat.label].append(a.code)
    return out


@dataclass(frozen=True, slots=True)
class GivenUp:
    category: SacrificeCategory
    code: str
    half_days: int
    people: int

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category.label, "code": self.code, "half_days": self.half_days, "people": self.people}


@dataclass(frozen=True, slots=True)
class SheddingResult:
    level: int
    suspended: tuple[SacrificeCategory, ...]
    start: date
    days: int
    draft: Schedule
    given_up: tuple[GivenUp, ...]
    freed_half_days: dict[str, int]  # person -> half-days freed
    supervision_slots_before: int
    supervision_slots_after: int

    @property
    def cells_changed(self) -> int:
        return sum(self.freed_half_days.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "suspended": [c.label for c in self.suspended],
            "start": self.start.isoformat(),
            "days": self.days,
            "cells_changed": self.cells_changed,
            "given_up": [g.to_dict() for g in self.given_up],
            "freed_half_days": dict(sorted(self.freed_half_days.items())),
            "supervision_slots_before": self.supervision_slots_before,
            "supervision_slots_after": self.supervision_slots_after,
        }


def shed(
    program: Program,
    schedule: Schedule,
    level: int,
    *,
    start: date | None = None,
    days: int | None = None,
    people: Iterable[str] | None = None,
    categories: Iterable[SacrificeCategory] | None = None,
    code_map: Mapping[str, SacrificeCategory] = DEFAULT_CODE_MAP,
    freed_code: str | None = None,
    config: DemandConfig | None = None,
) -> SheddingResult:
    """A draft of ``schedule`` with the categories of ``level`` (or ``categories``) suspended in the
    window (default: the whole schedule) for ``people`` (default: everyone)."""
    suspended = frozenset(categories) if categories is not None else suspended_at(level)
    suspended -= {S.PATIENT_SAFETY}
    acts = {a.code: a for a in program.activities}
    cats = [category_of(acts[c], code_map) if c in acts else None for c in schedule.codes]
    hit = np.array([c in suspended for c in cats] + [False], dtype=bool)
    first = 0 if start is None else max(0, (start - schedule.start).days)
    last = schedule.days if days is None else min(schedule.days, first + days)
    rows = np.zeros(len(schedule.people), dtype=bool)
    if people is None:
        rows[:] = True
    else:
        for key in people:
            if key in schedule._row:
                rows[schedule.row(key)] = True
    g = np.where(schedule.grid == UNFILLED, len(schedule.codes), schedule.grid)
    mask = hit[g]
    mask[~rows] = False
    mask[:, :first] = False
    mask[:, last:] = False

    counts: Counter = Counter()
    persons: dict[int, set[int]] = {}
    for idx in np.unique(g[mask]):
        sel = mask & (g == idx)
        counts[int(idx)] = int(sel.sum())
        persons[int(idx)] = set(np.nonzero(sel.any(axis=(1, 2)))[0].tolist())
    given_up = tuple(
        sorted(
            (GivenUp(cats[i], schedule.codes[i], n, len(persons[i])) for i, n in counts.items()),
            key=lambda x: (-x.category, -x.half_days, x.code),
        )
    )
    draft = schedule.copy()
    draft.grid[mask] = UNFILLED if freed_code is None else schedule.code_index(freed_code)
    per_person = mask.sum(axis=(1, 2))
    freed = {schedule.people[r]: int(n) for r, n in enumerate(per_person) if n}

    def slots(s: Schedule) -> int:
        sd = build_demand(program, s, config).services[SUPERVISION]
        total = sd.required_total if sd.required_total is not None else sd.required
        return int(total[first:last].sum())

    return SheddingResult(
        level=level,
        suspended=tuple(sorted(suspended)),
        start=schedule.start if start is None else start,
        days=last - first,
        draft=draft,
        given_up=given_up,
        freed_half_days=freed,
        supervision_slots_before=slots(schedule),
        supervision_slots_after=slots(draft),
    )
