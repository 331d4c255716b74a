"""Weekends first: a search objective for rosters whose weekends are short of people.

When the people's maximum weekends cannot cover the weekend shifts (Curtois 19: 535 weekend shifts
needed, at most 516 workable), the objective turns on who works which weekend and whether they work
both of its days: each weekend worked on one day only is one more short shift. At least 1900 of
19's optimum 3149 is weekend shortage no roster avoids, and the weekend days planned alone already
cost about 3130, so weekdays can be covered almost completely. Under the true weights the LNS fills weekdays early and then cannot reshape weekends without uncovering a
weekday; after 55 s a 19 roster still had 19 one-day weekends and 38 short shifts.

``shaped`` gives the search an objective for its first phase in which a short weekday shift costs
a fifth of its weight and a weekend worked on one day only costs ``PART_WEEKEND``, so weekends are
settled first, whole where possible, and weekdays are covered around them after.
"""

from __future__ import annotations

from dataclasses import replace

from residency.scheduling.roster.spec import RosterSpec

# weekday under-cover weight in the first phase, as a share of its weight. Instance19, whole hybrid
# runs of 60 s with a first phase of 30 s: 0.2 gave a mean of 3803 over 11 runs of seeds 0-4
# (unshaped: 4035 over the same seeds); 0.1 gave 3944, 3723 and 3810 on seeds 0-2
WEEKDAY_SHARE = 0.2
# first phase: the weight of each weekend worked on one day only (``units.CompleteWeekends``). With
# everybody at their maximum weekends each such weekend is one more short weekend shift, but the
# shaped objective alone does not see it. Instance19, whole runs of 60 s, seeds 0-7: mean 3612 at
# 200 (6 of 8 seeds better), 3646 at 100, 3738 without; 400 gave 3666 on seeds 0-3 (200: 3562)
PART_WEEKEND = 200


def capacity(spec: RosterSpec) -> int:
    """The most weekend shifts the people can work: each person's best ``max_weekends`` weekends,
    counting only the days on which they may work some shift."""
    total = 0
    for p in range(spec.n_people):
        days = [sum(any(spec.allowed(p, d, s) for s in range(spec.n_shifts)) for d in w) for w in spec.weekends]
        total += sum(sorted(days, reverse=True)[: spec.max_weekends[p]])
    return total


def short(spec: RosterSpec) -> bool:
    """Whether the weekend cover asks for more shifts than the people can work on weekends."""
    days = {d for w in spec.weekends for d in w}
    need = sum(c.requirement for c in spec.cover if c.day in days)
    return bool(spec.weekends) and need > capacity(spec)


def shaped(spec: RosterSpec, share: float | None = None) -> RosterSpec:
    """``spec`` with each weekday cover need's under-cover weight cut to ``share`` of it (at least 1;
    default ``WEEKDAY_SHARE``) and each weekend worked on one day only costing ``PART_WEEKEND``."""
    share = WEEKDAY_SHARE if share is None else share
    days = {d for w in spec.weekends for d in w}
    cover = [c if c.day in days else replace(c, weight_under=max(1, round(share * c.weight_under))) for c in spec.cover]
    return replace(spec, cover=cover, incomplete_weekend_weight=PART_WEEKEND)
