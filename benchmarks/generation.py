"""Benchmark schedule generation on the sample programs.

    .venv/bin/python benchmarks/generation.py [small realistic large] [--workers 2] [--seed 0]
                                              [--time-limit-small 20 --time-limit-realistic 60 ...]

Prints, per program: seconds per layer, objective, best bound, gap, peak memory (resource, RSS),
unfilled cells, compliance violations, warnings; then one JSON line with everything.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from residency.sample.programs import build_program
from residency.scheduling.solve import generate

LIMITS = {"small": 20.0, "realistic": 60.0, "large": 300.0}


def peak_rss_mb() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ru / 1024 if sys.platform != "darwin" else ru / 1024 / 1024


def run(size: str, time_limit: float, seed: int, workers: int) -> dict:
    program = build_program(size, seed)
    t0 = time.monotonic()
    result = generate(program, time_limit=time_limit, seed=seed, workers=workers)
    total = time.monotonic() - t0
    s = result.schedule
    row = {
        "size": size,
        "status": result.status,
        "seconds": round(total, 2),
        "time_limit": time_limit,
        "workers": workers,
        "layers": {k: round(r.seconds, 2) for k, r in result.layers.items()},
        "layer_status": {k: r.status for k, r in result.layers.items()},
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "unfilled": None if s is None else s.unfilled(),
        "violations": result.violations,
        "people": len(program.people),
        "cells": None if s is None else int(s.grid.size),
        "calls": None if s is None else len(s.calls),
        "breakdown": result.breakdown,
        "warnings": result.warnings,
    }
    print(f"== {size}: {result.status} in {total:.1f} s (limit {time_limit:g} s, {workers} workers)")
    for k, r in result.layers.items():
        print(f"   {k:<10} {r.seconds:7.2f} s  {r.status:<9} objective {r.objective}  bound {r.bound}")
    print(f"   objective {result.objective}  best bound {result.best_bound}  gap {row['gap']}")
    print(f"   peak RSS {row['peak_rss_mb']} MB  unfilled {row['unfilled']}  violations {row['violations']}")
    for w in result.warnings:
        print(f"   warning: {w}")
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sizes", nargs="*", default=["small", "realistic", "large"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    for size, limit in LIMITS.items():
        ap.add_argument(f"--time-limit-{size}", type=float, default=limit)
    args = ap.parse_args(argv)
    rows = [run(size, getattr(args, f"time_limit_{size}"), args.seed, args.workers) for size in args.sizes]
    print(json.dumps({"benchmark": "generation", "runs": rows}, default=str))


if __name__ == "__main__":
    main()
