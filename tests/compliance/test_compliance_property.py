"""Property tests: on random schedules the engine agrees with a slow, minute-by-minute reference.

The reference below shares no code with the engine: it marks every real minute as counted, leave,
at-home call or free, finds each minute's local date with ``datetime.fromtimestamp``, and applies the
rules by their ACGME.md definitions. The range crosses the autumn DST change (2025-11-02).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residency.compliance.config import EngineConfig
from residency.compliance.engine import evaluate
from residency.compliance.findings import Status
from residency.domain.duty import DutyKind, DutyPeriod

TZ = ZoneInfo("America/New_York")
D0 = date(2025, 10, 20)
DAYS = 42
KINDS = ["work", "work", "call_in_house", "call_in_house", "call_home", "leave", "education", "moonlight_internal"]
COUNTED = {"work", "education", "call_in_house", "moonlight_internal"}


def _epoch_min(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


@st.composite
def schedules(draw):
    periods = []
    for _ in range(draw(st.integers(0, 90))):
        kind = draw(st.sampled_from(KINDS))
        d = D0 + timedelta(days=draw(st.integers(0, 38)))
        if kind == "leave":  # whole local days
            start = datetime.combine(d, time(0), TZ)
            end = datetime.combine(d + timedelta(days=draw(st.integers(1, 5))), time(0), TZ)
        else:
            start = datetime.combine(d, time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))), TZ)
            minutes = draw(st.integers(1, 30 * 4)) * 15
            end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(TZ)
        periods.append(DutyPeriod("r1", start, end, DutyKind(kind), pgy=2, rotation="A",
                                  flags=frozenset({"moonlighting_approved"})))  # fmt: skip
    # Always one period on the first day, so the range and the history start on D0.
    periods.append(DutyPeriod("r1", datetime.combine(D0, time(8), TZ), datetime.combine(D0, time(9), TZ),
                              DutyKind.WORK, pgy=2, rotation="A"))  # fmt: skip
    return periods


class Reference:
    def __init__(self, periods: list[DutyPeriod]) -> None:
        self.m0 = _epoch_min(datetime.combine(D0, time(0), TZ))
        self.m_end = _epoch_min(datetime.combine(D0 + timedelta(days=DAYS), time(0), TZ))
        last = max([_epoch_min(p.end) for p in periods] + [self.m_end])
        n = last - self.m0
        self.counted, self.leave, self.home, self.call = (bytearray(n) for _ in range(4))
        for p in periods:
            a, b = _epoch_min(p.start) - self.m0, _epoch_min(p.end) - self.m0
            target = {"leave": self.leave, "call_home": self.home}.get(p.kind.value)
            for m in range(a, b):
                if p.kind.value in COUNTED:
                    self.counted[m] = 1
                if p.kind.value == "call_in_house":
                    self.call[m] = 1
                if target is not None:
                    target[m] = 1
        self.n_day_minutes = self.m_end - self.m0
        self.day_of = [
            (datetime.fromtimestamp((self.m0 + m) * 60, tz=UTC).astimezone(TZ).date() - D0).days
            for m in range(self.n_day_minutes)
        ]
        worked = [0] * DAYS
        leave_all = [True] * DAYS
        for m in range(self.n_day_minutes):
            d = self.day_of[m]
            worked[d] += self.counted[m]
            leave_all[d] = leave_all[d] and bool(self.leave[m])
        self.worked = worked
        self.leave_day = [leave_all[d] and worked[d] == 0 for d in range(DAYS)]
        # Days off: runs of free minutes, one per full 24 h from the run's start, dated by its start.
        self.offs = [0] * DAYS
        m = 0
        while m < self.n_day_minutes:
            if self.counted[m] or self.leave[m] or self.home[m]:
                m += 1
                continue
            s = m
            while m < self.n_day_minutes and not (self.counted[m] or self.leave[m] or self.home[m]):
                m += 1
            for k in range((m - s) // 1440):
                self.offs[self.day_of[s + k * 1440]] += 1
        # In-house calls: runs of call minutes, dated by their start.
        self.calls = [0] * DAYS
        for m in range(self.n_day_minutes):
            if self.call[m] and (m == 0 or not self.call[m - 1]):
                self.calls[self.day_of[m]] += 1
        # Continuous runs of counted minutes.
        self.runs = []
        m = 0
        while m < n:
            if not self.counted[m]:
                m += 1
                continue
            s = m
            while m < n and self.counted[m]:
                m += 1
            self.runs.append((s, m))

    def window_failures(self, windows: list[tuple[int, int]]) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {"WH-01": set(), "OFF-01": set(), "CALL-01": set()}
        for a, b in windows:
            days = [d for d in range(a, b) if not self.leave_day[d]]
            eff = len(days)
            if eff < 7:
                continue
            minutes = sum(self.worked[d] for d in days)
            if minutes * 7 > 80 * 60 * eff:
                out["WH-01"].add(a)
            if sum(self.offs[d] for d in days) * 7 < eff:
                out["OFF-01"].add(a)
            if sum(self.calls[d] for d in days) * 3 > eff:
                out["CALL-01"].add(a)
        return out

    def long_runs(self) -> set[int]:
        return {self.m0 + s for s, e in self.runs if e - s > 28 * 60}

    def short_rests(self) -> set[int]:
        out = set()
        for (s, e), nxt in zip(self.runs, self.runs[1:] + [None], strict=True):
            if e - s >= 24 * 60 and nxt is not None and nxt[0] - e < 14 * 60:
                out.add(self.m0 + e)
        return out


def _engine(periods, mode):
    return evaluate(periods, EngineConfig(mode=mode, history_complete=True), D0, D0 + timedelta(days=DAYS - 1))


def _starts(report, rule) -> set[int]:
    return {(f.start - D0).days for f in report.findings if f.rule == rule and f.status == Status.FAIL}


FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(schedules())
def test_rolling_windows_match_reference(periods):
    ref = Reference(periods)
    expected = ref.window_failures([(a, a + 28) for a in range(DAYS - 28 + 1)])
    report = _engine(periods, "rolling")
    for rule in ("WH-01", "OFF-01", "CALL-01"):
        assert _starts(report, rule) == expected[rule], rule


@FAST
@given(schedules())
def test_acgme_windows_match_reference(periods):
    ref = Reference(periods)
    expected = ref.window_failures([(0, 28), (28, DAYS)])
    report = _engine(periods, "acgme")
    for rule in ("WH-01", "OFF-01", "CALL-01"):
        assert _starts(report, rule) == expected[rule], rule


@FAST
@given(schedules())
def test_length_and_rest_match_reference(periods):
    ref = Reference(periods)
    report = _engine(periods, "acgme")
    long_runs = {_epoch_min(f.start) for f in report.findings if f.rule == "LEN-02" and "continuous work" in f.message}
    assert long_runs == ref.long_runs()
    rests = {_epoch_min(f.start) for f in report.findings if f.rule == "RST-02"}
    assert rests == ref.short_rests()
