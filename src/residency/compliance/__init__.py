"""ACGME compliance engine: duty periods -> explained findings. Pure: no I/O, no database.

from residency.compliance import EngineConfig, evaluate
report = evaluate(periods, EngineConfig(mode="rolling"), start, end)
report.to_dict()        # {"summary": ..., "findings": [...]}
"""

from residency.compliance.config import EngineConfig
from residency.compliance.engine import check, evaluate, evaluate_person, prepare, re_evaluate_person
from residency.compliance.findings import Finding, Report, ReportDiff, Severity, Status, diff
from residency.compliance.packs import Limits, Overlay, PackSet, exception_88
from residency.compliance.rules import RULES
from residency.compliance.windows import Mode

__all__ = [
    "RULES",
    "EngineConfig",
    "Finding",
    "Limits",
    "Mode",
    "Overlay",
    "PackSet",
    "Report",
    "ReportDiff",
    "Severity",
    "Status",
    "check",
    "diff",
    "evaluate",
    "evaluate_person",
    "exception_88",
    "prepare",
    "re_evaluate_person",
]
