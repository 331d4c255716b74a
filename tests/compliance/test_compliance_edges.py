"""One test (at least) per edge case numbered in ACGME.md §6."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from compliance_builders import TZ, at, daily, day, of, period, run, timeline_and_stats, window_rows

from residency.compliance.config import EngineConfig
from residency.compliance.engine import check, evaluate, evaluate_person, prepare, re_evaluate_person
from residency.compliance.findings import Severity, Status
from residency.compliance.packs import PackSet, exception_88
from residency.domain.duty import PersonInfo, by_person

H = 60


def local(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), TZ)


def test_edge_01_shift_across_midnight_and_window_boundary_split_by_clock_time():
    ps = daily(0, 27, 600, rotation="A") + daily(28, 14, 600, rotation="B")
    ps.append(period(at(27, 19), at(28, 7), "night_float", rotation="A"))
    tl, st = timeline_and_stats(ps, day(0), day(41))
    assert tl.counted_min[tl.grid.index(day(27))] == 5 * H
    assert tl.counted_min[tl.grid.index(day(28))] == 7 * H + 600
    rows = window_rows(tl, st)
    assert rows[0][:2] == (day(0), day(27)) and rows[1][:2] == (day(28), day(41))
    assert rows[0][3] == 24 * 600 + 5 * H  # 24 day shifts (days 0-26, three Sundays off) + 5 h of the night


def test_edge_02_dst_fall_back_call_is_25_real_hours():
    call = period(local(date(2025, 11, 1), 7), local(date(2025, 11, 2), 7), "call_in_house")
    assert call.minutes == 25 * H
    [f] = of(run([call]), "LEN-01")
    assert f.values["real_minutes"] == 25 * H and "real time across a clock change" in f.message
    assert of(run([call], dst_tolerance=True), "LEN-01") == []
    tl, _ = timeline_and_stats([call], date(2025, 11, 1), date(2025, 11, 2))
    g = tl.grid
    assert tl.counted_min[g.index(date(2025, 11, 1))] == 17 * H
    assert tl.counted_min[g.index(date(2025, 11, 2))] == 8 * H  # 00:00-07:00 local holds 8 real hours


def test_edge_02_dst_spring_forward_call_is_23_hours():
    call = period(local(date(2026, 3, 7), 7), local(date(2026, 3, 8), 7), "call_in_house")
    assert call.minutes == 23 * H
    assert of(run([call]), "LEN-01") == []


def _weeks(minutes, extra=0):
    ps = daily(0, 28, minutes)
    ps[0] = period(ps[0].start, timedelta(minutes=minutes + extra))
    return ps


def test_edge_03_80_00_passes_80_01_fails_in_minutes():
    assert of(run(_weeks(800), day(0), day(27)), "WH-01") == []
    assert len(of(run(_weeks(800, 1), day(0), day(27)), "WH-01")) == 1


def test_edge_04_28_01_excused_when_logged_self_initiated_but_counted():
    ps = [
        period(at(0, 7), at(1, 7), "call_in_house"),
        period(at(1, 7), at(1, 11), activity="handoff"),
        period(at(1, 11), at(1, 12), activity="self_initiated"),
    ]
    r = run(ps)
    assert of(r, "LEN-02") == []
    [note] = of(r, "WH-03", Status.NOTE)
    assert note.severity == Severity.INFO and note.values["minutes"] == 60
    tl, _ = timeline_and_stats(ps, day(0), day(1))
    assert tl.counted_min.sum() == 29 * H  # still counts toward WH-01


def test_edge_05_clinical_task_in_hours_24_to_28_fails_even_if_total_under_28():
    ps = [period(at(0, 7), at(1, 7), "call_in_house"), period(at(1, 7), at(1, 9), activity="clinic")]
    r = run(ps)
    [f] = of(r, "LEN-02")
    assert f.values["starts_at_minute"] == 24 * H and "only hand-off and education" in f.message
    assert of(r, "LEN-01") == []


def test_edge_06_rest_clock_starts_at_actual_departure():
    ps = [
        period(at(0, 7), at(1, 7), "call_in_house"),
        period(at(1, 7), at(1, 11), activity="handoff"),
        period(at(1, 23), timedelta(hours=8)),  # 16 h after scheduled call end, 12 h after leaving
    ]
    [f] = of(run(ps), "RST-02")
    assert f.values["gap_minutes"] == 12 * H


def _home_call_day():
    return [
        period(at(0, 7), at(0, 17)),
        period(at(0, 17), at(1, 7), "call_home"),
        period(at(0, 17), at(1, 7), "call_home_active"),  # worked all night from home call
        period(at(1, 15), at(1, 20)),
    ]


def test_edge_07_home_call_turned_24h_work_takes_14h_only_under_conservative_flag():
    assert of(run(_home_call_day()), "RST-02") == []
    [f] = of(run(_home_call_day(), rest_after_home_call=True), "RST-02")
    assert f.values["gap_minutes"] == 8 * H


def test_edge_08_call_back_in_rest_gap_counts_but_does_not_reset_rst01():
    ps = [
        period(at(0, 7), at(0, 19)),
        period(at(0, 19), at(1, 7), "call_home"),
        period(at(1, 0), at(1, 2), "call_home_active"),
        period(at(1, 7), at(1, 19)),
    ]
    r = run(ps)
    assert of(r, "RST-01") == []  # 12 h between scheduled periods; the 5-h gap after the call-back is not a gap
    assert len(of(r, "HOME-03", Status.NOTE)) == 1
    tl, _ = timeline_and_stats(ps, day(0), day(1))
    assert tl.counted_min[tl.grid.index(day(1))] == 2 * H + 12 * H


def test_edge_09_split_day_warns_or_merges_by_policy():
    ps = [period(at(0, 8), at(0, 12), activity="clinic"), period(at(0, 17), at(1, 9), activity="ed")]
    r = run(ps)
    [w] = of(r, "RST-01")
    assert w.values["gap_minutes"] == 5 * H
    assert of(r, "LEN-01") == []  # 4 h and 16 h separately
    merged = run(ps, merge_gap_min=5 * H)
    assert of(merged, "RST-01") == []
    [f] = of(merged, "LEN-01")  # one 25-h period 08:00 -> 09:00
    assert f.values["minutes"] == 25 * H


def test_edge_10_post_call_day_is_not_a_day_off():
    ps = [
        period(at(0, 7), at(1, 7), "call_in_house", rotation="X"),
        period(at(1, 7), at(1, 11), activity="handoff", rotation="X"),
    ] + [period(at(d, 7), at(d, 17), rotation="X") for d in range(2, 7)]
    tl, st = timeline_and_stats(ps, day(0), day(6))
    assert window_rows(tl, st)[0][4] == 0  # 11:00 -> 07:00 is 20 h, not a day off
    [f] = of(run(ps, day(0), day(6)), "OFF-01")
    assert f.values["days_off"] == 0 and f.values["required"] == 1


def test_edge_11_home_call_on_would_be_day_off():
    ps = [period(at(d, 7), at(d, 17), rotation="X") for d in range(6)]
    ps.append(period(at(6, 7), at(7, 7), "call_home", rotation="X"))
    r = run(ps, day(0), day(6))
    [f] = of(r, "OFF-02")
    assert f.severity == Severity.VIOLATION and f.values["days_off"] == 0
    assert f.values["days_off_without_home_call"] == 1


def test_edge_12_moonlighting_on_day_off_and_forbidden_moonlighters():
    ps = [period(at(d, 7), at(d, 17), rotation="X", pgy=1) for d in range(6)]
    ps.append(period(at(6, 8), at(6, 12), "moonlight_external", rotation="X", pgy=1, flags=frozenset({"j1"})))
    r = run(ps, day(0), day(6))
    assert of(r, "OFF-01")[0].values["days_off"] == 0
    assert of(r, "ML-02")[0].values["days_off_without_moonlighting"] == 1
    assert len(of(r, "ML-03")) == 1 and of(r, "ML-04")[0].values["reason"] == "j1"


def test_edge_13_designated_leave_excluded_adjacent_weekend_is_normal():
    work = [period(at(d, 7), at(d, 17)) for d in range(28) if day(d).weekday() < 5 and not 7 <= d <= 11]
    leave = [period(at(7), at(12), "leave")]  # Mon-Fri of week 2 only
    tl, st = timeline_and_stats(work + leave, day(0), day(27))
    [(_, _, eff, minutes, days_off)] = window_rows(tl, st)
    assert eff == 23 and minutes == 15 * 600
    assert days_off == 8  # four weekends, each 2 days off, the ones beside the leave included
    tl2, st2 = timeline_and_stats(work + [period(at(5), at(14), "leave")], day(0), day(27))
    assert window_rows(tl2, st2)[0][2] == 19  # designate the weekends too -> they leave the denominator


def test_edge_14_short_rotation_cannot_borrow_from_light_neighbour():
    heavy = daily(0, 14, 15 * H, off_weekday=6, rotation="ICU")  # 12 x 15 h = 180 h / 2 weeks = 90 h/week
    light = daily(14, 14, 8 * H, off_weekday=6, rotation="CLINIC")
    ps = heavy + light
    [f] = of(run(ps, day(0), day(27)), "WH-01")
    assert (f.start, f.end, f.values["rotation"]) == (day(0), day(13), "ICU")
    # Rolling: the one 28-day window blends them (70 h/week) and passes.
    assert of(run(ps, day(0), day(27), mode="rolling"), "WH-01") == []


def test_edge_15_window_mostly_leave_is_insufficient_data_not_pass():
    ps = [period(at(0), at(24), "leave")] + [period(at(d, 7), at(d, 17)) for d in range(24, 28)]
    r = run(ps, day(0), day(27))
    [f] = of(r, "WH-01", Status.INSUFFICIENT_DATA)
    assert f.values["non_leave_days"] == 4 and f.severity == Severity.INFO


def test_edge_16_partial_leave_day_stays_in_with_its_hours():
    ps = [period(at(3, 7), at(3, 12), "leave"), period(at(3, 12), at(3, 17))]
    ps += [period(at(d, 7), at(d, 17)) for d in range(7) if d != 3]
    tl, st = timeline_and_stats(ps, day(0), day(6))
    assert not tl.leave_day[tl.grid.index(day(3))]
    assert window_rows(tl, st)[0][2:4] == (7, 6 * 600 + 300)


def test_edge_17_off_cycle_resident_windows_anchor_to_own_segment():
    ps = daily(0, 10, 600, rotation="A") + daily(10, 40, 600, rotation="B")
    tl, st = timeline_and_stats(ps, day(0), day(49))
    rows = window_rows(tl, st)
    assert [(a, b) for a, b, *_ in rows] == [(day(0), day(9)), (day(10), day(37)), (day(38), day(49))]


def test_edge_18_missing_away_data_is_insufficient_data():
    ps = daily(0, 14, 600, rotation="A") + daily(14, 14, 600, rotation="AWAY")
    cfg = {"missing_data": {"r1": ((day(14), day(27)),)}}
    r = run(ps, day(0), day(27), **cfg)
    [f] = of(r, "WH-01", Status.INSUFFICIENT_DATA)
    assert (f.start, f.end) == (day(14), day(27)) and "without data" in f.message


def test_edge_19_night_float_counts_for_hours_and_days_off_not_call():
    ps = [period(at(d, 18), at(d + 1, 7), "night_float", rotation="NF") for d in range(14)]
    r = run(ps, day(0), day(14))
    assert of(r, "CALL-01") == []
    assert of(r, "WH-01")[0].values["minutes"] == 14 * 13 * H
    assert of(r, "OFF-01")[0].values["days_off"] == 0


def test_edge_20_overlapping_assignments_counted_once():
    ps = [period(at(0, 7), at(0, 17)), period(at(0, 7), at(0, 17), "education")]
    r = run(ps)
    assert len(of(r, "DATA-01", Status.DATA_ERROR)) == 1
    tl, _ = timeline_and_stats(ps, day(0), day(0))
    assert tl.counted_min.sum() == 600


def test_edge_21_88h_exception_only_for_approved_rotation():
    packs = PackSet(overlays=(exception_88(["NSURG"], "RC-2025-17", date(2025, 7, 1), None),))
    nsurg = daily(0, 28, 14 * H, rotation="NSURG")  # 24 x 14 h = 336 h / 4 weeks = 84 h/week
    assert of(run(nsurg, day(0), day(27), packs=packs), "WH-02") == []
    med = daily(0, 28, 14 * H, rotation="MED")
    [f] = of(run(med, day(0), day(27), packs=packs), "WH-01")
    assert f.values["limit_hours"] == 80.0
    heavy = daily(0, 28, 15 * H, rotation="NSURG")  # 90 h/week
    [g] = of(run(heavy, day(0), day(27), packs=packs), "WH-02")
    assert g.values["limit_hours"] == 88.0 and "RC-2025-17" in g.message


def test_edge_22_holiday_is_a_normal_day_unless_designated():
    # 2025-07-04 (a Friday, day -3 from D0) with no work and no leave: a normal day, a day off if 24 h free.
    base = date(2025, 6, 30)
    ps = [period(local(base + timedelta(days=d), 7), timedelta(hours=10)) for d in range(7) if d != 4]
    tl, st = timeline_and_stats(ps, base, base + timedelta(days=6))
    assert window_rows(tl, st)[0][2] == 7 and window_rows(tl, st)[0][4] >= 1
    ps2 = [p for p in ps if p.start.date() != date(2025, 7, 3)]
    ps2.append(period(local(date(2025, 7, 3), 7), local(date(2025, 7, 4), 23)))  # works into the holiday
    ps2 = [p for p in ps2 if p.start.date() != date(2025, 7, 5)]
    ps2.append(period(local(date(2025, 7, 5), 14), timedelta(hours=8)))
    tl2, st2 = timeline_and_stats(ps2, base, base + timedelta(days=6))
    assert window_rows(tl2, st2)[0][4] == 0  # 23:00 -> 14:00 next day is 15 h, not a day off


def test_edge_23_conference_as_leave_or_as_education():
    work = [period(at(d, 7), at(d, 17)) for d in range(14) if d not in (2, 3)]
    as_leave = work + [period(at(2), at(4), "leave")]
    as_education = work + [period(at(d, 8), at(d, 16), "education") for d in (2, 3)]
    tl, st = timeline_and_stats(as_leave, day(0), day(13))
    assert window_rows(tl, st)[0][2:4] == (12, 12 * 600)
    tl, st = timeline_and_stats(as_education, day(0), day(13))
    assert window_rows(tl, st)[0][2:4] == (14, 12 * 600 + 2 * 480)


def test_edge_24_retroactive_edit_recomputes_only_affected_findings():
    other = daily(0, 28, 600, pid="r2")
    before = _weeks(800) + other
    after = _weeks(800, extra=30) + other
    d = check(before, after, EngineConfig(history_complete=True), day(0), day(27))
    assert [f.rule for f in d.created] == ["WH-01"] and not d.cleared and not d.changed
    # Incremental re-check equals a full evaluation.
    cfg = EngineConfig(history_complete=True)
    full_before = evaluate(before, cfg, day(0), day(27))
    plan = prepare(before, cfg, day(0), day(27))
    incremental = re_evaluate_person(full_before, plan, by_person(after)["r1"])
    assert [f.key for f in incremental.findings] == [f.key for f in evaluate(after, cfg, day(0), day(27)).findings]


def test_edge_25_rule_version_switch_mid_window():
    # PGY-1 17-h shift: a LEN-01 violation under 2011 (16 h) on 2017-06-30, fine under 2017 on 07-02.
    old = period(local(date(2017, 6, 30), 7), timedelta(hours=17), pgy=1)
    new = period(local(date(2017, 7, 2), 7), timedelta(hours=17), pgy=1)
    r = run([old, new])
    [f] = of(r, "LEN-01")
    assert f.start.date() == date(2017, 6, 30) and f.values["limit_minutes"] == 16 * H
    # A weekly cap that changes mid-window: each day is judged with its own cap (80 then 88).
    packs = PackSet(overlays=(exception_88(["A"], "EX", day(14), None),))
    ps = daily(0, 28, 14 * H)  # 84 h/week; allowed = (14 x 80 + 14 x 88) / 28 = 84 h/week
    assert of(run(ps, day(0), day(27), packs=packs), "WH-02") == []
    ps[0] = period(ps[0].start, timedelta(hours=14, minutes=1))
    [g] = of(run(ps, day(0), day(27), packs=packs), "WH-02")
    assert g.values["limit_hours"] == 84.0


def test_edge_26_pgy_promotion_mid_window_applies_by_date():
    info = PersonInfo("r1", pgy_levels=((date(2025, 7, 1), 1), (date(2025, 7, 21), 2)), moonlighting_approved=True)
    ps = [
        period(at(7, 18), at(7, 22), "moonlight_internal", pgy=None),  # 07-14: still PGY-1
        period(at(15, 18), at(15, 22), "moonlight_internal", pgy=None),  # 07-22: PGY-2
    ]
    [f] = of(run(ps, people={"r1": info}), "ML-03")
    assert f.start.date() == date(2025, 7, 14)


def test_incremental_person_evaluation_is_per_person():
    ps = _weeks(800, 1) + daily(0, 28, 600, pid="r2")
    plan = prepare(ps, EngineConfig(history_complete=True), day(0), day(27))
    r2 = evaluate_person(plan, by_person(ps)["r2"])
    assert all(f.person_id == "r2" for f in r2)
