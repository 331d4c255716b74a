"""Benchmark the compliance engine on a synthetic academic year.

54 residents x 365 days: ward blocks with q4 in-house call (24 h + 4 h hand-off), clinic and
elective blocks, night-float blocks (six 12-h nights a week), a week of leave in some blocks and the
odd moonlighting shift. Times a full evaluation in ACGME and rolling modes and the incremental
re-check of one person after one edit. Prints the figures, then one JSON line.

    .venv/bin/python benchmarks/compliance.py [--residents 54] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from residency.compliance.config import EngineConfig
from residency.compliance.engine import evaluate, prepare, re_evaluate_person
from residency.domain.duty import DutyKind, DutyPeriod, by_person

TZ = ZoneInfo("America/New_York")
YEAR_START = date(2025, 7, 1)
BLOCKS = 13
BLOCK_DAYS = 28
ROTATIONS = ("WARD", "WARD", "ICU", "CLINIC", "ELECTIVE", "NF")


def _at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, clock(hh, mm), TZ)


def resident_year(i: int, rng: random.Random) -> list[DutyPeriod]:
    pid, pgy = f"R{i:03d}", 1 + i % 3
    flags = frozenset({"moonlighting_approved"}) if pgy == 3 and i % 2 else frozenset()
    out: list[DutyPeriod] = []

    def add(s: datetime, e: datetime, kind: DutyKind, rot: str, activity: str = "") -> None:
        out.append(DutyPeriod(pid, s, e, kind, person_name=f"Resident {i}", pgy=pgy, rotation=rot,
                              activity=activity, flags=flags))  # fmt: skip

    skip_until = YEAR_START  # post-call mornings may spill into the next block
    last_night = YEAR_START - timedelta(days=9)
    for b in range(BLOCKS):
        rot = ROTATIONS[(i + b) % len(ROTATIONS)]
        label = f"B{b + 1:02d}-{rot}"
        start = YEAR_START + timedelta(days=b * BLOCK_DAYS)
        leave_week = rng.randrange(4) if rng.random() < 0.3 else None
        call_offset = rng.randrange(4)
        for k in range(BLOCK_DAYS):
            d = start + timedelta(days=k)
            if leave_week is not None and k // 7 == leave_week:
                if k % 7 == 0:
                    add(_at(d, 0), _at(d + timedelta(days=5), 0), DutyKind.LEAVE, label)  # Mon-Fri leave
                continue
            if d < skip_until or (rot != "NF" and d == last_night + timedelta(days=1)):
                continue  # post-call, or the morning after a night-float block
            wd = d.weekday()
            calls_ok = k < BLOCK_DAYS - 1 and not (leave_week is not None and (k + 1) // 7 == leave_week)
            if rot in ("WARD", "ICU"):
                if k % 4 == call_offset and wd < 5 and calls_ok:  # q4 weekday call; weekends stay free
                    add(_at(d, 7), _at(d + timedelta(days=1), 7), DutyKind.CALL_IN_HOUSE, label)
                    add(_at(d + timedelta(days=1), 7), _at(d + timedelta(days=1), 11), DutyKind.WORK, label, "handoff")
                    skip_until = d + timedelta(days=2)  # post-call day off until the next morning
                elif wd < 6:
                    add(_at(d, 7), _at(d, 17 + rng.randrange(2)), DutyKind.WORK, label)
            elif rot == "NF":
                if wd not in (5, 6) and calls_ok:
                    add(_at(d, 19), _at(d + timedelta(days=1), 7), DutyKind.NIGHT_FLOAT, label)
                    last_night = d
            else:
                if wd < 5:
                    add(_at(d, 8), _at(d, 17), DutyKind.WORK, label, "clinic")
                    if wd == 2:
                        add(_at(d, 17), _at(d, 19), DutyKind.EDUCATION, label, "didactics")
                elif wd == 5 and flags and rng.random() < 0.5:
                    add(_at(d, 9), _at(d, 17), DutyKind.MOONLIGHT_EXTERNAL, label)
    return out


def synthetic_year(residents: int, seed: int = 7) -> list[DutyPeriod]:
    rng = random.Random(seed)
    return [p for i in range(residents) for p in resident_year(i, rng)]


def timed(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=54)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--edits", type=int, default=50)
    args = ap.parse_args()

    periods = synthetic_year(args.residents)
    end = YEAR_START + timedelta(days=BLOCKS * BLOCK_DAYS - 1)
    figures: dict[str, object] = {"residents": args.residents, "periods": len(periods), "days": BLOCKS * BLOCK_DAYS}
    reports = {}
    for mode in ("acgme", "rolling"):
        cfg = EngineConfig(mode=mode, history_complete=True)
        secs, rep = timed(lambda cfg=cfg: evaluate(periods, cfg, YEAR_START, end), args.repeat)
        reports[mode] = rep
        figures[f"{mode}_s"] = round(secs, 4)
        figures[f"{mode}_findings"] = len(rep.findings)
        figures[f"{mode}_violations"] = len(rep.violations)
    figures["both_modes_s"] = round(figures["acgme_s"] + figures["rolling_s"], 4)

    # Incremental: lengthen one shift of one resident, re-check that person only.
    cfg = EngineConfig(mode="rolling", history_complete=True)
    plan = prepare(periods, cfg, YEAR_START, end)
    people = by_person(periods)
    rng = random.Random(1)
    samples = []
    report = reports["rolling"]
    for _ in range(args.edits):
        pid = rng.choice(sorted(people))
        mine = list(people[pid])
        j = rng.randrange(len(mine))
        mine[j] = replace(mine[j], end=mine[j].end + timedelta(hours=2))
        t0 = time.perf_counter()
        report = re_evaluate_person(report, plan, mine)
        samples.append(time.perf_counter() - t0)
    figures["incremental_median_ms"] = round(statistics.median(samples) * 1000, 2)
    figures["incremental_p95_ms"] = round(sorted(samples)[int(0.95 * len(samples)) - 1] * 1000, 2)
    figures["target_full_s"] = 1.0
    figures["target_incremental_ms"] = 20.0
    figures["ok"] = figures["both_modes_s"] <= 1.0 and figures["incremental_median_ms"] <= 20.0

    for k, v in figures.items():
        print(f"{k:>24}: {v}")
    print(json.dumps({"benchmark": "compliance", **figures}))


if __name__ == "__main__":
    main()
