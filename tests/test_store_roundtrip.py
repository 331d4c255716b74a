"""A Program written by the writer and read back by the loader is the same Program."""

from dataclasses import replace

import pytest

from residency.sample import build_program
from residency.store.db import session_scope
from residency.store.loader import NotFound, load_program
from residency.store.writer import save_program


@pytest.mark.parametrize("size", ["small", "realistic"])
def test_saved_program_loads_back_equal(client, database_url, size):
    original = build_program(size, seed=3)
    with session_scope(database_url) as db:
        program_id = save_program(db, original, f"rt-{size}").id
    with session_scope(database_url) as db:
        loaded = load_program(db, program_id)
    # Locks and pre-assignments belong to a schedule, which the writer does not create.
    assert loaded == replace(original, block_assignments=())


def test_duplicate_slug_is_refused(client, database_url):
    program = build_program("small")
    with session_scope(database_url) as db:
        save_program(db, program, "dup")
    with pytest.raises(ValueError, match="already exists"), session_scope(database_url) as db:
        save_program(db, program, "dup")


def test_unknown_program_is_reported(client, database_url):
    with pytest.raises(NotFound), session_scope(database_url) as db:
        load_program(db, 999)
