"""Cell text helpers: blanks, non-breaking spaces, cell references, names and keys."""

from __future__ import annotations

import re
from datetime import date, datetime

from openpyxl.utils import get_column_letter

_SPACES = re.compile(r"\s+")


def text(value: object) -> str:
    """A cell's text with non-breaking spaces and runs of blanks folded to one space ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value).replace("\xa0", " ").replace("\u200b", "")).strip()


def is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ == "ArrayFormula"


def ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def name_key(value: str) -> str:
    """Comparison form of a person's name: case, blanks and punctuation ignored."""
    return re.sub(r"[^a-z0-9]+", " ", value.lower()).strip()
