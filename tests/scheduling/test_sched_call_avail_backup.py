"""CALL-AVAIL accepts a backup member's call inside an activated backup window, and only there."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from residency.domain.schedule import CallAssignment
from residency.scheduling.catalogue import CATALOGUE
from residency.scheduling.problem import Problem


def test_backup_call_counts_as_membership_only_inside_the_window(small_program, small_result):
    pool = next(c for c in small_program.call_pools if c.backup_members)
    who = pool.backup_members[0]
    night = next(c.night for c in small_result.schedule.calls if c.pool == pool.name)
    call = CallAssignment(who, night, pool.name)

    def not_member(program):
        schedule = replace(small_result.schedule, calls=(call,))
        found = CATALOGUE["CALL-AVAIL"].measure(Problem(program), schedule)
        return [b for b in found if b.person == who and "not a member" in b.message]

    assert not_member(small_program), "outside any window a backup member is not a member"
    windows = ((night - timedelta(days=1), night + timedelta(days=1)),)
    active = replace(small_program, call_pools=tuple(
        replace(c, backup_windows=windows) if c.name == pool.name else c for c in small_program.call_pools
    ))  # fmt: skip
    assert not not_member(active)
    later = ((night + timedelta(days=1), night + timedelta(days=5)),)
    elsewhere = replace(small_program, call_pools=tuple(
        replace(c, backup_windows=later) if c.name == pool.name else c for c in small_program.call_pools
    ))  # fmt: skip
    assert not_member(elsewhere)
