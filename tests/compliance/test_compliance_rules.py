"""Each rule with a hand-computed pass and fail at its boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from compliance_builders import at, daily, day, of, period, rules_found, run

from residency.compliance.findings import Q3_BOUNDARY, Severity, Status
from residency.compliance.packs import Overlay, PackSet
from residency.domain.duty import SupervisionLevel

H = 60


def run28(ps, **kw):
    """Evaluate exactly 2025-07-07..08-03 (four weeks)."""
    return run(ps, day(0), day(27), **kw)


def _four_weeks(minutes_per_day: int, extra: int = 0):
    """Mon 2025-07-07 .. Sun 08-03: 24 work days (Sundays off), the first day ``extra`` minutes longer."""
    ps = daily(0, 28, minutes_per_day)
    first = ps[0]
    ps[0] = period(first.start, timedelta(minutes=minutes_per_day + extra))
    return ps


# WH-01 ------------------------------------------------------------------------------------------


def test_wh01_exactly_80_hours_passes():
    r = run28(_four_weeks(800))  # 24 x 800 min = 320 h over 28 days = 80.00 h/week
    assert of(r, "WH-01") == []
    assert not r.has_violations


def test_wh01_one_minute_over_fails_with_arithmetic():
    r = run28(_four_weeks(800, extra=1))
    [f] = of(r, "WH-01")
    assert f.values["minutes"] == 19201 and f.values["non_leave_days"] == 28
    assert f.values["limit_hours"] == 80.0
    assert "÷ (28 non-leave days ÷ 7)" in f.message and "80.0042" in f.message
    assert f.severity == Severity.VIOLATION and f.citation == "CPR VI.F.1"
    assert len(f.periods) == 24


def test_wh01_80_01_hours_fails():
    r = run28(_four_weeks(800, extra=3))  # 320.05 h -> 80.0125 h/week
    assert len(of(r, "WH-01")) == 1


def test_wh01_leave_days_leave_numerator_and_denominator():
    # Week 2 on leave: 21 non-leave days -> cap 240 h; 18 work days x 800 min = 240 h exactly.
    ps = [p for p in daily(0, 28, 800) if not 7 <= (p.start.date() - at(0).date()).days < 14]
    ps.append(period(at(7), at(14), "leave"))
    assert of(run28(ps), "WH-01") == []
    ps[0] = period(ps[0].start, timedelta(minutes=801))
    [f] = of(run28(ps), "WH-01")
    assert f.values["non_leave_days"] == 21 and f.values["minutes"] == 14401


# LEN-01 / LEN-02 ---------------------------------------------------------------------------------


def test_len01_24_hours_passes_24_01_fails():
    assert of(run([period(at(0, 7), timedelta(hours=24), "call_in_house")]), "LEN-01") == []
    [f] = of(run([period(at(0, 7), timedelta(hours=24, minutes=1), "call_in_house")]), "LEN-01")
    assert f.values["minutes"] == 24 * H + 1


def test_len02_24_plus_4_is_28_and_passes():
    ps = [
        period(at(0, 7), at(1, 7), "call_in_house"),
        period(at(1, 7), at(1, 11), activity="handoff"),
    ]
    r = run(ps)
    assert of(r, "LEN-02") == [] and of(r, "LEN-01") == []


def test_len02_28_01_fails():
    ps = [
        period(at(0, 7), at(1, 7), "call_in_house"),
        period(at(1, 7), at(1, 11, 1), activity="handoff"),
    ]
    [f] = of(run(ps), "LEN-02")
    assert f.values["minutes"] == 28 * H + 1 and f.values["limit_minutes"] == 28 * H
    assert "28:01" in f.message


# RST-01 / RST-02 ---------------------------------------------------------------------------------


def _call_then(next_start):
    return [
        period(at(0, 7), at(1, 7), "call_in_house"),
        period(at(1, 7), at(1, 11), activity="handoff"),
        period(next_start, timedelta(hours=8)),
    ]


def test_rst02_14_hours_after_call_passes():
    assert of(run(_call_then(at(2, 1))), "RST-02") == []  # left 11:00, back 01:00 = 14:00


def test_rst02_13_59_after_call_fails():
    [f] = of(run(_call_then(at(2, 0, 59))), "RST-02")
    assert f.values["gap_minutes"] == 14 * H - 1 and f.values["limit_minutes"] == 14 * H


def test_rst01_8_hours_passes_7_59_warns():
    ok = [period(at(0, 7), at(0, 19)), period(at(1, 3), at(1, 12))]
    assert of(run(ok), "RST-01") == []
    short = [period(at(0, 7), at(0, 19)), period(at(1, 2, 59), at(1, 12))]
    [f] = of(run(short), "RST-01")
    assert f.severity == Severity.WARNING and f.values["gap_minutes"] == 8 * H - 1
    assert not run(short).has_violations  # a "should": never exits 1 on its own


# CALL-01 ----------------------------------------------------------------------------------------


def _calls(days):
    return [period(at(d, 17), at(d, 23), "call_in_house") for d in days] + [period(at(27, 17), at(27, 18))]


def test_call01_9_in_28_days_passes():
    assert of(run(_calls(range(0, 27, 3))), "CALL-01") == []


def test_call01_10_in_28_days_fails():
    [f] = of(run(_calls([0, 1, 2, 3, 6, 9, 12, 15, 18, 21])), "CALL-01")
    assert f.values == {"calls": 10, "non_leave_days": 28, "allowed": 9, "days": 28}
    assert Q3_BOUNDARY not in f.tags


def test_call01_literal_q3_is_flagged_q3_boundary_and_fails_by_default():
    [f] = of(run(_calls(range(0, 28, 3))), "CALL-01")  # days 0,3,...,27: 10 calls
    assert Q3_BOUNDARY in f.tags and f.severity == Severity.VIOLATION
    [g] = of(run(_calls(range(0, 28, 3)), q3_boundary="warn"), "CALL-01")
    assert g.severity == Severity.WARNING


# OFF-01 / OFF-02 --------------------------------------------------------------------------------


def _every_day_except(days_off, n=28):
    return [period(at(d, 7), at(d, 17)) for d in range(n) if d not in days_off]


def test_off01_four_days_off_in_28_passes_three_fail():
    assert of(run28(_every_day_except({6, 13, 20, 27})), "OFF-01") == []
    [f] = of(run28(_every_day_except({6, 13, 20})), "OFF-01")
    assert f.values["days_off"] == 3 and f.values["required"] == 4


def test_off01_rounding_ten_day_rotation_needs_two_strict_one_floor():
    ps = _every_day_except({4}, n=10)
    [f] = of(run(ps), "OFF-01")
    assert f.values["required"] == 2
    assert of(run(ps, day_off_rounding="floor"), "OFF-01") == []
    assert of(run(_every_day_except({3, 7}, n=10)), "OFF-01") == []


def test_off01_48_hours_free_is_two_days_off():
    ps = _every_day_except({5, 6, 12, 13}, n=14)  # two weekends of 62 h free -> 2 days off each
    r = run(ps)
    assert of(r, "OFF-01") == []


def test_off02_home_call_on_the_only_free_day():
    ps = _every_day_except({6, 13, 20, 27})
    ps.append(period(at(20, 8), at(20, 20), "call_home"))
    r = run28(ps)
    [f] = of(r, "OFF-02")
    assert f.severity == Severity.VIOLATION and f.values["days_off_without_home_call"] == 4
    assert len(of(r, "OFF-01")) == 1


# ML-02 / ML-03 / ML-04 -------------------------------------------------------------------------


def test_ml02_moonlighting_pushes_average_over_80():
    ps = _four_weeks(800)
    ps.append(period(at(6, 8), at(6, 12), "moonlight_external", flags=frozenset({"moonlighting_approved"})))
    r = run28(ps)
    assert len(of(r, "WH-01")) == 1
    [f] = of(r, "ML-02")
    assert f.values["moonlighting_minutes"] == 240


def test_ml03_pgy1_may_not_moonlight():
    approved = frozenset({"moonlighting_approved"})
    assert of(run([period(at(0, 18), at(0, 23), "moonlight_internal", pgy=2, flags=approved)]), "ML-03") == []
    [f] = of(run([period(at(0, 18), at(0, 23), "moonlight_internal", pgy=1, flags=approved)]), "ML-03")
    assert f.severity == Severity.VIOLATION


def test_ml04_approval_required_and_never_j1():
    p = period(at(0, 18), at(0, 23), "moonlight_external")
    assert of(run([p]), "ML-04")[0].values["reason"] == "not_approved"
    j1 = period(at(0, 18), at(0, 23), "moonlight_external", flags=frozenset({"j1", "moonlighting_approved"}))
    assert of(run([j1]), "ML-04")[0].values["reason"] == "j1"
    ok = period(at(0, 18), at(0, 23), "moonlight_external", flags=frozenset({"moonlighting_approved"}))
    assert of(run([ok]), "ML-04") == []


# NF-01 ------------------------------------------------------------------------------------------


def _nights(n):
    return [period(at(d, 19), at(d + 1, 7), "night_float") for d in range(n)]


def test_nf01_2011_caps_six_consecutive_nights():
    assert of(run(_nights(6), packs=PackSet(force="acgme-2011")), "NF-01") == []
    [f] = of(run(_nights(7), packs=PackSet(force="acgme-2011")), "NF-01")
    assert f.values == {"consecutive_nights": 7, "cap": 6}


def test_nf01_current_rules_have_no_cap_unless_configured():
    assert of(run(_nights(7)), "NF-01") == []
    cap5 = Overlay("rc-cap", "restriction", (("nf_max_consecutive_nights", 5),))
    assert len(of(run(_nights(7), packs=PackSet(overlays=(cap5,))), "NF-01")) == 1


def test_nf01_night_float_is_not_in_house_call():
    r = run(_nights(12))
    assert of(r, "CALL-01") == []


# HOME-01 / HOME-03 ------------------------------------------------------------------------------


def test_home01_active_work_outside_home_call_is_flagged():
    [f] = of(run([period(at(0, 20), at(0, 21), "call_home_active")]), "HOME-01")
    assert f.severity == Severity.WARNING
    inside = [period(at(0, 17), at(1, 7), "call_home"), period(at(0, 20), at(0, 21), "call_home_active")]
    assert of(run(inside), "HOME-01") == []


def test_home03_call_back_counts_but_does_not_reset_rest():
    ps = [
        period(at(0, 7), at(0, 17)),
        period(at(0, 17), at(1, 7), "call_home"),
        period(at(0, 23), at(1, 2), "call_home_active"),
        period(at(1, 7), at(1, 17)),
    ]
    r = run(ps)
    assert of(r, "RST-01") == []  # the scheduled gap 17:00 -> 07:00 is 14 h
    [note] = of(r, "HOME-03", Status.NOTE)
    assert note.values["minutes"] == 180


# SUP --------------------------------------------------------------------------------------------


def test_sup02_missing_level_when_supervision_data_exists():
    ps = [
        period(at(0, 7), at(0, 17), supervision=SupervisionLevel.INDIRECT),
        period(at(1, 7), at(1, 17)),
    ]
    assert len(of(run(ps), "SUP-02")) == 1
    assert of(run([period(at(1, 7), at(1, 17))]), "SUP-02") == []  # no supervision data at all: no SUP rules


def test_sup03_pgy1_direct_until_progression():
    p = period(at(0, 7), at(0, 17), pgy=1, supervision=SupervisionLevel.INDIRECT)
    assert len(of(run([p]), "SUP-03")) == 1
    direct = period(at(0, 7), at(0, 17), pgy=1, supervision=SupervisionLevel.DIRECT)
    assert of(run([direct]), "SUP-03") == []
    tele = period(at(0, 7), at(0, 17), pgy=1, supervision=SupervisionLevel.DIRECT_TELECOM)
    assert len(of(run([tele]), "SUP-03")) == 1
    assert of(run([tele], telecom_direct_allowed=True), "SUP-03") == []
    assert of(run([p], pgy1_indirect_from={"r1": at(0).date()}), "SUP-03") == []


def test_sup05_four_residents_per_teaching_physician():
    def clinic(n):
        return [
            period(at(0, 8), at(0, 12), pid=f"r{i}", supervision=SupervisionLevel.INDIRECT, supervisor_id="f1")
            for i in range(n)
        ]

    assert of(run(clinic(4), max_residents_per_supervisor=4), "SUP-05") == []
    [f] = of(run(clinic(5), max_residents_per_supervisor=4), "SUP-05")
    assert f.person_id == "f1" and f.values == {"residents": 5, "cap": 4}
    assert of(run(clinic(5)), "SUP-05") == []  # off unless enabled


def test_sup06_supervisor_without_privilege():
    bad = period(at(0, 8), at(0, 12), supervision=SupervisionLevel.DIRECT, supervisor_id="f1",
                 supervisor_privileged=False, procedure="colposcopy")  # fmt: skip
    good = period(at(1, 8), at(1, 12), supervision=SupervisionLevel.DIRECT, supervisor_id="f1",
                  supervisor_privileged=True, procedure="colposcopy")  # fmt: skip
    [f] = of(run([bad, good]), "SUP-06")
    assert f.values == {"procedure": "colposcopy"}


# DATA-01 ----------------------------------------------------------------------------------------


def test_data01_overlap_is_a_data_error_and_counted_once():
    ps = [period(at(0, 7), at(0, 17)), period(at(0, 15), at(0, 19), "moonlight_external")]
    r = run(ps)
    [f] = of(r, "DATA-01", Status.DATA_ERROR)
    assert f.values["overlap_minutes"] == 120


@pytest.mark.parametrize("mode", ["acgme", "rolling"])
def test_clean_schedule_has_no_violations(mode):
    assert rules_found(run28(_four_weeks(600), mode=mode)) == set()


def test_calendar_month_mode_averages_by_month():
    # July 7..31 is 25 days with three Sundays off: 3 x 7 = 21 < 25 fails by month, though 1-in-7 by week.
    r = run28(_four_weeks(600), mode="calendar_month")
    [f] = of(r, "OFF-01")
    assert (str(f.start), str(f.end), f.values["non_leave_days"]) == ("2025-07-07", "2025-07-31", 25)
