"""Import and export commands: ``import-xlsx``, ``restore`` and the xlsx/csv/ics/json exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
FORMATS = ("xlsx", "csv", "ics", "json")


class ExportError(ValueError):
    pass


def _url(database_url: str | None) -> str:
    from residency.config import get_settings

    return database_url or get_settings().database_url


def _start_year(year: str | None) -> int | None:
    if not year:
        return None
    m = re.search(r"(\d{4})", year)
    if not m:
        raise typer.BadParameter("--year takes the year the academic year starts in (2025) or a label (AY2025-26)")
    return int(m.group(1))


def export_formats(
    database_url: str,
    program_id: int,
    fmt: str,
    out: Path,
    *,
    schedule_id: int | None = None,
    block: int | None = None,
    person: str | None = None,
) -> str:
    """Write an export of the stored schedule (default: the published one); returns what was written.

    ``fmt``: xlsx | csv | ics | json. ``ics`` without ``person`` writes one file per person into the
    directory ``out``. ``json`` is a complete backup of the program (``block``/``person`` ignored).
    Raises ``ExportError`` with a message for the user."""
    from residency.io.backup import backup, dumps
    from residency.io.csv_export import export_csv
    from residency.io.ics import person_calendar
    from residency.io.xlsx_export import export_xlsx
    from residency.store.db import session_scope
    from residency.views import ViewError, current

    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; available: {', '.join(FORMATS)}, duty-csv")
    out = Path(out)
    if fmt == "json":
        with session_scope(database_url) as db:
            data = backup(db, program_id)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dumps(data), encoding="utf-8")
        counts = {k: len(v["rows"]) for k, v in data["tables"].items()}
        return f"wrote a backup of program {data['program']['slug']} ({sum(counts.values())} rows) to {out}"
    with session_scope(database_url) as db:
        try:
            cur = current(db, program_id, schedule_id)
        except ViewError as exc:
            if fmt != "ics":
                raise ExportError(exc.message) from exc
            from residency.store.loader import load_program

            cur = None
            program = load_program(db, program_id)
    program = cur.program if cur else program
    schedule = cur.schedule if cur else None
    if person and person not in {p.key for p in program.people}:
        raise ExportError(f"no person {person!r} in the program")
    if block is not None and block not in {b.number for b in program.year.blocks}:
        raise ExportError(f"no block {block} in {program.year.label}")
    if fmt == "xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(export_xlsx(program, schedule, block=block, person=person))
        return f"wrote {out}"
    if fmt == "csv":
        out.parent.mkdir(parents=True, exist_ok=True)
        text = export_csv(program, schedule, block=block, person=person)
        out.write_text(text, encoding="utf-8")
        return f"wrote {text.count(chr(10)) - 1} rows to {out}"
    if person:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(person_calendar(program, schedule, person))
        return f"wrote {out}"
    out.mkdir(parents=True, exist_ok=True)
    for p in program.people:
        (out / f"{p.key}.ics").write_bytes(person_calendar(program, schedule, p.key))
    return f"wrote {len(program.people)} calendars to {out}/"


DbOption = Annotated[str | None, typer.Option("--database-url", help="Overrides DATABASE_URL")]


def register(app: typer.Typer) -> None:

    @app.command("import-xlsx")
    def import_xlsx(
        file: Annotated[Path, typer.Argument(help="The program's workbook (.xlsx)")],
        program: Annotated[
            str | None, typer.Option("--program", help="Program slug (created on --apply when it does not exist)")
        ] = None,
        year: Annotated[str | None, typer.Option("--year", help="Academic year start (2025) or label")] = None,
        apply: Annotated[bool, typer.Option("--apply", help="Write the import (default: report only)")] = False,
        report: Annotated[Path | None, typer.Option("--report", help="Write the full staging report (JSON)")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Name of a new program")] = None,
        database_url: DbOption = None,
    ) -> None:
        """Read a program workbook and show what an import would do; --apply writes it (one transaction)."""
        from sqlalchemy import select

        from residency.io.workbook import WorkbookError, apply_staging, stage_workbook
        from residency.store.db import session_scope
        from residency.store.loader import NotFound, load_program
        from residency.store.models import Program

        if not file.is_file():
            console.print(f"[red]no such file: {file}[/red]")
            raise typer.Exit(2)
        url = _url(database_url)
        start_year = _start_year(year)
        program_id = None
        known = None
        if program:
            with session_scope(url) as db:
                row = db.scalars(select(Program).where(Program.slug == program)).first()
                if row is not None:
                    program_id = row.id
                    try:
                        known = load_program(db, row.id)
                    except NotFound:
                        known = None
        try:
            staged = stage_workbook(file, program=known, year=start_year)
        except WorkbookError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from exc
        _print_report(staged)
        if report:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps(staged.report(cell_items=True), indent=1), encoding="utf-8")
            console.print(f"full report: {report}")
        if not apply:
            console.print("nothing written (use --apply to import)")
            return
        with session_scope(url) as db:
            result = apply_staging(db, staged, program_id=program_id, slug_=program, name=name)
        parts = [f"{k} +{v}" for k, v in result.created.items() if v]
        if result.schedule_id:
            parts.append(f"schedule {result.schedule_id} ({result.schedule})")
        suffix = "" if result.changed else " — nothing changed"
        console.print(f"program {result.program_id}: {', '.join(parts) or 'no rows added'}{suffix}")

    @app.command("restore")
    def restore_cmd(
        file: Annotated[Path, typer.Argument(help="A backup written by `export --format json`")],
        slug: Annotated[str | None, typer.Option("--slug", help="Restore under another slug")] = None,
        database_url: DbOption = None,
    ) -> None:
        """Load a JSON backup of a program (into an empty database, or one without that program)."""
        from residency.io.backup import BackupError, restore
        from residency.store.db import session_scope

        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            console.print(f"[red]cannot read {file}: {exc}[/red]")
            raise typer.Exit(2) from exc
        try:
            with session_scope(_url(database_url)) as db:
                program_id = restore(db, data, slug=slug)
        except BackupError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        console.print(f"restored program {program_id} ({slug or data['program']['slug']})")


def _print_report(staged) -> None:
    c = staged.counts
    table = Table(title=f"{staged.filename} — {staged.year.label}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for pgy, n in c["residents_by_pgy"].items():
        table.add_row(f"PGY-{pgy} residents", str(n))
    for key in ("faculty", "staff", "blocks", "templates_read", "templates_archived", "rotations_used"):
        table.add_row(key.replace("_", " "), str(c[key]))
    for key in ("block_assignments", "half_block_splits", "half_day_cells", "calls", "absences"):
        table.add_row(key.replace("_", " "), str(c[key]))
    table.add_row("leave notes understood", f"{c['leave_notes_understood']} of {c['leave_notes']}")
    console.print(table)
    status = Table(title="items by status")
    status.add_column("kind")
    for s in ("created", "matched", "ambiguous", "not_understood", "skipped"):
        status.add_column(s, justify="right")
    for kind, counts in staged.summary().items():
        status.add_row(
            kind, *(str(counts.get(s, "")) for s in ("created", "matched", "ambiguous", "not_understood", "skipped"))
        )
    console.print(status)
    problems = staged.problems()
    if problems:
        console.print(f"[yellow]{len(problems)} problem(s):[/yellow]")
        for p in problems[:60]:
            where = f"{p.sheet}!{p.cell}" if p.cell else (p.sheet or "")
            arrow = f" -> {p.value}" if p.value else ""
            console.print(f"  {p.status:<14} {p.kind:<10} {where:<22} {p.text[:40]!r}{arrow}  {p.note}")
        if len(problems) > 60:
            console.print(f"  … and {len(problems) - 60} more (--report FILE lists them all)")
