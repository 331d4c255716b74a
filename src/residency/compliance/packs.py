"""Rule packs: the numbers each rule version uses, with effective dates, and overlays.

A day is evaluated with the base pack in force on that day (ACGME 2011 before 2017-07-01, the
current rules after), then the overlays in force on that day are applied:
- an *exception* overlay (WH-02, the RC-approved 88-hour exception) replaces the weekly cap for its
  named rotations only;
- a *restriction* overlay (state law, institution, program policy) is merged field by field and the
  stricter value wins (ACGME.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import lru_cache

H = 60  # minutes per hour, for readability of the limits below


@dataclass(frozen=True, slots=True)
class Limits:
    weekly_cap_min: int = 80 * H  # WH-01 (or 88 h under WH-02)
    max_shift_min: int = 24 * H  # LEN-01, all PGY levels (2017+)
    max_shift_min_pgy1: int | None = None  # 2011: PGY-1 16 h
    transition_min: int = 4 * H  # LEN-02: hours 24-28 for hand-off and education
    transition_min_pgy1: int | None = None  # 2011: PGY-1 has no transition allowance
    rest_should_min: int = 8 * H  # RST-01 (warning)
    rest_must_min: int | None = None  # 2011: 8 h must (violation)
    rest_after_call_min: int = 14 * H  # RST-02 after >= 24 h in-house
    days_off_per: int = 7  # OFF-01: one day in `days_off_per`
    call_every: int = 3  # CALL-01: in-house call no more often than every `call_every` nights
    nf_max_consecutive_nights: int | None = None  # NF-01 (RC caps; 2011: 6)
    nf_max_consecutive_weeks: int | None = None
    nf_max_weeks_per_year: int | None = None
    exception_id: str = ""  # WH-02 approval id when the weekly cap comes from an exception

    def shift_cap(self, pgy: int | None) -> int:
        if pgy == 1 and self.max_shift_min_pgy1 is not None:
            return self.max_shift_min_pgy1
        return self.max_shift_min

    def transition(self, pgy: int | None) -> int:
        if pgy == 1 and self.transition_min_pgy1 is not None:
            return self.transition_min_pgy1
        return self.transition_min


# For each field: which of two values is stricter.
_STRICTER_IS_SMALLER = {
    "weekly_cap_min",
    "max_shift_min",
    "max_shift_min_pgy1",
    "transition_min",
    "transition_min_pgy1",
    "days_off_per",
    "nf_max_consecutive_nights",
    "nf_max_consecutive_weeks",
    "nf_max_weeks_per_year",
}
_STRICTER_IS_LARGER = {"rest_should_min", "rest_must_min", "rest_after_call_min", "call_every"}


def stricter_value(name: str, x: int | None, y: int | None) -> int | None:
    """The stricter of two values of one limit field (None = no limit)."""
    if x is None or y is None:
        return y if x is None else x
    if name in _STRICTER_IS_SMALLER:
        return min(x, y)
    if name in _STRICTER_IS_LARGER:
        return max(x, y)
    raise KeyError(name)


def stricter(a: Limits, b: Limits) -> Limits:
    """Field-wise stricter of two limit sets."""
    out: dict = {}
    for f in fields(Limits):
        if f.name != "exception_id":
            out[f.name] = stricter_value(f.name, getattr(a, f.name), getattr(b, f.name))
    keeps_exception = out["weekly_cap_min"] == a.weekly_cap_min and a.exception_id
    out["exception_id"] = a.exception_id if keeps_exception else ""
    return Limits(**out)


@dataclass(frozen=True, slots=True)
class Pack:
    """A base rule set (ACGME version)."""

    name: str
    effective_from: date
    effective_to: date | None  # inclusive; None = still in force
    limits: Limits
    rules: frozenset[str]
    source: str = ""

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class Overlay:
    """A program/state/institution layer. ``kind`` is "exception" (WH-02) or "restriction"."""

    name: str
    kind: str
    changes: tuple[tuple[str, int | None], ...]  # (Limits field, value) pairs
    rotations: frozenset[str] = frozenset()  # empty = every rotation
    effective_from: date = date.min
    effective_to: date | None = None
    approval_id: str = ""
    source: str = ""

    def applies(self, day: date, rotation: str) -> bool:
        if day < self.effective_from or (self.effective_to is not None and day > self.effective_to):
            return False
        return not self.rotations or rotation in self.rotations


_CORE_RULES = frozenset(
    {
        "WH-01",
        "WH-02",
        "WH-03",
        "LEN-01",
        "LEN-02",
        "RST-01",
        "RST-02",
        "OFF-01",
        "OFF-02",
        "CALL-01",
        "HOME-01",
        "HOME-03",
        "NF-01",
        "ML-02",
        "ML-03",
        "ML-04",
        "SUP-02",
        "SUP-03",
        "SUP-05",
        "SUP-06",
        "DATA-01",
    }
)

ACGME_2011 = Pack(
    name="acgme-2011",
    effective_from=date(2011, 7, 1),
    effective_to=date(2017, 6, 30),
    limits=Limits(
        max_shift_min_pgy1=16 * H,
        transition_min_pgy1=0,
        rest_should_min=10 * H,
        rest_must_min=8 * H,
        nf_max_consecutive_nights=6,
    ),
    rules=_CORE_RULES,
    source="ACGME CPR VI.G (2011)",
)

ACGME_CURRENT = Pack(
    name="acgme-2017",
    effective_from=date(2017, 7, 1),
    effective_to=None,
    limits=Limits(),
    rules=_CORE_RULES,
    source="ACGME CPR VI.F (2017, carried into the 2023 CPR)",
)

BASE_PACKS = {p.name: p for p in (ACGME_2011, ACGME_CURRENT)}


def exception_88(rotations: list[str] | frozenset[str], approval_id: str, start: date, end: date | None) -> Overlay:
    """WH-02: an RC-approved exception of up to 88 h/week for the named rotations and dates only."""
    return Overlay(
        name=f"exception-88:{approval_id}",
        kind="exception",
        changes=(("weekly_cap_min", 88 * H),),
        rotations=frozenset(rotations),
        effective_from=start,
        effective_to=end,
        approval_id=approval_id,
        source="CPR VI.F.4.c",
    )


NY_PART_405 = Overlay(
    name="ny-part-405",
    kind="restriction",
    changes=(("weekly_cap_min", 80 * H), ("max_shift_min", 24 * H), ("transition_min", 3 * H)),
    source="NY 10 NYCRR 405.4",
)


@dataclass(frozen=True)
class PackSet:
    """The base packs (by date) plus overlays; ``force`` pins one base pack for every date."""

    bases: tuple[Pack, ...] = (ACGME_2011, ACGME_CURRENT)
    overlays: tuple[Overlay, ...] = ()
    force: str | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def base_on(self, day: date) -> Pack:
        if self.force:
            return BASE_PACKS[self.force] if self.force in BASE_PACKS else _by_name(self.bases, self.force)
        for pack in self.bases:
            if pack.in_force(day):
                return pack
        # Before the earliest pack: use the earliest (the engine never silently drops rules).
        return min(self.bases, key=lambda p: p.effective_from)

    def limits_on(self, day: date, rotation: str = "") -> Limits:
        base = self.base_on(day)
        active = tuple(o for o in self.overlays if o.applies(day, rotation))
        key = (base.name, active)
        hit = self._cache.get(key)
        if hit is None:
            hit = _resolve(base.limits, active)
            self._cache[key] = hit
        return hit

    def rules_on(self, day: date) -> frozenset[str]:
        return self.base_on(day).rules


def _by_name(packs: tuple[Pack, ...], name: str) -> Pack:
    for p in packs:
        if p.name == name:
            return p
    raise KeyError(f"unknown rule pack {name!r}")


@lru_cache(maxsize=256)
def _resolve(base: Limits, overlays: tuple[Overlay, ...]) -> Limits:
    limits = base
    for o in overlays:
        if o.kind == "exception":  # replaces the base value: an exception is looser by design
            limits = replace(limits, **dict(o.changes), exception_id=o.approval_id)
    for o in overlays:
        if o.kind == "restriction":  # only the fields the overlay names; stricter wins
            merged = {k: stricter_value(k, getattr(limits, k), v) for k, v in o.changes}
            if "weekly_cap_min" in merged and merged["weekly_cap_min"] != limits.weekly_cap_min:
                merged["exception_id"] = ""
            limits = replace(limits, **merged)
    return limits
