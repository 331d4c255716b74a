"""The ``residency`` command."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from residency.config import get_settings

app = typer.Typer(
    help="Residency Scheduler: schedules and ACGME compliance for residency programs.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console()


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
    database_url: DbOption = None,
) -> None:
    """Set up the database, load a sample program and run the main job end to end."""
    from residency.sample import build_program
    from residency.services import store_program, summarise
    from residency.store import migrate
    from residency.store.db import session_scope
    from residency.store.models import Program

    url = _url(database_url)
    if size not in ("small", "realistic", "large"):
        console.print("[red]--size must be small, realistic or large[/red]")
        raise typer.Exit(2)
    migrate.upgrade(url)
    slug = f"demo-{size}-{seed}"
    with session_scope(url) as db:
        from sqlalchemy import select

        row = db.scalars(select(Program).where(Program.slug == slug)).first()
        if row is None:
            row = store_program(db, build_program(size, seed), slug)
            console.print(f"loaded sample program [bold]{slug}[/bold]")
        else:
            console.print(f"sample program [bold]{slug}[/bold] already loaded")
        program_id = row.id
    with session_scope(url) as db:
        summary = summarise(db, program_id)
    table = Table(title=f"{summary.name} — {summary.year}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for pgy, count in summary.residents_by_pgy.items():
        table.add_row(f"PGY-{pgy} residents", str(count))
    table.add_row("faculty", str(summary.faculty))
    table.add_row("blocks", str(summary.blocks))
    table.add_row("rotations", str(summary.rotations))
    table.add_row("activity codes", str(summary.activities))
    table.add_row("call pools", str(summary.call_pools))
    for status, count in summary.absences.items():
        table.add_row(f"absences {status}", str(count))
    console.print(table)
    console.print(f"database: {url}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
