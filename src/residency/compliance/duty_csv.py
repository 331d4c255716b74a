"""The duty-period CSV: pure parsing and writing of text (no file system here).

Header: ``person_id,person_name,pgy,rotation,start,end,kind,activity,flags`` plus, optionally,
``supervision,supervisor_id,supervisor_privileged,procedure``. start/end are ISO-8601 with a UTC
offset; flags is a ``|``-separated subset of {j1, moonlighting_approved}.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from residency.domain.duty import DutyKind, DutyPeriod, DutyPeriodError, PersonFlag, SupervisionLevel

COLUMNS = ("person_id", "person_name", "pgy", "rotation", "start", "end", "kind", "activity", "flags")
OPTIONAL = ("supervision", "supervisor_id", "supervisor_privileged", "procedure")
_FLAGS = {f.value for f in PersonFlag}
_KINDS = {k.value for k in DutyKind}
_LEVELS = {s.value for s in SupervisionLevel}


class DutyCsvError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _instant(text: str, column: str, line: int) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DutyCsvError(line, f"{column} {text!r} is not an ISO-8601 date-time") from None
    if dt.tzinfo is None:
        raise DutyCsvError(line, f"{column} {text!r} has no UTC offset (e.g. 2026-07-01T07:00:00-04:00)")
    return dt


def _bool(text: str, line: int) -> bool | None:
    t = text.strip().lower()
    if not t:
        return None
    if t in ("1", "true", "yes", "y"):
        return True
    if t in ("0", "false", "no", "n"):
        return False
    raise DutyCsvError(line, f"supervisor_privileged {text!r} is not true/false")


def parse_row(row: dict[str, str], line: int) -> DutyPeriod:
    pid = (row.get("person_id") or "").strip()
    if not pid:
        raise DutyCsvError(line, "person_id is empty")
    kind = (row.get("kind") or "").strip()
    if kind not in _KINDS:
        raise DutyCsvError(line, f"kind {kind!r} is not one of {', '.join(sorted(_KINDS))}")
    pgy_text = (row.get("pgy") or "").strip()
    try:
        pgy = int(pgy_text) if pgy_text else None
    except ValueError:
        raise DutyCsvError(line, f"pgy {pgy_text!r} is not a whole number") from None
    flags = frozenset(f.strip() for f in (row.get("flags") or "").split("|") if f.strip())
    unknown = flags - _FLAGS
    if unknown:
        raise DutyCsvError(line, f"unknown flag(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_FLAGS))}")
    level_text = (row.get("supervision") or "").strip()
    if level_text and level_text not in _LEVELS:
        raise DutyCsvError(line, f"supervision {level_text!r} is not one of {', '.join(sorted(_LEVELS))}")
    start = _instant(row.get("start") or "", "start", line)
    end = _instant(row.get("end") or "", "end", line)
    try:
        return DutyPeriod(
            person_id=pid,
            person_name=(row.get("person_name") or "").strip(),
            pgy=pgy,
            rotation=(row.get("rotation") or "").strip(),
            start=start,
            end=end,
            kind=DutyKind(kind),
            activity=(row.get("activity") or "").strip(),
            flags=flags,
            supervision=SupervisionLevel(level_text) if level_text else None,
            supervisor_id=(row.get("supervisor_id") or "").strip() or None,
            supervisor_privileged=_bool(row.get("supervisor_privileged") or "", line),
            procedure=(row.get("procedure") or "").strip() or None,
        )
    except DutyPeriodError as exc:
        raise DutyCsvError(line, str(exc)) from None


def read_duty_csv(text: str) -> list[DutyPeriod]:
    """Parse the CSV text; the first bad row raises DutyCsvError naming its line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DutyCsvError(1, f"header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    extra = [c for c in header if c not in COLUMNS and c not in OPTIONAL]
    if extra:
        raise DutyCsvError(1, f"unknown column(s) {', '.join(extra)}")
    reader.fieldnames = header
    periods = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise DutyCsvError(line, "more fields than the header has")
        if all(not (v or "").strip() for v in row.values()):
            continue
        periods.append(parse_row(row, line))
    return periods


def write_duty_csv(periods: Iterable[DutyPeriod], supervision: bool | None = None) -> str:
    periods = list(periods)
    if supervision is None:
        supervision = any(p.supervision or p.supervisor_id or p.procedure for p in periods)
    cols = COLUMNS + (OPTIONAL if supervision else ())
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for p in periods:
        row = [
            p.person_id,
            p.person_name,
            "" if p.pgy is None else str(p.pgy),
            p.rotation,
            p.start.isoformat(),
            p.end.isoformat(),
            p.kind.value,
            p.activity,
            "|".join(sorted(p.flags)),
        ]
        if supervision:
            priv = "" if p.supervisor_privileged is None else str(p.supervisor_privileged).lower()
            row += [p.supervision.value if p.supervision else "", p.supervisor_id or "", priv, p.procedure or ""]
        w.writerow(row)
    return out.getvalue()
