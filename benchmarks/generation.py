"""Benchmark schedule generation on the sample programs: every algorithm, one table.

    .venv/bin/python benchmarks/generation.py [small realistic large] [--algorithms hybrid greedy cpsat lp]
        [--limits 60 300] [--workers 2] [--seed 0] [--out benchmarks/results/generation.json]

Per program and algorithm: seconds to the first complete zero-violation schedule, the objective
reached with each time limit (one run per limit), the best bound, unfilled cells, compliance
violations, peak memory; then the table and one JSON line with everything (also written to --out).
The machine's load average is recorded with each run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from residency.sample.programs import build_program
from residency.scheduling.solve import ALGORITHMS, generate


def peak_rss_mb() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ru / 1024 if sys.platform != "darwin" else ru / 1024 / 1024


def run(size: str, algorithm: str, time_limit: float, seed: int, workers: int) -> dict:
    program = build_program(size, seed)
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    result = generate(program, algorithm=algorithm, time_limit=time_limit, seed=seed, workers=workers)
    total = time.monotonic() - t0
    s = result.schedule
    return {
        "size": size,
        "algorithm": algorithm,
        "time_limit": time_limit,
        "status": result.status,
        "seconds": round(total, 2),
        "first_complete_s": None if result.first_complete_s is None else round(result.first_complete_s, 2),
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 4),
        "unfilled": None if s is None else s.unfilled(),
        "violations": result.violations,
        # one yardstick for every algorithm: the catalogue's measure() of the final schedule
        "penalty": None if not result.score else round(sum(v["penalty"] for v in result.score.values()), 1),
        "hard_breaches": None if not result.score else sum(v["breaches"] for v in result.score.values() if v["hard"]),
        "layers": {k: round(r.seconds, 2) for k, r in result.layers.items()},
        "layer_objectives": {k: r.objective for k, r in result.layers.items()},
        "warnings": len(result.warnings),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "people": len(program.people),
        "workers": workers,
    }


def table(rows: list[dict], limits: list[float]) -> str:
    """obj: the solver's objective (sum of the layer models'; greedy: measured); pen: the catalogue's
    measure() of the final schedule, the same yardstick for every algorithm."""

    def cell(r: dict | None, key: str) -> str:
        return "-" if r is None or r.get(key) is None else format(r[key], "g")

    head = (
        f"{'program':<10} {'algorithm':<9} {'first ok s':>10} "
        + " ".join(f"{'obj@' + format(t, 'g') + 's':>10} {'pen@' + format(t, 'g') + 's':>9}" for t in limits)
        + f" {'best bound':>10} {'viol':>5} {'hard':>5} {'unfilled':>8}"
    )
    lines = [head, "-" * len(head)]
    keyed: dict[tuple[str, str], dict[float, dict]] = {}
    for r in rows:
        keyed.setdefault((r["size"], r["algorithm"]), {})[r["time_limit"]] = r
    for (size, alg), by_limit in keyed.items():
        firsts = [r["first_complete_s"] for r in by_limit.values() if r["first_complete_s"] is not None]
        bounds = [r["best_bound"] for r in by_limit.values() if r["best_bound"] is not None]
        vals = " ".join(
            f"{cell(by_limit.get(t), 'objective'):>10} {cell(by_limit.get(t), 'penalty'):>9}" for t in limits
        )
        last = by_limit[max(by_limit)]
        lines.append(
            f"{size:<10} {alg:<9} {min(firsts) if firsts else '-':>10} {vals} "
            f"{max(bounds) if bounds else '-':>10} {cell(last, 'violations'):>5} {cell(last, 'hard_breaches'):>5} "
            f"{cell(last, 'unfilled'):>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sizes", nargs="*", default=["small", "realistic", "large"])
    ap.add_argument("--algorithms", nargs="*", default=[a for a in ALGORITHMS if a != "cpsat-layered"])
    ap.add_argument("--limits", nargs="*", type=float, default=[60.0, 300.0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/generation.json")
    args = ap.parse_args(argv)
    rows = []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        for alg in args.algorithms:
            for limit in args.limits:
                row = run(size, alg, limit, args.seed, args.workers)
                rows.append(row)
                print(json.dumps(row), flush=True)
                out.write_text(json.dumps({"benchmark": "generation", "runs": rows}, indent=1, default=str))
    print(table(rows, args.limits))
    print(json.dumps({"benchmark": "generation", "runs": rows}, default=str))


if __name__ == "__main__":
    main()
