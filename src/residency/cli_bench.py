"""``residency benchmark curtois``: solve Curtois & Qu instances and grade them independently.

``residency.cli`` calls ``register(app)``.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import typer

from residency.bench.curtois import InstanceError

bench_app = typer.Typer(help="External benchmarks", no_args_is_help=True)


@bench_app.command("curtois")
def curtois(
    instance: Path | None = typer.Option(None, "--instance", help="One instance file (any path)"),
    all_dir: Path | None = typer.Option(None, "--all", help="Run every *.txt instance in this folder"),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds per instance"),
    algorithm: str = typer.Option("hybrid", "--algorithm", help="greedy | cpsat | hybrid | lp"),
    solution_out: Path | None = typer.Option(None, "--solution-out", help="Write the roster CSV here"),
    seed: int = typer.Option(0, "--seed"),
    workers: int = typer.Option(2, "--workers"),
    json_out: Path | None = typer.Option(None, "--json-out", help="Also write the rows as JSON here"),
) -> None:
    """Solve; print one JSON line per instance {instance, objective, best_known, gap_pct, seconds,
    status, hard_violations}. The objective is recomputed from the roster by the independent
    evaluator. With --all, a table and a JSON summary follow."""
    from residency.bench.run import instance_files, run_instance
    from residency.scheduling.roster.solve import ALGORITHMS

    if algorithm not in ALGORITHMS + ("cpsat-layered",):
        raise typer.BadParameter(f"choose one of {', '.join(ALGORITHMS)}", param_hint="--algorithm")
    if (instance is None) == (all_dir is None):
        raise typer.BadParameter("give exactly one of --instance PATH or --all DIR")
    files = [instance] if instance is not None else instance_files(all_dir)
    if not files:
        raise typer.BadParameter(f"no *.txt instance in {all_dir}", param_hint="--all")
    rows = []
    for path in files:
        out = solution_out
        if all_dir is not None and solution_out is not None:
            solution_out.mkdir(parents=True, exist_ok=True)
            out = solution_out / f"{path.stem}.csv"
        try:
            row = run_instance(path, algorithm=algorithm, time_limit=time_limit, seed=seed, workers=workers,
                               solution_out=out)  # fmt: skip
        except (InstanceError, OSError) as exc:
            typer.echo(f"error: {path}: {exc}", err=True)
            raise typer.Exit(2) from exc
        rows.append(row)
        keys = ("instance", "objective", "best_known", "gap_pct", "seconds", "status", "hard_violations")
        typer.echo(json.dumps({k: row.get(k) for k in keys} | {k: v for k, v in row.items() if k not in keys}))
        if json_out is not None:
            json_out.write_text(json.dumps(rows, indent=1))
    if all_dir is not None:
        typer.echo(table(rows))
        gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
        typer.echo(json.dumps({"benchmark": "curtois", "algorithm": algorithm, "time_limit": time_limit,
                               "median_gap_pct": statistics.median(gaps) if gaps else None, "rows": rows}))  # fmt: skip


def table(rows: list[dict]) -> str:
    head = f"{'instance':<12} {'objective':>9} {'best':>7} {'gap %':>7} {'bound':>9} {'seconds':>8} {'status':<10} hard"
    lines = [head, "-" * len(head)]
    for r in rows:
        bound = r.get("bound")
        lines.append(
            f"{r['instance']:<12} {r['objective'] if r['objective'] is not None else '-':>9} "
            f"{r['best_known'] if r['best_known'] is not None else '-':>7} "
            f"{r['gap_pct'] if r['gap_pct'] is not None else '-':>7} "
            f"{round(bound) if bound is not None else '-':>9} {r['seconds']:>8} {r['status']:<10} "
            f"{r['hard_violations'] if r['hard_violations'] is not None else '-'}"
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="benchmark")
