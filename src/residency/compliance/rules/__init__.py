"""The rule catalogue: importing this package registers every rule in ``RULES`` by its ID."""

from residency.compliance.rules import (  # noqa: F401  (imported to register the rules)
    call,
    data,
    days_off,
    hours,
    length,
    moonlighting,
    rest,
    supervision,
)
from residency.compliance.rules.base import RULES, PersonContext, Rule, WindowInput

__all__ = ["RULES", "PersonContext", "Rule", "WindowInput"]
