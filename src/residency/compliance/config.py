"""Engine configuration: the policies ACGME.md asks us to make explicit, with strict defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from residency.compliance.packs import PackSet
from residency.compliance.windows import Mode
from residency.domain.duty import PersonInfo

# Activities allowed in hours 24-28 of a continuous period (LEN-02): hand-offs and education only.
TRANSITION_ACTIVITIES = frozenset(
    {"handoff", "hand-off", "transition", "sign_out", "signout", "education", "didactics", "conference"}
)
SELF_INITIATED_ACTIVITIES = frozenset({"self_initiated"})  # WH-03: logged stay beyond 24+4


@dataclass(frozen=True)
class EngineConfig:
    mode: Mode = Mode.ACGME
    timezone: str = "America/New_York"
    packs: PackSet = field(default_factory=PackSet)
    merge_gap_min: int = 0  # gaps up to this many minutes join two periods into one (edge case 9)
    min_eval_days: int = 7  # fewer non-leave days in a window -> INSUFFICIENT_DATA
    tail_merge_days: int = 7  # ACGME mode: a remainder window shorter than this joins the previous one
    day_off_rounding: str = "strict"  # "strict": days_off*7 >= eff_days; "floor": days_off >= eff_days//7
    day_off_policy: str = "start"  # "start": a 24-h block counts in the window holding its start; "inside"
    q3_boundary: str = "fail"  # "fail" or "warn": a literal q3 pattern (10 calls in 28 days)
    dst_tolerance: bool = False  # LEN-01 compares wall-clock length (a 07:00-07:00 call is 24 h)
    rest_after_home_call: bool = False  # edge case 7: 14 h rest also after >= 24 h of at-home call work
    history_start: date | None = None  # first day the data is complete; default the earliest period
    history_complete: bool = False  # nothing before history_start (e.g. interns' first day)
    transition_activities: frozenset[str] = TRANSITION_ACTIVITIES
    self_initiated_activities: frozenset[str] = SELF_INITIATED_ACTIVITIES
    people: dict[str, PersonInfo] = field(default_factory=dict)  # PGY by date, flags; else from periods
    # Days known to lack data per person (away rotation not imported): windows touching them are
    # INSUFFICIENT_DATA (edge case 18), never a pass on zero hours.
    missing_data: dict[str, tuple[tuple[date, date], ...]] = field(default_factory=dict)
    # Supervision (SUP rules run only where periods carry supervision data).
    telecom_direct_allowed: bool = False  # SUP-03: RC permits direct supervision by telecom for PGY-1
    pgy1_indirect_from: dict[str, date] = field(default_factory=dict)  # SUP-03 progression per resident
    max_residents_per_supervisor: int | None = None  # SUP-05 (CMS primary-care exception: 4)
    compare_strict: bool = True  # rolling mode: tag findings ACGME mode does not make STRICT_ONLY

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))  # accept "rolling" as well as Mode.ROLLING
        if self.day_off_rounding not in ("strict", "floor"):
            raise ValueError(f"day_off_rounding must be strict or floor, not {self.day_off_rounding!r}")
        if self.day_off_policy not in ("start", "inside"):
            raise ValueError(f"day_off_policy must be start or inside, not {self.day_off_policy!r}")
        if self.q3_boundary not in ("fail", "warn"):
            raise ValueError(f"q3_boundary must be fail or warn, not {self.q3_boundary!r}")
