"""Duty periods: real start/end instants of what a person did or is scheduled to do.

A duty period is the unit the compliance engine reads. Deriving periods from a Schedule is a
separate job; here we only define the vocabulary and a few helpers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DutyKind(StrEnum):
    WORK = "work"
    EDUCATION = "education"
    CALL_IN_HOUSE = "call_in_house"
    CALL_HOME = "call_home"  # pager call from outside the site: not counted unless active
    CALL_HOME_ACTIVE = "call_home_active"  # phone work or return to hospital while on home call
    NIGHT_FLOAT = "night_float"
    MOONLIGHT_INTERNAL = "moonlight_internal"
    MOONLIGHT_EXTERNAL = "moonlight_external"
    LEAVE = "leave"


class PersonFlag(StrEnum):
    J1 = "j1"
    MOONLIGHTING_APPROVED = "moonlighting_approved"


class SupervisionLevel(StrEnum):
    DIRECT = "direct"  # supervisor physically present
    DIRECT_TELECOM = "direct_telecom"  # direct via concurrent telecommunication, only where the RC allows
    INDIRECT = "indirect"
    OVERSIGHT = "oversight"


# Every kind whose minutes count toward the 80-hour limit (ACGME.md §3 "Counted work").
COUNTED_KINDS = frozenset(
    {
        DutyKind.WORK,
        DutyKind.EDUCATION,
        DutyKind.CALL_IN_HOUSE,
        DutyKind.CALL_HOME_ACTIVE,
        DutyKind.NIGHT_FLOAT,
        DutyKind.MOONLIGHT_INTERNAL,
        DutyKind.MOONLIGHT_EXTERNAL,
    }
)
MOONLIGHT_KINDS = frozenset({DutyKind.MOONLIGHT_INTERNAL, DutyKind.MOONLIGHT_EXTERNAL})
HOME_CALL_KINDS = frozenset({DutyKind.CALL_HOME, DutyKind.CALL_HOME_ACTIVE})
# Assignments the program makes and supervises (moonlighting is the resident's own practice).
SUPERVISED_KINDS = frozenset({DutyKind.WORK, DutyKind.CALL_IN_HOUSE, DutyKind.NIGHT_FLOAT, DutyKind.CALL_HOME_ACTIVE})


class DutyPeriodError(ValueError):
    """A duty period that cannot exist (naive instants, end before start, unknown kind)."""


@dataclass(frozen=True, slots=True)
class DutyPeriod:
    person_id: str
    start: datetime  # timezone-aware
    end: datetime  # timezone-aware, exclusive
    kind: DutyKind
    person_name: str = ""
    pgy: int | None = None
    rotation: str = ""  # rotation segment label used for ACGME-mode averaging
    activity: str = ""  # activity code, e.g. "handoff", "education", "self_initiated", "clinic"
    flags: frozenset[str] = field(default_factory=frozenset)
    # Optional supervision data (SUP rules run only where it exists).
    supervision: SupervisionLevel | None = None
    supervisor_id: str | None = None
    supervisor_privileged: bool | None = None  # supervisor holds the privilege for `procedure`
    procedure: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise DutyPeriodError(f"{self.person_id}: start and end must carry a UTC offset")
        # Timestamps, not datetime subtraction: two datetimes sharing a ZoneInfo subtract as wall-clock
        # times, which would make a 24-h call across the autumn change look 24 h long instead of 25.
        if self.end.timestamp() <= self.start.timestamp():
            raise DutyPeriodError(f"{self.person_id}: period ends ({self.end}) before it starts ({self.start})")
        if not isinstance(self.kind, DutyKind):
            object.__setattr__(self, "kind", DutyKind(self.kind))

    @property
    def minutes(self) -> int:
        return int(self.end.timestamp() - self.start.timestamp()) // 60

    @property
    def counted(self) -> bool:
        return self.kind in COUNTED_KINDS

    @property
    def is_moonlighting(self) -> bool:
        return self.kind in MOONLIGHT_KINDS

    def describe(self) -> str:
        act = f" {self.activity}" if self.activity else ""
        start, end = self.start.isoformat(timespec="minutes"), self.end.isoformat(timespec="minutes")
        return f"{self.kind.value}{act} {start}→{end}"


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """What the engine needs to know about a person beyond their periods."""

    person_id: str
    name: str = ""
    # (promotion date, PGY level) pairs: the level in force from that date (off-cycle residents).
    pgy_levels: tuple[tuple[date, int], ...] = ()
    moonlighting_approved: bool = False
    j1: bool = False

    def pgy_on(self, day: date, default: int | None = None) -> int | None:
        level = default
        for promoted, pgy in sorted(self.pgy_levels):
            if promoted <= day:
                level = pgy
        return level


def person_info_from_periods(periods: list[DutyPeriod]) -> PersonInfo:
    """Person facts as the duty-period CSV carries them: flags are a union over the person's rows."""
    if not periods:
        raise ValueError("no periods")
    flags: set[str] = set()
    for p in periods:
        flags |= p.flags
    first = periods[0]
    return PersonInfo(
        person_id=first.person_id,
        name=first.person_name,
        moonlighting_approved=PersonFlag.MOONLIGHTING_APPROVED in flags,
        j1=PersonFlag.J1 in flags,
    )


def by_person(periods: list[DutyPeriod] | tuple[DutyPeriod, ...]) -> dict[str, list[DutyPeriod]]:
    """Group periods by person, each list sorted by start."""
    grouped: dict[str, list[DutyPeriod]] = {}
    for p in periods:
        grouped.setdefault(p.person_id, []).append(p)
    for lst in grouped.values():
        lst.sort(key=lambda p: (p.start, p.end))
    return grouped
