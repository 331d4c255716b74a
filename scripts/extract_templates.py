"""Extract the rotation templates used by the sample programs from the shared workbook.

Run once, by hand, when the selection below changes::

    .venv/bin/python scripts/extract_templates.py [/work/shared/data/program-workbook-ay25-26.xlsx]

It writes ``src/residency/sample/data/templates.json``, which ships inside the package, so the
sample generator never reads the workbook at run time.

What it does to the workbook's cells:
- strips non-breaking spaces and surrounding blanks, and maps spelling variants to one code
  (``Uro`` -> ``URO``, ``Optho``/``Ophtho`` -> ``OPH``, ``Derm`` -> ``DERM``, ``P ER`` -> ``PER``,
  ``Rad/SM`` -> ``RAD``, ``Cast/SM`` -> ``CAST``, ``Card`` -> ``CARD``; see ``ALIASES``);
- keeps the workbook's anchoring: cell 0 is the AM of the block's first day, a Thursday in the
  workbook (``anchor_weekday`` = 3 in the output);
- for a template that is two 2-week halves (e.g. "Night Float / Cards"), ``part`` picks one half and
  repeats it to fill the 4-week pattern;
- ``rename`` renames a code inside one template only: the night versions of a day service get a
  night code (``PedW`` -> ``PedNF`` on the Peds Ward night schedule, ``L&D`` -> ``LDNF`` on L&D nights)
  so the activity catalogue can give them night hours.
Every selected row is checked against its expected title, so an edited workbook fails loudly.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import openpyxl

WORKBOOK = Path("/work/shared/data/program-workbook-ay25-26.xlsx")
OUT = Path(__file__).resolve().parents[1] / "src/residency/sample/data/templates.json"
SHEET = "Templates"
FIRST_COL, CELLS = 2, 56  # column B .. BE: 4 weeks x 7 days x AM/PM, starting on a Thursday
ANCHOR_WEEKDAY = 3  # Thursday

ALIASES = {
    "uro": "URO",
    "optho": "OPH",
    "ophtho": "OPH",
    "derm": "DERM",
    "p er": "PER",
    "peds er": "PER",
    "pedser": "PER",
    "rad": "RAD",
    "rad/sm": "RAD",
    "elec": "ELEC",
    "cast/sm": "CAST",
    "cast": "CAST",
    "card": "CARD",
    "couns": "COUNS",
    "orient": "ORIENT",
    "coding": "CODING",
    "multid": "MULTID",
    "c40/omt": "C40",
    "c/omt": "C",
}

# abbreviation, row, expected title (after normalising blanks), part, renames, display name
SELECTION: list[tuple[str, int, str, str, dict[str, str], str]] = [
    # PGY 1 group
    ("FMO", 40, "FM Orientation", "whole", {}, "Family Medicine Orientation"),
    ("FMC1", 35, "FMC for Block 1-6 (ver Aug23)", "whole", {}, "Family Medicine Clinic (intern)"),
    ("FMIT1", 37, "FMIT 1", "whole", {}, "Family Medicine Inpatient Teaching (intern)"),
    ("ICU", 41, "ICU 1/20", "whole", {}, "Intensive Care Unit"),
    ("KAP", 42, "KAP L&D", "whole", {}, "Labor and Delivery (Kapiolani)"),
    ("LND", 43, "L&D 1 7/16", "whole", {}, "Labor and Delivery"),
    ("IMW", 44, "Medicine Ward", "whole", {}, "Internal Medicine Ward"),
    ("MSK", 45, "MSK Select", "whole", {}, "Musculoskeletal Selective"),
    ("NBN", 46, "Newborn Nursery 8/12", "whole", {}, "Newborn Nursery"),
    ("PEDC", 47, "Peds Clinic (PedC)", "whole", {}, "Pediatrics Clinic"),
    ("PEDW", 48, "Peds Ward (PedW) - Day schedule", "whole", {}, "Pediatrics Ward (days)"),
    ("PNF", 49, "Peds Ward (PedW) - Night Schedule", "whole", {"PedW": "PedNF"}, "Pediatrics Ward (nights)"),
    # PGY 2 group
    ("FMIT2", 22, "FMIT 2A*12/15", "whole", {}, "Family Medicine Inpatient Teaching (senior)"),
    ("FMC", 21, "FMC*10/18", "whole", {}, "Family Medicine Clinic (senior)"),
    ("CARD", 18, "Cardiology 08/22", "whole", {}, "Cardiology"),
    ("EM", 20, "Emergency Room R2 7/20", "whole", {}, "Emergency Medicine"),
    ("GYN", 23, "GYN*3/21", "whole", {}, "Gynecology Clinic"),
    ("LDNF", 24, "L&D Pit-Boss Nights*06/16", "whole", {"L&D": "LDNF"}, "Labor and Delivery Night Float"),
    ("PEDSP", 25, "Peds-SPC*4/21", "whole", {}, "Pediatric Subspecialty"),
    ("PROC", 26, "Procedures 4/21", "whole", {}, "Procedures"),
    ("SM", 27, "Sports Medicine R2 4/21", "whole", {}, "Sports Medicine"),
    ("SURG", 28, "Surg Exp 7/24", "whole", {}, "Surgical Experience"),
    # PGY 3 group
    ("GER", 4, "Geriatrics 7/20", "whole", {}, "Geriatrics"),
    ("MEDSEL", 7, "Med Select", "whole", {}, "Medicine Selective"),
    ("NF", 8, "Night Float * / Cards 7/26", "first_half", {}, "Night Float"),
    ("NICU", 9, "NICU/NF 7/26", "first_half", {}, "Neonatal Intensive Care"),
    ("PEDER", 10, "Peds ER 7/20", "whole", {}, "Pediatric Emergency Room"),
    ("HILO", 11, "ICU (Hilo)", "whole", {}, "ICU at Hilo (TDY)"),
    ("PSY", 12, "Psychiatry*9/24", "whole", {}, "Psychiatry"),
    ("DERM", 13, "Derm (2 weeks)", "first_half", {}, "Dermatology"),
    # elective examples
    ("ELEC", 66, "Elective, Generic 1", "whole", {}, "Elective"),
]


def norm_text(value: object) -> str:
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip()


def norm_code(value: object) -> str:
    text = norm_text(value)
    return ALIASES.get(text.lower(), text)


def group_of(ws, row: int) -> tuple[str, tuple[int, ...]]:
    """The heading above ``row``: 'PGY n Rotations' -> (n,), anything else -> ()."""
    for r in range(row, 0, -1):
        title = norm_text(ws.cell(r, 1).value or "")
        m = re.match(r"PGY (\d) Rotations", title)
        if m:
            return title.rstrip("*"), (int(m.group(1)),)
        if title in ("Elective Opportunity Examples", "ARCHIVED ROTATIONS"):
            return title, ()
    return "", ()


def extract(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[SHEET]
    templates = []
    for abbr, row, title, part, rename, name in SELECTION:
        found = norm_text(ws.cell(row, 1).value or "")
        if found != title:
            raise SystemExit(f"{SHEET}!A{row}: expected {title!r}, found {found!r}")
        cells = [ws.cell(row, FIRST_COL + i).value for i in range(CELLS)]
        if part != "whole":
            half = cells[:28] if part == "first_half" else cells[28:]
            cells = half + half
        if any(c is None or not norm_text(c) for c in cells):
            raise SystemExit(f"{SHEET}!{row} ({title}): empty cell in the selected part")
        codes = [norm_code(c) for c in cells]
        codes = [rename.get(c, c) for c in codes]
        group, group_pgy = group_of(ws, row)
        templates.append(
            {
                "abbreviation": abbr,
                "name": name,
                "source_row": row,
                "source_title": title,
                "group": group,
                "group_pgy": list(group_pgy),
                "part": part,
                "renamed": rename,
                "weeks": [codes[w * 14 : (w + 1) * 14] for w in range(4)],
            }
        )
    return {
        "source": f"{path.name} / {SHEET}",
        "anchor_weekday": ANCHOR_WEEKDAY,
        "layout": "weeks[w] = 7 days x (AM, PM) from the block's first day",
        "templates": templates,
    }


def dump(data: dict) -> str:
    """JSON with one line per pattern week, so diffs stay readable."""
    lines = ["{"]
    for key in ("source", "anchor_weekday", "layout"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(data[key])},")
    lines.append('  "templates": [')
    for i, t in enumerate(data["templates"]):
        lines.append("    {")
        for key in ("abbreviation", "name", "source_row", "source_title", "group", "group_pgy", "part", "renamed"):
            lines.append(f"      {json.dumps(key)}: {json.dumps(t[key])},")
        weeks = ",\n".join(f"        {json.dumps(w)}" for w in t["weeks"])
        lines.append(f'      "weeks": [\n{weeks}\n      ]')
        lines.append("    }" + ("," if i < len(data["templates"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else WORKBOOK
    data = extract(path)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(dump(data), encoding="utf-8")
    json.loads(OUT.read_text(encoding="utf-8"))
    print(f"wrote {len(data['templates'])} templates to {OUT}")


if __name__ == "__main__":
    main()
