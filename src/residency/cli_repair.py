"""``residency repair``: re-plan the published schedule around one change (a new absence, a removed
person) with the fewest changed assignments; the result is a draft to review and publish.

The operation itself is ``residency.repairs.repair_draft``; ``residency.cli`` calls ``register(app)``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from residency.repairs import repair_draft
from residency.runs import RunError


def register(app: typer.Typer) -> None:
    @app.command("repair")
    def repair_cmd(
        person: Annotated[str | None, typer.Option("--person", help="Person key")] = None,
        start: Annotated[str | None, typer.Option("--from", help="First day absent (YYYY-MM-DD)")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day absent (YYYY-MM-DD)")] = None,
        absence_id: Annotated[int | None, typer.Option("--absence-id", help="An absence already recorded")] = None,
        removed: Annotated[
            bool, typer.Option("--removed", help="The person leaves (from --from, else the start)")
        ] = False,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds")] = 30.0,
        seed: int = 0,
        workers: int = 2,
        program: Annotated[str | None, typer.Option("--program", help="Program slug (default: the only one)")] = None,
        database_url: Annotated[str | None, typer.Option("--database-url", help="Overrides DATABASE_URL")] = None,
    ) -> None:
        """Repair the published schedule after an absence or a removal: a draft with the fewest
        changed assignments that satisfies every hard rule (review it, then publish the draft)."""
        from residency.cli import _program_id, _url
        from residency.store.db import session_scope

        def day(text: str | None, name: str) -> date | None:
            if text is None:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=name) from None

        url = _url(database_url)
        try:
            with session_scope(url) as db:
                out = repair_draft(
                    db, program_id=_program_id(db, program), user_id=None, person_key=person,
                    start=day(start, "--from"), end=day(end, "--to"), absence_id=absence_id, removed=removed,
                    time_limit=time_limit, seed=seed, workers=workers,
                )  # fmt: skip
        except RunError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(json.dumps(out, default=str))
        if out.get("schedule_id") is None:
            raise typer.Exit(1)
