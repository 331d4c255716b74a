"""Rule packs: effective dates, overlays, stricter wins; findings JSON and diff."""

from __future__ import annotations

from datetime import date, timedelta

from compliance_builders import at, of, period, run

from residency.compliance.findings import Finding, Report, Severity, diff_findings
from residency.compliance.packs import (
    ACGME_2011,
    ACGME_CURRENT,
    NY_PART_405,
    Limits,
    Overlay,
    PackSet,
    exception_88,
    stricter,
)
from residency.compliance.rules import RULES


def test_base_pack_by_date():
    ps = PackSet()
    assert ps.base_on(date(2016, 1, 1)) is ACGME_2011
    assert ps.base_on(date(2025, 1, 1)) is ACGME_CURRENT
    assert PackSet(force="acgme-2011").base_on(date(2025, 1, 1)) is ACGME_2011


def test_stricter_wins_field_by_field():
    a = Limits(rest_should_min=600, transition_min=240)
    b = Limits(rest_should_min=480, transition_min=180)
    s = stricter(a, b)
    assert (s.rest_should_min, s.transition_min) == (600, 180)


def test_ny_overlay_shortens_transition_to_3h():
    ps = [period(at(0, 7), at(1, 7), "call_in_house"), period(at(1, 7), at(1, 10, 30), activity="handoff")]
    assert of(run(ps), "LEN-02") == []
    [f] = of(run(ps, packs=PackSet(overlays=(NY_PART_405,))), "LEN-02")
    assert f.values["limit_minutes"] == 27 * 60


def test_restriction_overlay_beats_exception():
    ex = exception_88(["NSURG"], "EX1", date(2020, 1, 1), None)
    ps = PackSet(overlays=(ex, NY_PART_405))
    assert ps.limits_on(date(2025, 7, 7), "NSURG").weekly_cap_min == 80 * 60
    assert PackSet(overlays=(ex,)).limits_on(date(2025, 7, 7), "NSURG").weekly_cap_min == 88 * 60
    assert PackSet(overlays=(ex,)).limits_on(date(2019, 7, 7), "NSURG").weekly_cap_min == 80 * 60


def test_overlay_not_naming_cap_keeps_exception():
    ex = exception_88(["NSURG"], "EX1", date(2020, 1, 1), None)
    nf = Overlay("rc", "restriction", (("nf_max_consecutive_nights", 6),))
    lim = PackSet(overlays=(ex, nf)).limits_on(date(2025, 7, 7), "NSURG")
    assert lim.weekly_cap_min == 88 * 60 and lim.exception_id == "EX1"


def test_every_rule_is_a_named_unit_with_citation():
    for rid in [
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
    ]:
        r = RULES[rid]
        assert r.id == rid and r.title and r.citation and r.scope in ("window", "period", "program")


def test_2011_pack_pgy1_16_hours_and_rest_must():
    ps = [period(at(0, 7), timedelta(hours=16, minutes=1), pgy=1)]
    r = run(ps, packs=PackSet(force="acgme-2011"))
    assert of(r, "LEN-01")[0].values["limit_minutes"] == 16 * 60
    short = [period(at(0, 7), at(0, 19)), period(at(1, 2), at(1, 12))]  # 7 h gap: must be >= 8 h in 2011
    [f] = of(run(short, packs=PackSet(force="acgme-2011")), "RST-01")
    assert f.severity == Severity.VIOLATION


def _f(rule, start, values=None):
    return Finding(rule, Severity.VIOLATION, "r1", start, start, "m", values=values or {})


def test_diff_by_stable_key():
    a, b, c = _f("WH-01", date(2025, 7, 1)), _f("OFF-01", date(2025, 7, 1)), _f("WH-01", date(2025, 8, 1))
    b2 = _f("OFF-01", date(2025, 7, 1), {"days_off": 2})
    d = diff_findings([a, b], [b2, c])
    assert d.created == (c,) and d.cleared == (a,) and d.changed == ((b, b2),)


def test_report_json_shape():
    rep = Report({"r1": (_f("WH-01", date(2025, 7, 1)),)}, "acgme", date(2025, 7, 1), date(2025, 7, 28))
    doc = rep.to_dict()
    assert doc["summary"]["by_rule"] == {"WH-01": {"violation": 1}}
    assert doc["findings"][0]["start"] == "2025-07-01" and rep.has_violations
