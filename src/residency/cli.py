"""The ``residency`` command."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from residency.cli_bench import register as register_bench
from residency.cli_compliance import register as register_compliance
from residency.cli_io import register as register_io
from residency.cli_repair import register as register_repair
from residency.config import get_settings

app = typer.Typer(
    help="Residency Scheduler: schedules and ACGME compliance for residency programs.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console()


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show informational logs")] = False) -> None:
    from residency import logs

    logs.configure("INFO" if verbose else "WARNING")  # the server logs at LOG_LEVEL


def _url(database_url: str | None) -> str:
    return database_url or get_settings().database_url


DbOption = Annotated[str | None, typer.Option("--database-url", help="Overrides DATABASE_URL")]


@db_app.command("upgrade")
def db_upgrade(revision: str = "head", database_url: DbOption = None) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from residency.store import migrate

    migrate.upgrade(_url(database_url), revision)
    console.print(f"database at revision {migrate.current_revision(_url(database_url))}")


@db_app.command("downgrade")
def db_downgrade(revision: str = "-1", database_url: DbOption = None) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from residency.store import migrate

    migrate.downgrade(_url(database_url), revision)
    console.print(f"database at revision {migrate.current_revision(_url(database_url))}")


@db_app.command("current")
def db_current(database_url: DbOption = None) -> None:
    """Print the applied revision."""
    from residency.store import migrate

    console.print(migrate.current_revision(_url(database_url)) or "empty")


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="Login name")],
    password: Annotated[str | None, typer.Option(help="Password (prefer --password-stdin)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    email: Annotated[str | None, typer.Option()] = None,
    database_url: DbOption = None,
) -> None:
    """Create an administrator (the only way to get the first account)."""
    from residency.api.errors import ApiError
    from residency.api.routers.users import create_user
    from residency.auth.passwords import MIN_PASSWORD_LENGTH
    from residency.store.db import session_scope

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        console.print(f"[red]a password of at least {MIN_PASSWORD_LENGTH} characters is required[/red]")
        raise typer.Exit(2)
    try:
        with session_scope(_url(database_url)) as db:
            user = create_user(db, actor_id=None, username=username, password=password, role="admin", email=email)
            user_id = user.id
    except ApiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"administrator {username} created (id {user_id})")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Start the API (OpenAPI at /docs)."""
    import uvicorn

    from residency.services import bootstrap_admin

    settings = get_settings()
    settings.check_production()
    if bootstrap_admin(settings):
        console.print("created the initial administrator from INITIAL_ADMIN_USERNAME")
    uvicorn.run("residency.api.app:create_app", factory=True, host=host, port=port, reload=reload)


