"""Dates as people type them in a workbook: block headers ("31 July - 27 Aug", "18 Dec 2025 to 14 Jan")
and free-text leave notes ("Sep 20 -26", "LV: Jul 9-11", "25NOV, 2,6,9DEC", "7/24-8/6", "TDY13-16").

``parse_note`` returns date ranges resolved into one academic year, with a verdict:
- ``ok``: every part was read;
- ``doubtful``: read, but the writer was unsure ("???") or a month/year had to be guessed;
- ``unreadable``: words that are not dates ("Leave: Last week of the rotation", "J", "Mar").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_KIND_WORDS = {"lv": "vacation", "leave": "vacation", "vacation": "vacation", "tdy": "tdy", "conf": "conference"}
_FILLER = {"to", "and", "of", "th", "st", "nd", "rd"}
_TOKEN = re.compile(r"\d{1,2}/\d{1,2}|\d+|[a-z]+|[-,&?]")
MAX_DAYS = 120  # a longer "leave" is more likely a misread than a real absence


def month_of(word: str) -> int | None:
    """1-12 for a month name, abbreviation ("Sept", "Febr") or near miss ("Arpil"); else None."""
    w = word.lower()
    if len(w) >= 3:
        for i, name in enumerate(MONTHS):
            if name.startswith(w):
                return i + 1
    if len(w) >= 4:
        close = difflib.get_close_matches(w, MONTHS, n=1, cutoff=0.75)
        if close:
            return MONTHS.index(close[0]) + 1
    return None


@dataclass
class _Point:
    month: int | None
    day: int
    year: int | None = None
    day_first: bool = False


@dataclass
class NoteResult:
    ranges: list[tuple[date, date]] = field(default_factory=list)
    verdict: str = "unreadable"  # ok | doubtful | unreadable
    kind: str = "vacation"
    reasons: list[str] = field(default_factory=list)


def _tokens(raw: str) -> list[str]:
    s = raw.lower().replace("\xa0", " ").replace("–", "-").replace("—", "-")
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s = re.sub(r"\bto\b", "-", s)
    s = re.sub(r"\s{3,}", " , ", s)  # columns of notes typed with runs of blanks
    return _TOKEN.findall(s)


def parse_note(value: object, year_start: date, year_end: date, context: tuple[date, date] | None = None) -> NoteResult:
    """Read a leave note into date ranges inside (or touching) the academic year."""
    out = NoteResult()
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        day = _into_year(day.month, day.day, year_start, None)
        out.ranges, out.verdict = [(day, day)], "ok"
        return out
    if isinstance(value, int | float):
        out.reasons.append("a bare number is not a date")
        return out
    raw = str(value or "")
    toks = _tokens(raw)
    doubtful = "?" in raw
    points: list[_Point | str] = []  # points and "-" / "," separators
    i = 0
    unknown: list[str] = []
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if t in ("?",):
            i += 1
            continue
        if t in (",", "&"):
            points.append(",")
            i += 1
            continue
        if t == "-":
            points.append("-")
            i += 1
            continue
        if "/" in t:
            m, d = (int(x) for x in t.split("/"))
            points.append(_Point(m, d) if 1 <= m <= 12 else _Point(None, d))
            i += 1
            continue
        if t.isdigit():
            n = int(t)
            if len(t) == 4 and points and isinstance(points[-1], _Point):
                points[-1].year = n
                i += 1
                continue
            if nxt.isalpha() and month_of(nxt):
                p = _Point(month_of(nxt), n, day_first=True)
                i += 2
                if i < len(toks) and toks[i].isdigit() and len(toks[i]) == 4:
                    p.year = int(toks[i])
                    i += 1
                points.append(p)
                continue
            points.append(_Point(None, n))
            i += 1
            continue
        if t.isalpha():
            if t in _KIND_WORDS:
                out.kind = _KIND_WORDS[t]
                i += 1
                continue
            if t == "and":
                points.append(",")
                i += 1
                continue
            if t in _FILLER:
                i += 1
                continue
            m = month_of(t)
            if m is not None:
                if nxt.isdigit() and len(nxt) <= 2:
                    p = _Point(m, int(nxt))
                    i += 2
                    if i < len(toks) and toks[i].isdigit() and len(toks[i]) == 4:
                        p.year = int(toks[i])
                        i += 1
                    points.append(p)
                    continue
                # a month followed by its own name again ("July July 6-12") or by nothing
                if nxt.isalpha() and month_of(nxt) == m:
                    i += 1
                    continue
                unknown.append(t)
                i += 1
                continue
            unknown.append(t)
            i += 1
            continue
        i += 1
    if unknown:
        out.reasons.append("words that are not dates: " + ", ".join(unknown))
        return out
    pts = [p for p in points if isinstance(p, _Point)]
    if not pts:
        out.reasons.append("no date found")
        return out
    _fill_months(points, context, out)
    if any(p.month is None for p in pts):
        out.reasons.append("a day without a month")
        return out
    # group into single days and ranges
    ranges: list[tuple[_Point, _Point]] = []
    j = 0
    seq = [p for p in points if p != ","]
    while j < len(seq):
        p = seq[j]
        if p == "-":
            j += 1
            continue
        if j + 2 < len(seq) and seq[j + 1] == "-" and isinstance(seq[j + 2], _Point):
            ranges.append((p, seq[j + 2]))
            j += 3
        else:
            ranges.append((p, p))
            j += 1
    resolved: list[tuple[date, date]] = []
    for a, b in ranges:
        try:
            start = _into_year(a.month, a.day, year_start, a.year)
            end = _into_year(b.month, b.day, year_start, b.year or a.year)
        except ValueError:
            out.reasons.append(f"no such day: {a.month}/{a.day} or {b.month}/{b.day}")
            return out
        if end < start:
            end = date(end.year + 1, end.month, end.day) if (start - end).days > 200 else end
        if end < start:
            out.reasons.append("a range that ends before it starts")
            return out
        if (end - start).days + 1 > MAX_DAYS:
            out.reasons.append(f"a range of {(end - start).days + 1} days")
            return out
        if start > year_end or end < year_start:
            out.reasons.append("outside the academic year")
            doubtful = True
            continue
        if start < year_start or end > year_end:
            out.reasons.append("clamped to the academic year")
            doubtful = True
            start, end = max(start, year_start), min(end, year_end)
        resolved.append((start, end))
    if not resolved:
        return out
    out.ranges = _merge(resolved)
    out.verdict = "doubtful" if doubtful else "ok"
    if "?" in raw:
        out.reasons.insert(0, "the note has question marks")
    return out


def _fill_months(points: list, context: tuple[date, date] | None, out: NoteResult) -> None:
    """Bare days take a month: from the next day-first point ("2,6,9DEC"), else the previous one,
    else the end of their range, else the block the note sits under."""
    pts = [p for p in points if isinstance(p, _Point)]
    day_first = any(p.day_first for p in pts)
    for k, p in enumerate(points):
        if not isinstance(p, _Point) or p.month is not None:
            continue
        after = next((q for q in points[k + 1 :] if isinstance(q, _Point) and q.month is not None), None)
        before = next((q for q in reversed(points[:k]) if isinstance(q, _Point) and q.month is not None), None)
        range_end = points[k + 2] if k + 2 < len(points) and points[k + 1] == "-" else None
        if day_first and after is not None:
            p.month = after.month
        elif before is not None:
            p.month = before.month
        elif isinstance(range_end, _Point) and range_end.month is not None:
            p.month = range_end.month
        elif after is not None:
            p.month = after.month
        elif context is not None:
            p.month = _month_in(context, p.day)
            if p.month is not None:
                out.reasons.append("month taken from the block the note is under")


def _month_in(context: tuple[date, date], day: int) -> int | None:
    start, end = context
    d = start - timedelta(days=7)
    while d <= end + timedelta(days=7):
        if d.day == day:
            return d.month
        d += timedelta(days=1)
    return None


def _into_year(month: int, day: int, year_start: date, year: int | None) -> date:
    if year is None:
        year = year_start.year if month >= year_start.month else year_start.year + 1
    return date(year, month, day)


def _merge(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    ranges = sorted(ranges)
    out = [ranges[0]]
    for s, e in ranges[1:]:
        ls, le = out[-1]
        if s <= le + timedelta(days=1):
            out[-1] = (ls, max(le, e))
        else:
            out.append((s, e))
    return out


def parse_span(value: object, year_start_guess: date) -> tuple[date, date] | None:
    """A block header's "start - end" text; None when it is not one range."""
    res = parse_note(value, year_start_guess, date(year_start_guess.year + 1, year_start_guess.month, 1))
    if res.verdict == "unreadable" or len(res.ranges) != 1:
        return None
    return res.ranges[0]


def explicit_year(value: object) -> tuple[int, int] | None:
    """(month, year) of the first "<month> <yyyy>" or "<dd> <month> <yyyy>" in a text."""
    m = re.search(r"([A-Za-z]{3,})\.?\s*(\d{4})", str(value or ""))
    if m and month_of(m.group(1)):
        return month_of(m.group(1)), int(m.group(2))
    return None
