"""Hub analysis: the graph of people and capabilities, its hubs and single points of failure.

Nodes are people and capabilities; an edge means "this person can do this":
- ``procedure:<code>`` — an active, supervising-level procedure credential (valid on ``as_of``);
- ``pool:<name>`` — call-pool membership (explicit members, or the eligible PGY levels/faculty);
- ``service:<code>`` — a clinical code the person works in the schedule (AT precepting, FMIT …),
  for faculty;
- ``rotation:<abbr>`` — a rotation the resident is assigned to in the schedule.

Centrality (networkx betweenness and degree on the bipartite graph) ranks hubs. A *critical*
capability (procedures, call pools and faculty services) held by exactly one person is a single
point of failure; one held by fewer than ``min_holders`` is thin. Cross-training recommendations
name, for each, the people of the same kind who do not hold it, most similar in capabilities to the
holders first (Jaccard), and least central first on ties (spreads load away from hubs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
import numpy as np

from residency.domain.program import ActivityCategory, FacultyRole, PersonKind, Program
from residency.domain.schedule import UNFILLED, Schedule

CRITICAL_KINDS = ("procedure", "pool", "service")


@dataclass(frozen=True, slots=True)
class PersonHub:
    person: str
    kind: str
    capabilities: int
    degree: float
    betweenness: float
    sole_holder_of: tuple[str, ...]

    @property
    def score(self) -> float:
        return self.betweenness + 0.5 * self.degree + len(self.sole_holder_of)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "kind": self.kind,
            "capabilities": self.capabilities,
            "degree": round(self.degree, 4),
            "betweenness": round(self.betweenness, 4),
            "sole_holder_of": list(self.sole_holder_of),
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    kind: str
    holders: tuple[str, ...]
    critical: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "holders": list(self.holders), "critical": self.critical}


@dataclass(frozen=True, slots=True)
class CrossTraining:
    capability: str
    holders: tuple[str, ...]
    candidates: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "holders": list(self.holders),
            "candidates": list(self.candidates),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class HubResult:
    as_of: date
    people: tuple[PersonHub, ...]  # most central first
    capabilities: tuple[Capability, ...]
    single_points_of_failure: tuple[Capability, ...]
    thin: tuple[Capability, ...]
    cross_training: tuple[CrossTraining, ...]

    def hub(self, person: str) -> PersonHub:
        return next(p for p in self.people if p.person == person)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "hubs": [p.to_dict() for p in self.people[:15]],
            "single_points_of_failure": [c.to_dict() for c in self.single_points_of_failure],
            "thin": [c.to_dict() for c in self.thin],
            "cross_training": [c.to_dict() for c in self.cross_training],
            "capabilities": len(self.capabilities),
        }


def capability_graph(program: Program, schedule: Schedule | None, as_of: date) -> nx.Graph:
    g = nx.Graph()
    people = {p.key: p for p in program.people if _active(p, as_of)}
    for key, p in people.items():
        g.add_node(("person", key), kind=p.kind.value)

    def link(person: str, kind: str, name: str) -> None:
        if person in people:
            g.add_node(("cap", f"{kind}:{name}"), kind=kind)
            g.add_edge(("person", person), ("cap", f"{kind}:{name}"))

    for c in program.credentials:
        valid = (c.issued is None or c.issued <= as_of) and (c.expires is None or as_of <= c.expires)
        if c.status == "active" and c.competency in ("independent", "trainer") and valid:
            link(c.person, "procedure", c.procedure)
    for pool in program.call_pools:
        if pool.members:
            members = list(pool.members)
        else:
            members = [
                k
                for k, p in people.items()
                if (p.kind == PersonKind.RESIDENT and (not pool.eligible_pgy or p.pgy_on(as_of) in pool.eligible_pgy))
                or (pool.includes_faculty and p.kind == PersonKind.FACULTY)
            ]
        for m in members:
            link(m, "pool", pool.name)
    if schedule is not None:
        acts = {a.code: a for a in program.activities}
        clinical = np.array(
            [acts[c].category == ActivityCategory.CLINICAL if c in acts else False for c in schedule.codes] + [False]
        )
        grid = np.where(schedule.grid == UNFILLED, len(schedule.codes), schedule.grid)
        for key in schedule.people:
            p = people.get(key)
            if p is None or p.kind != PersonKind.FACULTY:
                continue
            used = np.unique(grid[schedule.row(key)])
            for idx in used:
                if clinical[idx]:
                    link(key, "service", schedule.codes[idx])
        for ba in schedule.block_assignments:
            link(ba.person, "rotation", ba.rotation)
    return g


def _active(person, day: date) -> bool:
    return (person.active_from is None or person.active_from <= day) and (
        person.active_to is None or day <= person.active_to
    )


def analyze_hubs(
    program: Program,
    schedule: Schedule | None = None,
    *,
    as_of: date | None = None,
    min_holders: int = 2,
    recommendations: int = 3,
) -> HubResult:
    as_of = as_of or program.year.start
    g = capability_graph(program, schedule, as_of)
    betweenness = nx.betweenness_centrality(g) if g.number_of_nodes() > 2 else {}
    degree = nx.degree_centrality(g) if g.number_of_nodes() > 1 else {}
    people = {p.key: p for p in program.people}

    caps: list[Capability] = []
    for node, data in g.nodes(data=True):
        if node[0] != "cap":
            continue
        holders = tuple(sorted(n[1] for n in g.neighbors(node)))
        caps.append(Capability(node[1], data["kind"], holders, data["kind"] in CRITICAL_KINDS))
    caps.sort(key=lambda c: (len(c.holders), c.name))
    spof = tuple(c for c in caps if c.critical and len(c.holders) == 1)
    thin = tuple(c for c in caps if c.critical and 1 < len(c.holders) < min_holders)
    sole: dict[str, list[str]] = {}
    for c in spof:
        sole.setdefault(c.holders[0], []).append(c.name)

    hubs = []
    for node in g.nodes:
        if node[0] != "person":
            continue
        key = node[1]
        hubs.append(
            PersonHub(
                key,
                people[key].kind.value,
                g.degree(node),
                degree.get(node, 0.0),
                betweenness.get(node, 0.0),
                tuple(sole.get(key, ())),
            )
        )
    hubs.sort(key=lambda h: (-h.score, h.person))
    score = {h.person: h.score for h in hubs}

    def caps_of(key: str) -> set[str]:
        return {n[1] for n in g.neighbors(("person", key))} if ("person", key) in g else set()

    training = []
    for c in spof + thin:
        kinds = {people[h].kind for h in c.holders}
        holder_caps = set().union(*(caps_of(h) for h in c.holders)) - {c.name}
        pool = [
            k
            for k in (n[1] for n in g.nodes if n[0] == "person")
            if k not in c.holders and people[k].kind in kinds and people[k].faculty_role != FacultyRole.ADJUNCT
        ]

        def similarity(k: str, holder_caps: set[str] = holder_caps) -> float:
            mine = caps_of(k)
            union = mine | holder_caps
            return len(mine & holder_caps) / len(union) if union else 0.0

        pool.sort(key=lambda k: (-similarity(k), score.get(k, 0.0), k))
        reason = (
            f"only {c.holders[0]} holds {c.name}"
            if len(c.holders) == 1
            else f"{len(c.holders)} holders of {c.name} (< {min_holders})"
        )
        training.append(CrossTraining(c.name, c.holders, tuple(pool[:recommendations]), reason))
    return HubResult(as_of, tuple(hubs), tuple(caps), spof, thin, tuple(training))
