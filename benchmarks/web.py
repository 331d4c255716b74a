"""Benchmark the web app's block grid page on the ``large`` sample program (84 people x 56 half-days).

Stores the large program with a complete hand-built published year (the same builder as
benchmarks/resilience.py) in a fresh SQLite database, signs a coordinator in through the web form,
then requests ``/app/blocks/N/`` for several blocks, in process (ASGI; no network), and reports the
server-side time (wall time around each in-process request) and the page
weight. Budget: <= 300 ms and <= 1 MB. Prints the figures, then one JSON line.

    .venv/bin/python benchmarks/web.py [--size large] [--repeat 10]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUDGET_MS, BUDGET_BYTES = 300, 1_000_000


def _builder():
    spec = importlib.util.spec_from_file_location("bench_resilience", HERE / "resilience.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.realistic_schedule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from residency.api.app import create_app
    from residency.api.routers.users import create_user
    from residency.config import Settings
    from residency.sample import build_program
    from residency.services import store_program
    from residency.store import migrate
    from residency.store import schedules as store
    from residency.store.db import session_scope
    from residency.web import install

    folder = Path(tempfile.mkdtemp(prefix="web-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url)
    started = time.perf_counter()
    program = build_program(args.size, 0)
    schedule = _builder()(program)
    with session_scope(url) as db:
        row = store_program(db, program, args.size)
        year = store.year_of(db, row.id)
        store.save_schedule(db, row.id, year.id, schedule, status="published", name="bench")
        create_user(db, actor_id=None, username="bench", password="bench-password-123", role="coordinator",
                    program_id=row.id)  # fmt: skip
    seed_s = time.perf_counter() - started
    people, blocks = len(program.people), [b.number for b in program.year.blocks]
    del program, schedule  # a server process does not hold the generated year in memory
    gc.collect()

    settings = Settings(DATABASE_URL=url, SECRET_KEY="bench-" + "z" * 40, LOG_LEVEL="WARNING")
    app = create_app(settings)
    install(app)
    with TestClient(app, base_url="http://localhost") as client:
        login = client.get("/app/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        r = client.post("/app/login", data={"username": "bench", "password": "bench-password-123",
                                            "csrf_token": token}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text
        client.get("/app/blocks/1/")  # warm-up: templates compiled, connections opened
        times, sizes = [], []
        for i in range(args.repeat):
            n = blocks[(i * 5 + 3) % len(blocks)]
            t0 = time.perf_counter()
            page = client.get(f"/app/blocks/{n}/")
            times.append((time.perf_counter() - t0) * 1000)
            assert page.status_code == 200, page.text[:500]
            sizes.append(len(page.content))
        cells = page.text.count('<a href="c?p=')
    print("  each request (ms):", " ".join(f"{t:.0f}" for t in times))
    times.sort()
    result = {
        "benchmark": "web_block_grid",
        "size": args.size,
        "people": people,
        "half_days": 56,
        "cells_in_last_page": cells,
        "repeat": args.repeat,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "max_ms": round(times[-1], 1),
        "max_bytes": max(sizes),
        "budget_ms": BUDGET_MS,
        "budget_bytes": BUDGET_BYTES,
        "within_budget": times[-1] <= BUDGET_MS and max(sizes) <= BUDGET_BYTES,
        "seed_s": round(seed_s, 2),
    }
    print(f"block grid page, {args.size} program: {result['people']} people x 56 half-days ({cells} cells)")
    print(f"  server-side time: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
          f"max {result['max_ms']} ms (budget {BUDGET_MS} ms)")  # fmt: skip
    print(f"  page weight: {max(sizes) / 1024:.0f} KiB ({max(sizes)} bytes; budget {BUDGET_BYTES} bytes)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
