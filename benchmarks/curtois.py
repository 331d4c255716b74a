"""Run the Curtois & Qu instances and save the graded rows as JSON (they survive the session).

    .venv/bin/python benchmarks/curtois.py [--dir /work/shared/benchmarks/curtois] [--time-limit 60]
        [--algorithm hybrid] [--only Instance1 Instance2 ...] [--out benchmarks/results/curtois_60s.json]

Each row is what ``residency benchmark curtois --instance`` prints: the objective is recomputed from
the written roster by ``residency.bench.curtois.evaluate``, which also checks every hard constraint.
The machine's load average is recorded before and after each instance.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from residency.bench.run import instance_files, run_instance
from residency.cli_bench import table


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", default="/work/shared/benchmarks/curtois")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--algorithm", default="hybrid")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=None)
    ap.add_argument("--solutions", default=None, help="folder for the roster CSVs")
    args = ap.parse_args(argv)
    out = Path(args.out or f"benchmarks/results/curtois_{args.algorithm}_{int(args.time_limit)}s.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    files = [f for f in instance_files(args.dir) if not args.only or f.stem in args.only]
    rows = []
    for f in files:
        load_before = os.getloadavg()[0]
        sol = None
        if args.solutions:
            Path(args.solutions).mkdir(parents=True, exist_ok=True)
            sol = Path(args.solutions) / f"{f.stem}.csv"
        row = run_instance(f, algorithm=args.algorithm, time_limit=args.time_limit, seed=args.seed,
                           workers=args.workers, solution_out=sol)  # fmt: skip
        row["load_before"], row["load_after"] = round(load_before, 2), round(os.getloadavg()[0], 2)
        row["cpus"] = os.cpu_count()
        rows.append(row)
        print(json.dumps(row), flush=True)
        gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
        summary = {
            "benchmark": "curtois",
            "algorithm": args.algorithm,
            "time_limit": args.time_limit,
            "workers": args.workers,
            "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
            "median_gap_pct": statistics.median(gaps) if gaps else None,
            "rows": rows,
        }
        out.write_text(json.dumps(summary, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
