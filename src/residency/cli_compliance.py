"""The ``validate-file`` command: check a duty-period CSV against the ACGME rules.

``residency.cli`` calls ``register(app)``; this module only reads the file and prints.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from residency.compliance.config import EngineConfig
from residency.compliance.duty_csv import DutyCsvError, read_duty_csv
from residency.compliance.engine import evaluate
from residency.compliance.packs import BASE_PACKS, PackSet
from residency.compliance.render import render_report
from residency.compliance.windows import Mode


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def validate_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Duty-period CSV"),
    mode: Mode = typer.Option(Mode.ACGME, "--mode", help="Averaging: acgme (by rotation), rolling, calendar_month"),
    fmt: str = typer.Option("table", "--format", help="table or json"),
    date_from: str | None = typer.Option(None, "--from", help="First day to report (default: first day in file)"),
    date_to: str | None = typer.Option(None, "--to", help="Last day to report (default: last day in file)"),
    tz: str = typer.Option("America/New_York", "--tz", help="Program time zone (local days, DST)"),
    pack: str | None = typer.Option(None, "--pack", help="Pin one rule pack: acgme-2017 or acgme-2011"),
    history_complete: bool = typer.Option(
        False, "--history-complete", help="Nothing precedes the file (e.g. interns' first day): no INSUFFICIENT_HISTORY"
    ),
) -> None:
    """Validate FILE.csv; exit 1 when any violation is found, 2 on unreadable input."""
    if fmt not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    if pack is not None and pack not in BASE_PACKS:
        raise typer.BadParameter(f"use one of {', '.join(BASE_PACKS)}", param_hint="--pack")
    try:
        periods = read_duty_csv(file.read_text(encoding="utf-8"))
    except DutyCsvError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from None
    config = EngineConfig(mode=mode, timezone=tz, packs=PackSet(force=pack), history_complete=history_complete)
    try:
        report = evaluate(periods, config, _date(date_from, "--from"), _date(date_to, "--to"))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        typer.echo(render_report(report))
    raise typer.Exit(1 if report.has_violations else 0)


def register(app: typer.Typer) -> None:
    app.command("validate-file")(validate_file)
