"""The import-xlsx, export (xlsx/csv/ics/json) and restore commands."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from residency.cli_io import export_formats, register
from residency.store import models as m
from residency.store.db import session_scope


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def noop() -> None:  # a second command keeps Typer from collapsing the group
        pass

    return app


def test_io_cli_import_export_restore(client, database_url, shared_data, tmp_path):
    runner = CliRunner()
    app = make_app()
    wb = str(shared_data / "data" / "program-workbook-ay25-26.xlsx")
    args = ["import-xlsx", wb, "--program", "cli-ay25", "--database-url", database_url]
    r = runner.invoke(app, [*args, "--report", str(tmp_path / "report.json")])
    assert r.exit_code == 0, r.output
    assert "nothing written" in r.output and "PGY-3 residents" in r.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["counts"]["blocks"] == 13 and len(report["items"]) > 1700
    r = runner.invoke(app, [*args, "--apply"])
    assert r.exit_code == 0, r.output
    assert "(created)" in r.output
    r = runner.invoke(app, [*args, "--apply"])
    assert "nothing changed" in r.output
    with session_scope(database_url) as db:
        from sqlalchemy import select

        pid = db.scalars(select(m.Program.id).where(m.Program.slug == "cli-ay25")).one()
        sid = db.scalars(select(m.Schedule.id).where(m.Schedule.program_id == pid)).one()
    assert "wrote" in export_formats(database_url, pid, "xlsx", tmp_path / "b9.xlsx", schedule_id=sid, block=9)
    assert "rows" in export_formats(database_url, pid, "csv", tmp_path / "b9.csv", schedule_id=sid, block=9)
    assert "calendars" in export_formats(database_url, pid, "ics", tmp_path / "ics", schedule_id=sid)
    assert "backup" in export_formats(database_url, pid, "json", tmp_path / "backup.json")
    r = runner.invoke(app, ["restore", str(tmp_path / "backup.json"), "--database-url", database_url])
    assert r.exit_code == 1 and "already exists" in r.output
    r = runner.invoke(app, ["restore", str(tmp_path / "backup.json"), "--slug", "copy", "--database-url", database_url])
    assert r.exit_code == 0, r.output
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    r = runner.invoke(app, ["import-xlsx", str(tmp_path / "junk.xlsx"), "--database-url", database_url])
    assert r.exit_code == 2 and "not an Excel workbook" in r.output
