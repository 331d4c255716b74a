"""A generic person x day x shift-type rostering model built from named constraint units.

``spec.RosterSpec`` describes a rostering problem (shift types with lengths and forbidden
successions, per-person limits, fixed days off, weighted requests and cover); ``units`` holds the
constraint units (each with ``encode`` and ``measure``, like ``scheduling.catalogue``); ``model``
builds the CP-SAT model from them; ``greedy`` is a constructive start; ``scheduling.lns`` is the
large-neighbourhood search driver shared with the product's ``hybrid`` algorithm; ``solve`` runs an
algorithm (greedy | cpsat | hybrid | lp) on a spec; ``repair`` finds the closest feasible roster to
a given one after a change.
"""
