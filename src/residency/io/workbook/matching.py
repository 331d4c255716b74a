"""Fuzzy matching of the names people type to known rotations and half-day codes (stdlib difflib only).

Rotation names are normalised first ("L and D at TAMC", "TAMC L/D" and "L&D" all contain the token
``ld``; "Peds", "Pediatric" -> ``ped``; "Cardio", "Cards" -> ``card``; version stamps such as
"7/20", "*12/15" or "(ver Aug23)" are dropped), then compared with every name a rotation is known
by: its abbreviation, its name, the template titles it came from and the aliases below.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

# Spelling variants seen in programs' workbooks, by the sample catalogue's abbreviations.
ROTATION_ALIASES: dict[str, tuple[str, ...]] = {
    "FMO": ("fm orientation", "orientation", "fmo"),
    "FMC1": ("fmc", "clinic", "family medicine clinic", "fmc intern"),
    "FMC": ("fmc", "clinic", "family medicine clinic", "fmc elective"),
    "FMIT1": ("fmit 1", "fmit1", "fmit"),
    "FMIT2": ("fmit 2", "fmit2", "fmit 2a", "fmit pgy 3", "fmit r2 role", "fmit"),
    "ICU": ("icu", "intensive care", "intensive care unit"),
    "KAP": ("kapiolani ld", "kap ld", "kap"),
    "LND": ("ld at tamc", "tamc ld", "ld", "ld 1", "labor and delivery"),
    "IMW": ("im", "imw", "medicine ward", "internal medicine ward", "im ward"),
    "MSK": ("msk select", "msk", "msk selective"),
    "NBN": ("nbn", "newborn nursery"),
    "PEDC": ("ped clinic", "pedc"),
    "PEDW": ("ped ward", "pedw", "ped ward day"),
    "PNF": ("ped nf", "ped night float", "ped ward night"),
    "CARD": ("card", "cardiology"),
    "EM": ("em", "er", "emergency", "emergency room", "emergency medicine", "emergency room r2"),
    "GYN": ("gyn", "gyn clinic", "gynecology"),
    "LDNF": ("ld night float", "ld nf", "ld pit boss nights", "ld nights"),
    "PEDSP": ("ped subspecialty", "ped spc", "pedsp", "ped subspecialty clinic"),
    "PROC": ("procedures", "proc", "procedure"),
    "SM": ("sm", "sports medicine", "sports med", "sports medicine r2"),
    "SURG": ("surg experience", "surg exp", "surgery experience", "surg"),
    "GER": ("geriatrics", "geriatric", "ger"),
    "MEDSEL": ("select med", "med select", "medicine selective", "medsel"),
    "NF": ("nf", "night float"),
    "NICU": ("nicu", "neonatal intensive care"),
    "PEDER": ("ped em", "ped er", "peder"),
    "HILO": ("hilo", "icu hilo"),
    "PSY": ("psy", "psychiatry"),
    "DERM": ("derm", "dermatology"),
    "ELEC": ("elective", "elective one", "elective two", "elective 1", "elective 2", "ele", "elect"),
}

_TOKEN_SYNONYMS = {
    "peds": "ped",
    "pediatric": "ped",
    "pediatrics": "ped",
    "paeds": "ped",
    "cardio": "card",
    "cards": "card",
    "cardiology": "card",
    "sel": "select",
    "selective": "select",
    "elec": "elective",
    "eletive": "elective",
    "electives": "elective",
    "exp": "experience",
    "surger": "surg",
    "surgical": "surg",
    "surgery": "surg",
    "psych": "psy",
    "psychiatry": "psy",
    "geriatric": "geriatrics",
    "dermatology": "derm",
    "lnd": "ld",
    "one": "1",
    "two": "2",
    "subspeciatly": "subspecialty",
    "subspecialities": "subspecialty",
}


def normalise(name: str) -> str:
    """Comparison form of a rotation name."""
    s = name.lower().replace("\xa0", " ")
    s = re.sub(r"\(ver [^)]*\)", " ", s)
    s = re.sub(r"\*?\s*\b\d{1,2}/\d{1,2}(/\d{2,4})?\b", " ", s)  # version stamps 7/20, *12/15
    s = re.sub(r"\*", " ", s)
    s = re.sub(r"\bl\s*(and|&|/|\+)\s*d\b", " ld ", s)
    s = s.replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    tokens = [_TOKEN_SYNONYMS.get(t, t) for t in s.split()]
    tokens = [t for t in tokens if t not in ("at", "the", "and", "of", "role")]
    return " ".join(tokens)


def strip_qualifier(name: str) -> tuple[str, str]:
    """("Elective (Rheum)") -> ("Elective", "Rheum"): a parenthesised qualifier is kept aside."""
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if m and m.group(1).strip():
        return m.group(1).strip(), m.group(2).strip()
    return name, ""


@dataclass
class Candidate:
    key: str  # rotation abbreviation
    names: set[str] = field(default_factory=set)  # normalised
    eligible_pgy: tuple[int, ...] = ()


@dataclass(frozen=True)
class Match:
    status: str  # matched | ambiguous | not_understood
    key: str | None
    score: float
    alternatives: tuple[str, ...] = ()


class RotationMatcher:
    def __init__(self) -> None:
        self.candidates: dict[str, Candidate] = {}

    def add(self, key: str, *names: str, eligible_pgy: tuple[int, ...] = ()) -> None:
        cand = self.candidates.setdefault(key, Candidate(key))
        if eligible_pgy:
            cand.eligible_pgy = eligible_pgy
        cand.names.add(normalise(key))
        for n in names:
            if n:
                cand.names.add(normalise(n))
        for alias in ROTATION_ALIASES.get(key, ()):
            cand.names.add(normalise(alias))
        cand.names.discard("")

    def score(self, norm: str, cand: Candidate) -> float:
        best = 0.0
        tokens = set(norm.split())
        for n in cand.names:
            if norm == n:
                return 1.0
            ratio = difflib.SequenceMatcher(None, norm, n).ratio()
            ntok = set(n.split())
            if ntok and ntok <= tokens:  # every word of the known name is in the typed one
                ratio = max(ratio, 0.78 + 0.2 * len(ntok) / max(len(tokens), 1))
            elif tokens <= ntok and all(len(t) >= 4 for t in tokens):  # "Japan" for "Okinawa, Japan"
                ratio = max(ratio, 0.75 + 0.2 * len(tokens) / len(ntok))
            best = max(best, ratio)
        return best

    def match(self, name: str, pgy: int | None = None) -> Match:
        base, _qualifier = strip_qualifier(name)
        norm, full = normalise(base), normalise(name)
        if not norm:
            return Match("not_understood", None, 0.0)
        exact = [c for c in self.candidates.values() if full in c.names or norm in c.names]
        if pgy is not None and len(exact) > 1:
            exact = [c for c in exact if not c.eligible_pgy or pgy in c.eligible_pgy] or exact
        if full != norm:
            exact = [c for c in exact if full in c.names] or exact
        if len(exact) == 1:
            return Match("matched", exact[0].key, 1.0)
        scored = []
        for cand in self.candidates.values():
            s = max(self.score(norm, cand), self.score(full, cand))
            if pgy is not None and cand.eligible_pgy and pgy in cand.eligible_pgy:
                s += 0.03
            elif pgy is not None and cand.eligible_pgy:
                s -= 0.03
            scored.append((s, cand.key))
        if not scored:
            return Match("not_understood", None, 0.0)
        scored.sort(key=lambda x: (-x[0], x[1]))
        best, key = scored[0]
        close = tuple(k for s, k in scored[1:4] if s >= best - 0.04 and s >= 0.6)
        if best >= 0.84 and not close:
            return Match("matched", key, round(best, 3))
        if best >= 0.6:
            return Match("ambiguous", key, round(best, 3), close)
        return Match("not_understood", None, round(best, 3), tuple(k for _, k in scored[:3]))


# Half-day codes: spelling variants -> catalogue code (as in scripts/extract_templates.py).
CODE_ALIASES = {
    "uro": "URO",
    "optho": "OPH",
    "ophtho": "OPH",
    "ophth": "OPH",
    "derm": "DERM",
    "p er": "PER",
    "peds er": "PER",
    "pedser": "PER",
    "ped er": "PER",
    "rad": "RAD",
    "rad/sm": "RAD",
    "elec": "ELEC",
    "cast/sm": "CAST",
    "cast": "CAST",
    "card": "CARD",
    "orient": "ORIENT",
    "coding": "CODING",
    "multid": "MULTID",
    "c40/omt": "C40",
    "c/omt": "C",
    "vasc": "VasC",
}


def match_code(raw: str, known: dict[str, str]) -> tuple[str, str]:
    """(status, code) for a half-day cell. ``known`` maps lower-case code -> code."""
    if raw in known.values():
        return "matched", raw
    low = raw.lower()
    if low in CODE_ALIASES and CODE_ALIASES[low].lower() in known:
        return "matched", known[CODE_ALIASES[low].lower()]
    if low in known:
        return "matched", known[low]
    if len(raw) > 16 or len(raw.split()) > 2:
        return "not_understood", raw
    return "created", raw
