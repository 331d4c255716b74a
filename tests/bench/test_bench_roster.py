"""The Curtois model built from the roster catalogue units, graded by the independent evaluator."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from residency.bench.curtois import evaluate, load, read_roster_csv
from residency.bench.curtois_model import from_roster, to_roster, to_spec
from residency.cli_bench import register
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.solve import solve_roster
from residency.scheduling.roster.units import UNITS, measure


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "benchmarks" / "curtois"


@pytest.fixture(scope="module")
def inst1(folder):
    return load(folder / "Instance1.txt")


def test_bench_units_agree_with_the_evaluator(folder):
    """On random rosters the units' measure gives the evaluator's objective and hard verdict."""
    rng = np.random.default_rng(0)
    for name in ("Instance1", "Instance2", "Instance4"):
        inst = load(folder / f"{name}.txt")
        spec = to_spec(inst)
        for density in (0.3, 0.6, 0.9):
            grid = spec.empty()
            for p in range(spec.n_people):
                for d in range(spec.horizon):
                    if rng.random() < density:
                        grid[p, d] = rng.integers(spec.n_shifts)
            obj, hard, _ = measure(spec, grid)
            ev = evaluate(inst, to_roster(spec, grid))
            assert obj == ev.objective
            assert bool(hard) == bool(ev.hard_violations)
            assert np.array_equal(from_roster(spec, to_roster(spec, grid)), grid)


def test_bench_catalogue_units_named():
    ids = set(UNITS)
    assert {"R-ONE", "R-SUCC", "R-COUNT", "R-MINUTES", "R-MAXRUN", "R-MINRUN", "R-MINOFF", "R-WEEKEND",
            "R-DAYOFF", "R-ON", "R-OFF", "R-COVER"} <= ids  # fmt: skip
    assert all(not UNITS[u].hard for u in ("R-ON", "R-OFF", "R-COVER"))


@pytest.mark.parametrize("algorithm", ["cpsat", "hybrid", "lp"])
def test_bench_instance1_optimum(inst1, algorithm):
    spec = to_spec(inst1)
    result = solve_roster(spec, algorithm, RunContext(10.0, workers=2))
    ev = evaluate(inst1, to_roster(spec, result.roster))
    assert ev.feasible and ev.objective == result.objective == 607


def test_bench_greedy_complete_and_measured(folder):
    inst = load(folder / "Instance5.txt")
    spec = to_spec(inst)
    grid = greedy(spec)
    assert grid.shape == (spec.n_people, spec.horizon)
    obj, hard, _ = measure(spec, grid)
    ev = evaluate(inst, to_roster(spec, grid))
    assert obj == ev.objective and len(hard) == len(ev.hard_violations)


def test_bench_cli_curtois(folder, tmp_path):
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, as in residency.cli
        pass

    register(app)
    out = tmp_path / "roster.csv"
    res = CliRunner().invoke(app, ["benchmark", "curtois", "--instance", str(folder / "Instance2.txt"),
                                   "--time-limit", "10", "--solution-out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    row = json.loads(res.output.strip().splitlines()[0])
    assert list(row)[:7] == ["instance", "objective", "best_known", "gap_pct", "seconds", "status", "hard_violations"]
    assert row["instance"] == "Instance2" and row["best_known"] == 828 and row["hard_violations"] == 0
    ev = evaluate(load(folder / "Instance2.txt"), read_roster_csv(out.read_text()))
    assert ev.objective == row["objective"] and ev.feasible
    assert row["gap_pct"] == round(100 * (row["objective"] - 828) / 828, 2)


def test_bench_cli_rejects_bad_file(tmp_path):
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    bad = tmp_path / "bad.txt"
    bad.write_text("SECTION_HORIZON\nfourteen\n")
    res = CliRunner().invoke(app, ["benchmark", "curtois", "--instance", str(bad), "--time-limit", "1"])
    assert res.exit_code == 2
    assert "the horizon must be a whole number" in res.output


def test_bench_negative_bounds_are_reported_as_zero_when_no_weight_is_negative(folder):
    from dataclasses import replace

    from residency.scheduling.roster.solve import floor_bound

    spec = to_spec(load(folder / "Instance5.txt"))
    assert floor_bound(spec, -29385.0) == 0
    assert floor_bound(spec, 1141.0) == 1141.0 and floor_bound(spec, None) is None
    r = spec.on_requests[0]
    negative = replace(spec, on_requests=[replace(r, weight=-5), *spec.on_requests[1:]])
    assert floor_bound(negative, -3.0) == -3.0  # a negative weight: below 0 is possible
