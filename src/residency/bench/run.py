"""Solve one Curtois instance file and grade the roster with the independent evaluator."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from residency.bench.curtois import evaluate, load, roster_csv
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster.solve import solve_roster


def best_known(path: Path) -> int | None:
    table = path.parent / "best_known.csv"
    if not table.exists():
        return None
    with table.open() as fh:
        for row in csv.DictReader(fh):
            if row.get("instance") == path.stem and row.get("best_known_objective"):
                return int(row["best_known_objective"])
    return None


def run_instance(
    path: str | Path,
    *,
    algorithm: str = "hybrid",
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    solution_out: str | Path | None = None,
) -> dict[str, Any]:
    """One JSON-able row: the objective is recomputed from the written roster by
    ``residency.bench.curtois.evaluate``, which also checks every hard constraint."""
    path = Path(path)
    t0 = time.monotonic()
    inst = load(path)
    spec = to_spec(inst)
    result = solve_roster(spec, algorithm, RunContext(time_limit, seed, workers))
    seconds = time.monotonic() - t0
    bk = best_known(path)
    row: dict[str, Any] = {
        "instance": inst.name,
        "objective": None,
        "best_known": bk,
        "gap_pct": None,
        "seconds": round(seconds, 2),
        "status": result.status,
        "hard_violations": None,
    }
    if result.roster is None:
        return row
    roster = to_roster(spec, result.roster)
    text = roster_csv(roster)
    if solution_out is not None:
        Path(solution_out).write_text(text)
    from residency.bench.curtois import read_roster_csv

    ev = evaluate(inst, read_roster_csv(text))  # graded from the CSV exactly as written
    row["objective"] = ev.objective
    row["hard_violations"] = len(ev.hard_violations)
    if bk:
        row["gap_pct"] = round(100.0 * (ev.objective - bk) / bk, 2)
    row["bound"] = result.bound
    row["first_solution_s"] = None if result.first_seconds is None else round(result.first_seconds, 2)
    row["algorithm"] = algorithm
    row["time_limit"] = time_limit
    if ev.hard_violations:
        row["hard_violation_examples"] = ev.hard_violations[:5]
        row["status"] = "infeasible"
    return row


def instance_files(folder: str | Path) -> list[Path]:
    def key(p: Path) -> tuple[int, str]:
        digits = "".join(ch for ch in p.stem if ch.isdigit())
        return (int(digits) if digits else 0, p.stem)

    return sorted((p for p in Path(folder).glob("*.txt")), key=key)
