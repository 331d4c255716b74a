"""Benchmark the resilience analyses on the ``large`` sample program (54 residents, 30 faculty).

Builds a complete, plausible year by hand (no solver: residents on rotations block by block, call
every night, faculty staff call, one faculty inpatient week at a time, precepting exactly as the
supervision ratio requires), then times:
- N-1 over every person and N-2 over every pair of faculty, for the whole year (365 days);
- a full health check (28-day horizon, 90-day forecast, compliance engine included, N-1 and N-2 over
  the horizon, six fallback scenarios).
Matching caches are cleared before each timed run. Prints the figures, then one JSON line.

    .venv/bin/python benchmarks/resilience.py [--size large] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date

from residency.resilience.contingency import analyze_contingency
from residency.resilience.demand import build_demand, match_groups
from residency.resilience.health import HealthOptions, run_health_check
from residency.sample import build_program
from residency.sample.handmade import realistic_schedule

AS_OF = date(2025, 11, 3)


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        match_groups.cache_clear()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=("small", "realistic", "large"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    program = build_program(args.size, 0)
    schedule = realistic_schedule(program)
    build_s = time.perf_counter() - t
    demand_s, demand = _timed(lambda: build_demand(program, schedule), args.repeat)
    n1_s, n1 = _timed(lambda: analyze_contingency(program, schedule, n2=False), args.repeat)
    n2_s, n2 = _timed(lambda: analyze_contingency(program, schedule, people=[], n2=True), args.repeat)
    health_s, report = _timed(lambda: run_health_check(program, schedule, as_of=AS_OF), args.repeat)
    fast_s, _ = _timed(
        lambda: run_health_check(program, schedule, as_of=AS_OF, findings=[], options=HealthOptions(scenarios=False)),
        args.repeat,
    )
    people = len(schedule.people)
    faculty = int(demand.faculty.sum())
    print(f"program: {program.name}: {people} people ({faculty} faculty), {schedule.days} days")
    print(f"schedule build (not timed below): {build_s:.2f} s; demand model: {demand_s * 1000:.1f} ms")
    print(
        f"N-1 over {len(n1.n1)} people x {n1.units} units (whole year): {n1_s:.3f} s; "
        f"fatal: {', '.join(n1.fatal_people) or 'none'}; baseline failures: {len(n1.baseline_failures)}"
    )
    print(
        f"N-2 over {n2.pairs_total} faculty pairs (whole year): {n2_s:.3f} s; pruned {n2.pairs_pruned}, "
        f"{n2.pairs_checked} unit checks, {len(n2.n2)} pairs break something neither breaks alone"
    )
    print(f"full health check (28-day horizon, compliance engine, N-1 + N-2, 6 scenarios): {health_s:.3f} s")
    print(f"health check without compliance engine and scenarios: {fast_s:.3f} s")
    print("health check stages (last run):", ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in report.timings.items()))
    util = report.utilization
    print(f"defense level: {report.level.label}; utilization {util.rho:.0%} ({util.level.label})")
    print(f"cores available: {os.cpu_count()} (single-threaded run)")
    print(
        json.dumps(
            {
                "benchmark": "resilience",
                "size": args.size,
                "people": people,
                "faculty": faculty,
                "days": schedule.days,
                "repeat": args.repeat,
                "demand_s": round(demand_s, 4),
                "n1_year_s": round(n1_s, 4),
                "n2_year_s": round(n2_s, 4),
                "n2_pairs": n2.pairs_total,
                "n2_pruned": n2.pairs_pruned,
                "health_check_s": round(health_s, 4),
                "health_check_no_compliance_s": round(fast_s, 4),
                "fatal_people": list(n1.fatal_people),
                "defense_level": report.level.label,
            }
        )
    )


if __name__ == "__main__":
    main()