@app.command()
def demo(
    size: Annotated[str, typer.Option(help="small | realistic | large")] = "realistic",
    seed: Annotated[int, typer.Option(help="Generator seed")] = 0,
    time_limit: Annotated[float, typer.Option(help="Solver seconds")] = 60.0,
    out: Annotated[str, typer.Option(help="Folder for the exports")] = "var/out",
    database_url: DbOption = None,
) -> None:
    """The main job end to end: set up the database, load a sample program, generate the year,
    validate it, publish it, export it and check its resilience; prints a summary."""
    import time
    from pathlib import Path

    from sqlalchemy import select

    from residency.cli_io import export_formats
    from residency.compliance.duty_csv import write_duty_csv
    from residency.domain.duty_periods import derive
    from residency.health_service import run_check
    from residency.sample import build_program
    from residency.services import store_program, summarise
    from residency.store import migrate
    from residency.store.db import session_scope
    from residency.store.models import Program
    from residency.views import compliance_report, current

    url = _url(database_url)
    if size not in ("small", "realistic", "large"):
        console.print("[red]--size must be small, realistic or large[/red]")
        raise typer.Exit(2)
    started = time.monotonic()
    migrate.upgrade(url)
    slug = f"demo-{size}-{seed}"
    with session_scope(url) as db:
        row = db.scalars(select(Program).where(Program.slug == slug)).first()
        fresh = row is None
        if fresh:
            row = store_program(db, build_program(size, seed), slug)
        program_id = row.id
    console.print(f"{'loaded' if fresh else 'reusing'} sample program [bold]{slug}[/bold]")
    counts = run_generation(
        url, program_id, algorithm="hybrid", time_limit=time_limit, seed=seed, workers=2, publish=True
    )
    with session_scope(url) as db:
        summary = summarise(db, program_id)
        cur = current(db, program_id)
        report = compliance_report(cur)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    periods = derive(cur.program, cur.schedule).periods
    (folder / "duty-periods.csv").write_text(write_duty_csv(periods))
    export_formats(url, program_id, "xlsx", folder / "schedule.xlsx")
    settings = get_settings().model_copy(update={"database_url": url})
    with session_scope(url) as db:
        health_row = run_check(db, settings, program_id, as_of=cur.program.year.start)
        level, fatal = health_row.level, health_row.report["contingency"]["fatal_people"]

    table = Table(title=f"{summary.name} — {summary.year}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for pgy, count in summary.residents_by_pgy.items():
        table.add_row(f"PGY-{pgy} residents", str(count))
    table.add_row("faculty", str(summary.faculty))
    table.add_row(
        "blocks / rotations / activity codes", f"{summary.blocks} / {summary.rotations} / {summary.activities}"
    )
    table.add_row("half-days filled", f"{cur.schedule.grid.size - cur.schedule.unfilled()} of {cur.schedule.grid.size}")
    table.add_row(
        "block assignments / call assignments", f"{len(cur.schedule.block_assignments)} / {len(cur.schedule.calls)}"
    )
    table.add_row("ACGME violations (acgme mode)", str(len(report.violations)))
    table.add_row(
        "findings", ", ".join(f"{k} {sum(v.values())}" for k, v in report.summary()["by_rule"].items()) or "none"
    )
    table.add_row("duty periods exported", str(len(periods)))
    table.add_row("resilience level", level)
    table.add_row("N-1 fatal people", ", ".join(fatal) or "none")
    table.add_row("run", f"{counts['run_id']} ({time.monotonic() - started:.0f} s in all)")
    console.print(table)
    console.print(f"database: {url}; exports: {folder}/duty-periods.csv, {folder}/schedule.xlsx")
    if report.has_violations:
        raise typer.Exit(1)


ProgramOption = Annotated[str | None, typer.Option("--program", help="Program slug (default: the only one)")]


def _program_id(db, slug: str | None) -> int:
    from sqlalchemy import select

    from residency.store.models import Program

    rows = db.scalars(select(Program).order_by(Program.id)).all()
    if slug:
        for row in rows:
            if row.slug == slug:
                return row.id
        console.print(f"[red]no program {slug!r}; known: {', '.join(r.slug for r in rows) or 'none'}[/red]")
        raise typer.Exit(2)
    if len(rows) != 1:
        console.print(f"[red]{len(rows)} programs: choose one with --program ({', '.join(r.slug for r in rows)})[/red]")
        raise typer.Exit(2)
    return rows[0].id


def run_generation(
    url: str,
    program_id: int,
    *,
    algorithm: str,
    time_limit: float,
    seed: int,
    workers: int,
    publish: bool,
    quiet: bool = False,
) -> dict:
    """Generate in-process with a progress bar; returns the run's counts (and publishes on request)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from residency.runs import RunError, execute_run, publish_run, request_run
    from residency.store.db import session_scope

    try:
        with session_scope(url) as db:
            run_id = request_run(
                db,
                program_id=program_id,
                user_id=None,
                algorithm=algorithm,
                time_limit=time_limit,
                seed=seed,
                workers=workers,
            ).id
    except RunError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("generating", total=time_limit)

        def show(info: dict) -> None:
            desc = f"{info.get('layer', 'solving')}"
            if info.get("objective") is not None:
                desc += f" objective {info['objective']:.0f}"
            if info.get("bound") is not None:
                desc += f" bound {info['bound']:.0f}"
            bar.update(task, description=desc, completed=min(float(info.get("elapsed", 0)), time_limit))

        run = execute_run(url, run_id, on_progress=show)
    console.print(f"run {run.id}: {run.status} — {run.message}")
    if run.timings:
        console.print("timings (s): " + ", ".join(f"{k} {v}" for k, v in run.timings.items()))
    if run.status != "succeeded":
        raise typer.Exit(1)
    if publish:
        if run.counts.get("violations", 0):
            console.print("[red]not published: the draft has ACGME violations[/red]")
            raise typer.Exit(1)
        with session_scope(url) as db:
            row = publish_run(db, program_id=program_id, run_id=run.id, user_id=None)
            console.print(f"published schedule {row.id}")
    return {"run_id": run.id, **run.counts}


@app.command()
def generate(
    algorithm: Annotated[str, typer.Option(help="hybrid | greedy | cpsat | lp | cpsat-layered")] = "hybrid",
    time_limit: Annotated[float, typer.Option(help="Seconds")] = 60.0,
    seed: int = 0,
    workers: int = 2,
    publish: Annotated[bool, typer.Option("--publish", help="Publish the draft when it has no violation")] = False,
    program: ProgramOption = None,
    database_url: DbOption = None,
) -> None:
    """Generate the academic year in-process (a draft; --publish to publish it)."""
    from residency.store.db import session_scope

    url = _url(database_url)
    with session_scope(url) as db:
        program_id = _program_id(db, program)
    run_generation(
        url, program_id, algorithm=algorithm, time_limit=time_limit, seed=seed, workers=workers, publish=publish
    )


@app.command()
def validate(
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD)")] = None,
    mode: Annotated[str, typer.Option(help="acgme | rolling | calendar_month")] = "acgme",
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    schedule_id: Annotated[int | None, typer.Option(help="A draft (default: the published schedule)")] = None,
    program: ProgramOption = None,
    database_url: DbOption = None,
) -> None:
    """Check the stored schedule against the ACGME rules; exit 1 on any violation."""
    import json
    from datetime import date

    from residency.compliance.render import render_report
    from residency.store.db import session_scope
    from residency.views import ViewError, compliance_report, current

    if mode not in ("acgme", "rolling", "calendar_month") or fmt not in ("table", "json"):
        console.print("[red]--mode must be acgme|rolling|calendar_month and --format table|json[/red]")
        raise typer.Exit(2)
    try:
        start = date.fromisoformat(from_) if from_ else None
        end = date.fromisoformat(to) if to else None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    with session_scope(_url(database_url)) as db:
        try:
            cur = current(db, _program_id(db, program), schedule_id)
            report = compliance_report(cur, mode=mode, start=start, end=end)
        except ViewError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from exc
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print(render_report(report))
    raise typer.Exit(1 if report.has_violations else 0)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="xlsx | csv | duty-csv | ics | json")] = "duty-csv",
    out: Annotated[str, typer.Option("--out", help="Output file (a folder for ics without --person)")] = "export.out",
    block: Annotated[int | None, typer.Option(help="Only this block (xlsx, csv)")] = None,
    person: Annotated[str | None, typer.Option(help="Only this person (key, e.g. R1-01)")] = None,
    schedule_id: Annotated[int | None, typer.Option(help="A draft (default: the published schedule)")] = None,
    program: ProgramOption = None,
    database_url: DbOption = None,
) -> None:
    """Export the stored schedule: Excel block sheets, CSV, duty-period CSV, ICS calendars or a JSON backup."""
    from pathlib import Path

    from residency.cli_io import FORMATS, ExportError, export_formats
    from residency.compliance.duty_csv import write_duty_csv
    from residency.domain.duty_periods import derive
    from residency.store.db import session_scope
    from residency.views import ViewError, current

    url = _url(database_url)
    path = Path(out)
    if fmt in FORMATS:
        with session_scope(url) as db:
            program_id = _program_id(db, program)
        try:
            console.print(
                export_formats(url, program_id, fmt, path, schedule_id=schedule_id, block=block, person=person)
            )
        except ExportError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        return
    if fmt != "duty-csv":
        console.print(f"[red]unknown format {fmt!r}; available: {', '.join([*FORMATS, 'duty-csv'])}[/red]")
        raise typer.Exit(2)
    with session_scope(url) as db:
        try:
            cur = current(db, _program_id(db, program), schedule_id)
        except ViewError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from exc
    periods = [p for p in derive(cur.program, cur.schedule).periods if person is None or p.person_id == person]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write_duty_csv(periods))
    console.print(f"wrote {len(periods)} duty periods to {path}")


@app.command()
def worker(
    concurrency: int = 1,
    loglevel: str = "INFO",
    beat: Annotated[bool, typer.Option("--beat", help="Also run the periodic health checks and reminders")] = False,
) -> None:
    """Start a Celery worker for background runs (Redis at REDIS_URL)."""
    from residency.jobs.celery_app import celery_app

    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        "--pool=solo" if concurrency == 1 else "--pool=prefork",
    ]
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


@app.command()
def health(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    kind: Annotated[str, typer.Option(help="full | quick")] = "full",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day to look ahead from (default today)")] = None,
    program: ProgramOption = None,
    database_url: DbOption = None,
) -> None:
    """Run the resilience health check on the published schedule, store it and print it."""
    import json
    from datetime import date

    from residency.health_service import run_check
    from residency.store.db import session_scope
    from residency.views import ViewError

    settings = get_settings()
    url = _url(database_url)
    settings = settings.model_copy(update={"database_url": url})
    with session_scope(url) as db:
        try:
            row = run_check(
                db, settings, _program_id(db, program), kind=kind, as_of=date.fromisoformat(as_of) if as_of else None
            )
        except ViewError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from exc
        report, level, seconds = row.report, row.level, row.seconds
    if fmt == "json":
        print(json.dumps(report, indent=1, default=str))
        return
    table = Table(title=f"Health check as of {report['as_of']} ({seconds:.2f} s)")
    table.add_column("analysis")
    table.add_column("result")
    util = report["utilization"]
    table.add_row("defense level", f"{level}: " + "; ".join(report["defense"]["reasons"][:3]))
    table.add_row("utilization", f"{util['rho']:.0%} ({util['level']}), bottleneck {util.get('bottleneck')}")
    table.add_row("N-1 fatal", ", ".join(report["contingency"]["fatal_people"]) or "none")
    table.add_row(
        "single points of failure",
        ", ".join(f"{c['name']} ({', '.join(c['holders'])})" for c in report["hubs"]["single_points_of_failure"][:5])
        or "none",
    )
    table.add_row("decision queue", f"{len(report['cognitive']['queue'].get('items', []))} item(s)")
    table.add_row("actions", "; ".join(a.get("kind", "") for a in report["defense"]["actions"]) or "none")
    console.print(table)


register_compliance(app)
register_io(app)
register_bench(app)
register_repair(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
