"""Duty-period CSV parsing/writing and the validate-file command."""

from __future__ import annotations

import json

import pytest
import typer
from compliance_builders import at, daily, period
from typer.testing import CliRunner

from residency.cli_compliance import register
from residency.compliance.duty_csv import DutyCsvError, read_duty_csv, write_duty_csv
from residency.domain.duty import DutyKind, SupervisionLevel

HEADER = "person_id,person_name,pgy,rotation,start,end,kind,activity,flags\n"


def test_round_trip():
    ps = daily(0, 3, 600) + [
        period(at(0, 18), at(0, 22), "moonlight_external", flags=frozenset({"j1", "moonlighting_approved"})),
        period(at(1, 8), at(1, 12), supervision=SupervisionLevel.DIRECT, supervisor_id="f1", procedure="colpo",
               supervisor_privileged=True),
    ]  # fmt: skip
    back = read_duty_csv(write_duty_csv(ps))
    assert back == ps or [(p.start, p.end, p.kind, p.flags) for p in back] == [
        (p.start, p.end, p.kind, p.flags) for p in ps
    ]
    assert back[-1].supervision == SupervisionLevel.DIRECT and back[-1].supervisor_privileged is True


def test_parses_offsets_and_kinds():
    text = HEADER + "r1,Ann Lee,2,ICU,2025-11-01T07:00:00-04:00,2025-11-02T07:00:00-05:00,call_in_house,,\n"
    [p] = read_duty_csv(text)
    assert p.kind == DutyKind.CALL_IN_HOUSE and p.minutes == 25 * 60 and p.person_name == "Ann Lee"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("r1,A,2,X,2025-07-01T07:00:00,2025-07-01T17:00:00-04:00,work,,", "no UTC offset"),
        ("r1,A,2,X,2025-07-01T07:00:00-04:00,2025-07-01T17:00:00-04:00,shift,,", "kind 'shift'"),
        ("r1,A,two,X,2025-07-01T07:00:00-04:00,2025-07-01T17:00:00-04:00,work,,", "pgy 'two'"),
        ("r1,A,2,X,2025-07-01T07:00:00-04:00,2025-07-01T06:00:00-04:00,work,,", "ends"),
        ("r1,A,2,X,2025-07-01T07:00:00-04:00,2025-07-01T17:00:00-04:00,work,,vip", "unknown flag"),
        ("r1,A,2,X,yesterday,2025-07-01T17:00:00-04:00,work,,", "not an ISO-8601"),
        (",A,2,X,2025-07-01T07:00:00-04:00,2025-07-01T17:00:00-04:00,work,,", "person_id is empty"),
    ],
)
def test_bad_rows_name_their_line(row, message):
    good = "r1,A,2,X,2025-06-30T07:00:00-04:00,2025-06-30T17:00:00-04:00,work,,\n"
    with pytest.raises(DutyCsvError, match=message) as exc:
        read_duty_csv(HEADER + good + row + "\n")
    assert exc.value.line == 3 and str(exc.value).startswith("line 3:")


def test_bad_header():
    with pytest.raises(DutyCsvError, match="line 1: header lacks column"):
        read_duty_csv("person_id,start,end\n")


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command so typer keeps sub-command names
        pass

    return app


def test_cli_exit_codes_and_json(tmp_path):
    clean = tmp_path / "clean.csv"
    clean.write_text(write_duty_csv(daily(0, 28, 600)))
    runner = CliRunner()
    res = runner.invoke(_app(), ["validate-file", str(clean), "--history-complete", "--to", "2025-08-03"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.csv"
    bad.write_text(write_duty_csv(daily(0, 28, 15 * 60)))
    res = runner.invoke(
        _app(), ["validate-file", str(bad), "--format", "json", "--mode", "rolling", "--history-complete"]
    )
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["summary"]["by_rule"]["WH-01"]["violation"] >= 1
    f = doc["findings"][0]
    assert {"rule", "severity", "person_id", "start", "end", "values", "message"} <= f.keys()
    res = runner.invoke(_app(), ["validate-file", str(bad), "--history-complete"])
    assert res.exit_code == 1 and "WH-01" in res.stdout and "violation" in res.stdout


def test_cli_reports_bad_csv_line(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text(HEADER + "r1,A,2,X,nope,2025-07-01T17:00:00-04:00,work,,\n")
    res = CliRunner().invoke(_app(), ["validate-file", str(f)])
    assert res.exit_code == 2 and "line 2" in res.output
