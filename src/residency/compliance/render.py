"""Plain-text rendering of a report (a table a GME coordinator can read in a terminal or an email)."""

from __future__ import annotations

from datetime import datetime

from residency.compliance.findings import Finding, Report


def _when(v) -> str:
    return f"{v:%Y-%m-%d %H:%M}" if isinstance(v, datetime) else v.isoformat()


def render_findings(findings: list[Finding], width: int = 100) -> str:
    if not findings:
        return "no findings"
    rows = [("RULE", "SEVERITY", "PERSON", "FROM", "TO", "TAGS", "EXPLANATION")]
    for f in findings:
        tags = ",".join(t for t in (f.status.value if f.status.value != "FAIL" else "", *f.tags) if t)
        rows.append((f.rule, f.severity.value, f.person_id, _when(f.start), _when(f.end), tags, f.message))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for r in rows:
        head = "  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:6]))
        lines.append(f"{head}  {r[6]}")
    return "\n".join(lines)


def render_report(report: Report) -> str:
    s = report.summary()
    sev = s["by_severity"]
    head = (
        f"Compliance report ({s['mode']} averaging) {s['start']}..{s['end']}: {s['people']} people, "
        f"{sev.get('violation', 0)} violation(s), {sev.get('warning', 0)} warning(s), {sev.get('info', 0)} note(s)"
    )
    by_rule = ", ".join(
        f"{rule} " + "/".join(f"{n} {k}" for k, n in sorted(c.items())) for rule, c in s["by_rule"].items()
    )
    parts = [head]
    if by_rule:
        parts.append(f"By rule: {by_rule}")
    parts += ["", render_findings(report.findings)]
    return "\n".join(parts)
