"""Compare settings of the roster LNS from one fixed start, seed against seed.

A whole ``hybrid`` run of Curtois 12-19 moves 15-30 points between seeds, so one run per version
cannot rank two versions. The LNS alone (``search.search``, one core, no helper) from one saved
roster mostly repeats itself for a given seed: Instance15 from a 30 s roster, seeds 0-2, 25 s, run
twice, gave 4617/4906/4623 and 4619/4905/4611. It is not exact (sub-solves stop on time, so a run
can branch off: Instance19 seed 4 gave 4455 once and 4865 the next time), so use several seeds and
count the pairs. Each variant runs the same seeds from the same start, and the table pairs them.

    .venv/bin/python benchmarks/lns_ab.py --instance Instance19 [--start-seconds 30] [--seconds 25]
        [--seeds 0 1 2] [--variant NAME:roster.search.SUB_LIMIT=1.0,roster.search.DP_EVERY=6 ...]
        [--jobs 2] [--out FILE]

The start is a ``hybrid`` run of ``--start-seconds`` (seed 0, two workers), kept in ``--cache`` so
that later comparisons start from the same roster. A variant sets module constants under
``residency.scheduling`` in its own process; the variant ``base`` (no change) always runs. Two jobs
at once on two cores: each run is single-threaded. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

CURTOIS = "/work/shared/benchmarks/curtois"


def spec_of(folder: str, instance: str):
    from residency.bench.curtois import load
    from residency.bench.curtois_model import to_spec

    return to_spec(load(Path(folder) / f"{instance}.txt"))


def start_roster(folder: str, instance: str, seconds: float, cache: Path) -> np.ndarray:
    path = cache / f"{instance}_{int(seconds)}s.npy"
    if path.exists():
        return np.load(path)
    from residency.scheduling.cpsat import RunContext
    from residency.scheduling.roster.solve import solve_roster

    result = solve_roster(spec_of(folder, instance), "hybrid", RunContext(seconds, 0, 2))
    if result.roster is None:
        raise SystemExit(f"{instance}: no roster in {seconds} s to start from")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, result.roster)
    return result.roster


def apply(settings: dict[str, str]) -> None:
    for key, value in settings.items():
        module, name = key.rsplit(".", 1)
        mod = importlib.import_module(f"residency.scheduling.{module}")
        old = getattr(mod, name)  # an unknown name fails here, not silently
        setattr(mod, name, type(old)(float(value)) if isinstance(old, int | float) else type(old)(value))


def run_one(folder: str, instance: str, start: np.ndarray, settings: dict[str, str], seed: int, seconds: float) -> int:
    apply(settings)
    from residency.scheduling.roster import search
    from residency.scheduling.roster.solve import FULL_MAX_VARS
    from residency.scheduling.roster.units import measure

    spec = spec_of(folder, instance)
    big = spec.n_people * spec.horizon * spec.n_shifts > FULL_MAX_VARS
    full = None if big else search.FullModel(spec, start)
    out = search.search(spec, start, time.monotonic() + seconds, seed, 1, full)
    obj, hard, _ = measure(spec, out)
    if hard:
        raise RuntimeError(f"{instance} seed {seed}: the search returned a roster breaking {len(hard)} hard units")
    return obj


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, body = text.partition(":")
    settings = dict(item.split("=", 1) for item in body.split(",") if item)
    return name, settings


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instance", required=True)
    ap.add_argument("--dir", default=CURTOIS)
    ap.add_argument("--start-seconds", type=float, default=30.0)
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variant", action="append", default=[], help="NAME:module.CONST=value,...")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache", default="var/lns_ab")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    variants = [("base", {})] + [parse_variant(v) for v in args.variant]
    start = start_roster(args.dir, args.instance, args.start_seconds, Path(args.cache))
    from residency.scheduling.roster.units import measure

    start_obj = measure(spec_of(args.dir, args.instance), start)[0]
    jobs = [(name, settings, seed) for name, settings in variants for seed in args.seeds]
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_one, args.dir, args.instance, start, s, seed, args.seconds) for _, s, seed in jobs]
        results = [f.result() for f in futures]
    rows = {}
    for (name, settings, seed), obj in zip(jobs, results, strict=True):
        rows.setdefault(name, {"settings": settings, "objectives": {}})["objectives"][seed] = obj
    print(f"{args.instance}: start {start_obj}, {args.seconds:g} s per run, seeds {args.seeds}")
    print(f"{'variant':12s} " + " ".join(f"{'seed ' + str(s):>10s}" for s in args.seeds) + f" {'mean':>10s}")
    for name, row in rows.items():
        objs = [row["objectives"][s] for s in args.seeds]
        row["mean"] = statistics.mean(objs)
        print(f"{name:12s} " + " ".join(f"{o:10d}" for o in objs) + f" {row['mean']:10.1f}")
    summary = {"benchmark": "lns_ab", "instance": args.instance, "start_objective": start_obj,
               "seconds": args.seconds, "seeds": args.seeds, "variants": rows}  # fmt: skip
    line = json.dumps(summary)
    print(line)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(line + "\n")


if __name__ == "__main__":
    main()
