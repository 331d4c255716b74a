"""The half-day code catalogue of the sample programs.

Codes are those seen in the shared workbook (the rotation templates we ship and the "Block 9"
sheet) plus a few the domain needs (CONF, CALL). Meanings of some workbook codes are not written
down anywhere; those names say so rather than guess.

Hours. An ``Activity`` has one AM and one PM interval, each on the calendar day of the cell; an end
at or before the start means midnight or later on the next day (the ``CallPool`` convention).
- clinic and most outpatient work: 08:00-12:00 and 13:00-17:00;
- inpatient services (FMIT, IMW, NBN, KAP, L&D, PedW, NICU, STRAUB): 07:00-12:00 and 12:00-18:00;
  ICU 06:00-12:00 / 12:00-18:00; emergency shifts (ER, PER) 07:00-12:00 / 12:00-19:00;
- night codes (NF, PedNF, LDNF) cannot be one 19:00 -> 07:00 pair per half-day, so each NF cell of
  a day holds that day's share of the night: AM 00:00-07:00 (tail of the night that began the evening
  before) and PM 19:00-00:00 (start of tonight's shift). A run of NF days therefore adds up to
  12 h per night; the first night's AM and the last night's tail (which the workbook codes PC/OFF)
  are the only approximation. CALL uses the same split with a 17:00 start.
"""

from __future__ import annotations

from datetime import time

from residency.domain.program import Activity, ActivityCategory

Cat = ActivityCategory

COLOURS = {
    Cat.CLINICAL: "#cfe2f3",
    Cat.EDUCATION: "#d9ead3",
    Cat.ADMIN: "#fff2cc",
    Cat.OFF: "#eeeeee",
    Cat.LEAVE: "#f4cccc",
    Cat.CALL: "#d9d2e9",
}

CLINIC_LOAD = {"pgy1": 0.5, "senior": 0.25}
PROCEDURE_LOAD = {"pgy1": 1.0, "senior": 1.0}

DAY = (time(8, 0), time(12, 0), time(13, 0), time(17, 0))
INPATIENT = (time(7, 0), time(12, 0), time(12, 0), time(18, 0))
ICU_HOURS = (time(6, 0), time(12, 0), time(12, 0), time(18, 0))
ER_SHIFT = (time(7, 0), time(12, 0), time(12, 0), time(19, 0))
NIGHT = (time(0, 0), time(7, 0), time(19, 0), time(0, 0))
CALL_NIGHT = (time(0, 0), time(7, 0), time(17, 0), time(0, 0))

