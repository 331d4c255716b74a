"""hybrid starts every layer from the greedy solution of that layer and never ends worse than it."""

from __future__ import annotations

from residency.scheduling.solve import generate


def test_hybrid_layers_start_from_greedy_and_only_improve(small_program):
    events: list[dict] = []
    result = generate(small_program, algorithm="hybrid", time_limit=12.0, seed=1, workers=2, progress=events.append)
    assert result.ok and result.violations == 0
    for layer in ("blocks", "residents", "faculty", "clinic"):
        mine = [e for e in events if e.get("layer") == layer]
        starts = [i for i, e in enumerate(mine) if e.get("start") == "greedy"]
        assert starts, f"{layer}: no greedy warm start reported"
        # CP-SAT's first solution after the hint is the completed greedy solution; the layer ends at or below it
        firsts = [e["objective"] for e in mine[starts[0] + 1 :] if e.get("objective") is not None]
        assert firsts, f"{layer}: CP-SAT reported no solution after the warm start"
        assert result.layers[layer].objective <= firsts[0] + 1e-6, (layer, result.layers[layer].objective, firsts[0])


def test_cpsat_has_no_warm_start(small_program):
    events: list[dict] = []
    generate(small_program, algorithm="cpsat", time_limit=6.0, seed=1, workers=2, progress=events.append)
    assert not any(e.get("start") == "greedy" for e in events)
