"""A second roster LNS in its own process, on the machine's other core, trading incumbents with the
main search.

Everything else in ``solve`` (repair, column generation, the LNS, HiGHS) keeps about one core of two
busy: a 40 s run of Curtois 15 used 47 s of CPU, a 30 s run of 19 used 31 s. The helper starts from
the roster ``solve`` hands it (after column generation, else after the repair) and runs
``search.search`` with another seed until the deadline. Each side offers every improvement it makes
(``Link``) and takes the other's roster whenever that is strictly better, so the main search goes on
from the best roster either has found. A process rather than a thread: the search is Python between
CP-SAT calls and would hold the interpreter lock.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from typing import Any

import numpy as np

from residency.scheduling.roster.spec import RosterSpec

MARGIN = 0.6  # seconds before the main deadline at which the helper sends its last roster and stops
HELPER_MIN_S = 5.0  # less time left than this: a spawned interpreter would not pay for itself


class Link:
    """One side of the exchange: ``__call__(obj, roster)`` sends ``roster`` when it beats everything
    sent or received so far, and returns the other side's latest roster when that is strictly better
    than ``obj`` (else None)."""

    def __init__(self, inbox: Any, outbox: Any) -> None:
        self.inbox, self.outbox = inbox, outbox
        self.known = float("inf")  # best objective sent or received

    def restart(self) -> None:
        """Forget the best objective sent or received (the objective changed: ``search.phased``)."""
        self.known = float("inf")

    def receive(self) -> tuple[float, np.ndarray] | None:
        best = None
        while True:
            try:
                got = self.inbox.get_nowait()
            except (queue.Empty, EOFError, OSError):
                return best
            if best is None or got[0] < best[0]:
                best = got

    def __call__(self, obj: float, roster: np.ndarray) -> np.ndarray | None:
        if obj < self.known:
            self.outbox.put((obj, roster.copy()))
            self.known = obj
        got = self.receive()
        if got is not None and got[0] < obj:
            self.known = min(self.known, got[0])
            return got[1]
        return None


def _helper(spec: RosterSpec, roster: np.ndarray, deadline: float, seed: int, whole: bool, inbox: Any,
            outbox: Any, phase: tuple[RosterSpec, float] | None) -> None:  # fmt: skip
    from residency.scheduling.roster import search

    link = Link(inbox, outbox)
    if phase is not None and whole:
        roster = search.phased(roster, phase, seed, link)
    full = search.FullModel(spec, roster) if whole else None
    # time.monotonic is the system-wide CLOCK_MONOTONIC on Linux: the parent's deadline holds here
    search.search(spec, roster, deadline - MARGIN, seed, 1, full, exchange=link)


class Helper:
    """The helper process; ``exchange`` is the main search's side of the link."""

    def __init__(self, spec: RosterSpec, roster: np.ndarray, deadline: float, seed: int, whole: bool,
                 phase: tuple[RosterSpec, float] | None = None) -> None:  # fmt: skip
        ctx = mp.get_context("spawn")  # fork would copy OR-Tools' and HiGHS's threads' state
        to_helper, from_helper = ctx.Queue(), ctx.Queue()
        # rosters not yet read when the helper has stopped are dropped at exit rather than waited for
        to_helper.cancel_join_thread()
        self.exchange = Link(from_helper, to_helper)
        self.process = ctx.Process(target=_helper, args=(spec, roster, deadline, seed, whole, to_helper, from_helper, phase),
                                   daemon=True)  # fmt: skip
        self.process.start()

    def close(self, wait: float = 0.0) -> tuple[float, np.ndarray] | None:
        """Stop the helper (after up to ``wait`` seconds for it to finish) and return its last offer."""
        self.process.join(max(0.0, wait))
        got = self.exchange.receive()
        if wait > 0 and self.process.is_alive():  # it may have waited for that read to flush its last roster
            self.process.join(0.3)
            late = self.exchange.receive()
            if late is not None and (got is None or late[0] < got[0]):
                got = late
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
        return got


def start(spec: RosterSpec, roster: np.ndarray, deadline: float, seed: int, whole: bool, workers: int,
          phase: tuple[RosterSpec, float] | None = None) -> Helper | None:  # fmt: skip
    """A helper when there is a core for it and time to use it, else None. Not from a daemonic
    process (a Celery worker's child may not have children of its own). ``phase``: as in
    ``search.phased``."""
    if workers < 2 or mp.current_process().daemon or deadline - time.monotonic() < HELPER_MIN_S:
        return None
    try:
        return Helper(spec, roster, deadline, seed, whole, phase)
    except OSError:  # no process or semaphore to be had: the main search runs alone
        return None