# code, name, category, hours, supervision load, provides supervision
_CATALOGUE: list[tuple[str, str, ActivityCategory, tuple[time, time, time, time], dict, bool]] = [
    # resident continuity clinic (supervised by AT/PCAT)
    ("C", "Continuity clinic", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("CV", "Continuity clinic, virtual", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("CC", "Continuity clinic (CC)", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("C-I", "Continuity clinic during inpatient service", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("C4", "Continuity clinic (C4)", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("C30", "Clinic, 30-minute appointments", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("C40", "Clinic, 40-minute appointments", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("C60", "Clinic, 60-minute appointments", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("GAC", "Geriatric assessment clinic", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    ("VasC", "Vasectomy consult clinic", Cat.CLINICAL, DAY, CLINIC_LOAD, False),
    # procedure clinics: one attending per resident
    ("PR", "Procedure clinic", Cat.CLINICAL, DAY, PROCEDURE_LOAD, False),
    ("VAS", "Vasectomy clinic", Cat.CLINICAL, DAY, PROCEDURE_LOAD, False),
    # other outpatient clinical work (supervised by the service, not by clinic preceptors)
    ("CLC", "Community living center (VA)", Cat.CLINICAL, DAY, {}, False),
    ("HV", "Home visit", Cat.CLINICAL, DAY, {}, False),
    ("HC", "HC (workbook code, meaning not recorded)", Cat.CLINICAL, DAY, {}, False),
    ("V1", "V clinic, PGY-1 slot", Cat.CLINICAL, DAY, {}, False),
    ("V2", "V clinic, PGY-2 slot", Cat.CLINICAL, DAY, {}, False),
    ("V3", "V clinic, PGY-3 slot", Cat.CLINICAL, DAY, {}, False),
    ("VA", "Veterans Affairs clinic", Cat.CLINICAL, DAY, {}, False),
    ("ADHD", "ADHD clinic", Cat.CLINICAL, DAY, {}, False),
    ("MULTID", "Multidisciplinary behavioural health clinic", Cat.CLINICAL, DAY, {}, False),
    ("PSY", "Psychiatry", Cat.CLINICAL, DAY, {}, False),
    ("CARD", "Cardiology", Cat.CLINICAL, DAY, {}, False),
    ("DERM", "Dermatology", Cat.CLINICAL, DAY, {}, False),
    ("ENT", "Otolaryngology", Cat.CLINICAL, DAY, {}, False),
    ("OPH", "Ophthalmology", Cat.CLINICAL, DAY, {}, False),
    ("URO", "Urology", Cat.CLINICAL, DAY, {}, False),
    ("GYN", "Gynecology clinic", Cat.CLINICAL, DAY, {}, False),
    ("GER", "Geriatrics", Cat.CLINICAL, DAY, {}, False),
    ("MED", "Medicine selective", Cat.CLINICAL, DAY, {}, False),
    ("PedC", "Pediatrics clinic", Cat.CLINICAL, DAY, {}, False),
    ("PedSP", "Pediatric subspecialty clinic", Cat.CLINICAL, DAY, {}, False),
    ("SM", "Sports medicine", Cat.CLINICAL, DAY, {}, False),
    ("aSM", "Sports medicine (aSM)", Cat.CLINICAL, DAY, {}, False),
    ("CAST", "Cast clinic", Cat.CLINICAL, DAY, {}, False),
    ("RAD", "Radiology", Cat.CLINICAL, DAY, {}, False),
    ("ELEC", "Elective", Cat.CLINICAL, DAY, {}, False),
    ("MUC", "MUC (workbook code, meaning not recorded)", Cat.CLINICAL, DAY, {}, False),
    ("WICS", "WICS (workbook code, meaning not recorded)", Cat.CLINICAL, DAY, {}, False),
    ("CP", "Clinical pharmacist clinic", Cat.CLINICAL, DAY, {}, False),
    # inpatient and hospital services
    ("FMIT", "Family medicine inpatient teaching service", Cat.CLINICAL, INPATIENT, {}, False),
    ("IMW", "Internal medicine ward", Cat.CLINICAL, INPATIENT, {}, False),
    ("ICU", "Intensive care unit", Cat.CLINICAL, ICU_HOURS, {}, False),
    ("NICU", "Neonatal intensive care unit", Cat.CLINICAL, INPATIENT, {}, False),
    ("NBN", "Newborn nursery", Cat.CLINICAL, INPATIENT, {}, False),
    ("KAP", "Labor and delivery (Kapiolani)", Cat.CLINICAL, INPATIENT, {}, False),
    ("L&D", "Labor and delivery", Cat.CLINICAL, INPATIENT, {}, False),
    ("PedW", "Pediatrics ward", Cat.CLINICAL, INPATIENT, {}, False),
    ("STRAUB", "Outside hospital (Straub)", Cat.CLINICAL, INPATIENT, {}, False),
    ("ER", "Emergency room", Cat.CLINICAL, ER_SHIFT, {}, False),
    ("PER", "Pediatric emergency room", Cat.CLINICAL, ER_SHIFT, {}, False),
    # nights
    ("NF", "Night float", Cat.CLINICAL, NIGHT, {}, False),
    ("PedNF", "Pediatrics ward night float", Cat.CLINICAL, NIGHT, {}, False),
    ("LDNF", "Labor and delivery night float", Cat.CLINICAL, NIGHT, {}, False),
    ("CALL", "In-house call", Cat.CALL, CALL_NIGHT, {}, False),
    # faculty side
    ("AT", "Attending: precepting residents in clinic", Cat.CLINICAL, DAY, {}, True),
    ("PCAT", "Post-call attending (precepting)", Cat.CLINICAL, DAY, {}, True),
    ("DO", "Direct observation of residents", Cat.EDUCATION, DAY, {}, False),
    ("DFM", "Department of Family Medicine duties", Cat.ADMIN, DAY, {}, False),
    ("USU", "University teaching (USU)", Cat.EDUCATION, DAY, {}, False),
    # education
    ("LEC", "Didactics (protected)", Cat.EDUCATION, DAY, {}, False),
    ("SIM", "Simulation", Cat.EDUCATION, DAY, {}, False),
    ("PI", "Performance improvement", Cat.EDUCATION, DAY, {}, False),
    ("FMO", "Family medicine orientation", Cat.EDUCATION, DAY, {}, False),
    ("ORIENT", "Rotation orientation", Cat.EDUCATION, DAY, {}, False),
    ("CODING", "Coding and documentation training", Cat.EDUCATION, DAY, {}, False),
    ("EPIC", "Electronic health record training", Cat.EDUCATION, DAY, {}, False),
    ("RSH", "Research", Cat.EDUCATION, DAY, {}, False),
    ("STUDY", "Study time (students)", Cat.EDUCATION, DAY, {}, False),
    # admin
    ("GME", "Graduate medical education time", Cat.ADMIN, DAY, {}, False),
    ("ADM", "Administrative time", Cat.ADMIN, DAY, {}, False),
    ("FLX", "Flex time", Cat.ADMIN, DAY, {}, False),
    # calendar / off
    ("W", "Weekend off", Cat.OFF, DAY, {}, False),
    ("OFF", "Off", Cat.OFF, DAY, {}, False),
    ("PC", "Post-call (off after handoff)", Cat.OFF, DAY, {}, False),
    ("FED", "Federal holiday (clinic closed)", Cat.OFF, DAY, {}, False),
    ("HOL", "Holiday", Cat.OFF, DAY, {}, False),
    # absences
    ("LV", "Leave", Cat.LEAVE, DAY, {}, False),
    ("TDY", "Temporary duty away (off-site)", Cat.LEAVE, DAY, {}, False),
    ("DEP", "Deployment", Cat.LEAVE, DAY, {}, False),
    ("CONF", "Conference", Cat.LEAVE, DAY, {}, False),
    ("HAFP", "Conference: state academy of family physicians", Cat.LEAVE, DAY, {}, False),
    ("USAFP", "Conference: uniformed services academy of family physicians", Cat.LEAVE, DAY, {}, False),
]

# Categories whose half-days are not duty. TDY is duty at another site whose hours we do not
# know, so it is counted like leave here (documented in docs/sample-programs.md).
_NOT_DUTY = {Cat.OFF, Cat.LEAVE}


def build_activities() -> tuple[Activity, ...]:
    activities = []
    for code, name, category, hours, load, provides in _CATALOGUE:
        am_start, am_end, pm_start, pm_end = hours
        activities.append(
            Activity(
                code=code,
                name=name,
                category=category,
                counts_duty_hours=category not in _NOT_DUTY,
                am_start=am_start,
                am_end=am_end,
                pm_start=pm_start,
                pm_end=pm_end,
                supervision_load=dict(load),
                provides_supervision=provides,
                colour=COLOURS[category],
            )
        )
    codes = [a.code for a in activities]
    if len(codes) != len(set(codes)):
        raise AssertionError("duplicate activity code in the sample catalogue")
    return tuple(activities)
