"""Figures for the greedy heuristic on the sample programs, next to CP-SAT's first solution.

    python -m residency.scheduling.greedy.bench small realistic large [--cpsat] [--repeat 3]

For each size: wall time of ``run_greedy`` (Problem built, compliance check and score included),
compliance violations, unfilled half-days, the measured objective and its breakdown, uncovered nights,
clinic cells given up. With ``--cpsat``, the same for ``generate(algorithm="greedy")`` as it stood
before this package (each CP-SAT layer stopped at its first solution), measured the same way.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from residency.sample.programs import build_program
from residency.scheduling.cpsat import RunContext
from residency.scheduling.greedy.driver import run_greedy
from residency.scheduling.problem import Options, Problem


def measured(result: Any) -> dict[str, Any]:
    score = result.score or {}
    soft = {cid: s["penalty"] for cid, s in score.items() if not s["hard"] and s["penalty"]}
    hard = {cid: s["breaches"] for cid, s in score.items() if s["hard"] and s["breaches"]}
    return {
        "violations": result.violations,
        "unfilled": None if result.schedule is None else result.schedule.unfilled(),
        "soft_penalty": sum(soft.values()),
        "uncovered_nights": hard.get("CALL-COVER", 0),
        "hard_breaches": hard,
        "soft": soft,
    }


def greedy_figures(size: str, seed: int = 0, repeat: int = 1) -> dict[str, Any]:
    from residency.scheduling.solve import GenerationResult

    program = build_program(size, 0)
    times, cpu, result = [], [], None
    for _ in range(repeat):
        started, cpu0 = time.monotonic(), time.process_time()
        problem = Problem(program, Options(), None, None)
        result = GenerationResult("failed", seed=seed)
        layers = run_greedy(problem, RunContext(60.0, seed, 1), result, verify=True)
        times.append(time.monotonic() - started)
        cpu.append(time.process_time() - cpu0)
    assert result is not None
    return {
        "size": size,
        "seconds": [round(t, 2) for t in times],
        "median_s": round(statistics.median(times), 2),
        "cpu_s": round(statistics.median(cpu), 2),  # process time: what a loaded machine does not inflate
        "layers_s": {k: round(r.seconds, 2) for k, r in result.layers.items()},
        "objective": result.objective,
        # the CP-SAT layers' objective terms evaluated on the greedy solution: comparable with the
        # objective CP-SAT reports (cpsat_objective below)
        "model_objective": sum(
            r.objective or 0.0 for r in (layers.blocks, layers.residents, layers.faculty, layers.clinic)
        ),
        **measured(result),
    }


def cpsat_first_figures(size: str, seed: int = 0) -> dict[str, Any]:
    from residency.scheduling.solve import _attempt

    program = build_program(size, 0)
    started = time.monotonic()
    problem = Problem(program, Options(), None, None)
    result = _attempt(problem, RunContext(120.0, seed, 2, algorithm="greedy"), True)
    return {
        "size": size,
        "seconds": round(time.monotonic() - started, 2),
        "cpsat_objective": result.objective,
        **measured(result),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", default=["small", "realistic", "large"])
    ap.add_argument("--cpsat", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for size in args.sizes:
        print("greedy", greedy_figures(size, args.seed, args.repeat), flush=True)
        if args.cpsat:
            print("cpsat-first", cpsat_first_figures(size, args.seed), flush=True)


if __name__ == "__main__":
    main()
