"""Test helpers importable by name from any test folder (``conftest`` is ambiguous across folders)."""

from sqlalchemy import text

from residency.store.base import Base
from residency.store.db import get_engine, is_sqlite

PASSWORD = "correct-horse-battery"


def truncate_all(url: str) -> None:
    engine = get_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if is_sqlite(url):
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
