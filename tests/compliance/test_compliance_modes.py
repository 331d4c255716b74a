"""Averaging modes (§5): rolling windows, STRICT_ONLY, history, every violation reported."""

from __future__ import annotations

from compliance_builders import at, daily, day, of, period, run, timeline_and_stats, window_rows

from residency.compliance.config import EngineConfig
from residency.compliance.engine import evaluate
from residency.compliance.findings import STRICT_ONLY, Status

H = 60


def test_rolling_evaluates_windows_starting_on_days_off_and_every_window():
    ps = daily(0, 56, 600)  # Sundays off
    tl, st = timeline_and_stats(ps, day(27), day(55), mode="rolling")
    rows = window_rows(tl, st)
    assert len(rows) == 29 and rows[0][0] == day(0) and rows[-1][1] == day(55)
    assert any(day(a.toordinal() - day(0).toordinal()).weekday() == 6 for a, *_ in rows)  # starts on a Sunday


def test_rolling_reports_every_violating_window_not_just_the_first():
    ps = daily(0, 42, 14 * H, off_weekday=6)  # 84 h/week throughout
    r = run(ps, day(0), day(41), mode="rolling")
    assert len(of(r, "WH-01")) == 42 - 28 + 1


def test_rolling_cross_rotation_spike_is_strict_only():
    # Two 4-week rotations, each 78 h/week on average, heavy at the end of A and the start of B (90 h/week).
    light, heavy = 11 * H, 15 * H
    a = daily(0, 14, light, rotation="A") + daily(14, 14, heavy, rotation="A")
    b = daily(28, 14, heavy, rotation="B") + daily(42, 14, light, rotation="B")
    ps = a + b
    assert of(run(ps, day(0), day(55)), "WH-01") == []  # ACGME mode (by rotation)
    strict = of(run(ps, day(0), day(55), mode="rolling"), "WH-01")
    assert strict and all(STRICT_ONLY in f.tags for f in strict)


def test_rolling_finding_also_found_by_acgme_is_not_strict_only():
    ps = daily(0, 28, 15 * H)
    [f, *_] = of(run(ps, day(0), day(27), mode="rolling"), "WH-01")
    assert STRICT_ONLY not in f.tags


def test_missing_look_back_is_insufficient_history_never_a_silent_pass():
    ps = daily(0, 56, 600)
    r = evaluate(ps, EngineConfig(mode="rolling"), day(0), day(55))
    [f] = of(r, "WH-01", Status.INSUFFICIENT_HISTORY)
    assert f.values["windows"] == 27 and f.start == day(-27)
    r2 = evaluate(ps, EngineConfig(mode="rolling"), day(27), day(55))  # 27 days of history present
    assert of(r2, "WH-01", Status.INSUFFICIENT_HISTORY) == []


def test_acgme_first_segment_without_history_is_insufficient_history():
    ps = daily(0, 28, 600)
    r = evaluate(ps, EngineConfig(), day(0), day(27))
    [f] = of(r, "WH-01", Status.INSUFFICIENT_HISTORY)
    assert f.values["provisional_average_hours"] == 60.0
    assert of(evaluate(ps, EngineConfig(history_complete=True), day(0), day(27)), "WH-01", None) == []


def test_acgme_long_segment_tail_merge():
    ps = daily(0, 61, 600, rotation="LONG")  # 61 days: 28 + 33 (5-day remainder merged)
    tl, st = timeline_and_stats(ps, day(0), day(60))
    assert [(a, b) for a, b, *_ in window_rows(tl, st)] == [(day(0), day(27)), (day(28), day(60))]
    tl, st = timeline_and_stats(ps, day(0), day(60), tail_merge_days=0)
    assert len(window_rows(tl, st)) == 3


def test_day_off_policy_inside_requires_whole_block_in_window():
    # Free from Sunday 12:00 (end of 28-day rotation A) to Monday 12:00 (rotation B): straddles windows.
    ps = [period(at(d, 7), at(d, 19), rotation="A") for d in range(27)] + [period(at(27, 7), at(27, 12), rotation="A")]
    ps += [period(at(28, 12), at(28, 19), rotation="B")] + [
        period(at(d, 7), at(d, 19), rotation="B") for d in range(29, 56)
    ]
    _, st = timeline_and_stats(ps, day(0), day(55))
    assert list(st.days_off) == [1, 0]  # counted where it starts
    _, st = timeline_and_stats(ps, day(0), day(55), day_off_policy="inside")
    assert list(st.days_off) == [0, 0]
