"""Block-layer constraints: one rotation per half-block, whole blocks, eligibility, capacity,
curriculum, leave, locks and the fair spread of hard rotations."""

from __future__ import annotations

from residency.scheduling.blockvars import BlockVars, half_rotations, heavy_rotations
from residency.scheduling.catalogue import Breach, Constraint, Term, constraint
from residency.scheduling.problem import Problem


def _hb_name(problem: Problem, h: int) -> str:
    hb = problem.halves[h]
    return f"block {hb.block} ({'first' if hb.part == 'first_half' else 'second'} half)"


@constraint
class OneRotation(Constraint):
    """Every resident is on exactly one rotation in every half-block."""

    id = "BLK-ONE"
    title = "One rotation per resident per half-block"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for p in v.residents:
            for hb in problem.halves:
                model.AddExactlyOne([v.x[(p, hb.index, r)] for r in range(len(problem.rotations))])
        return []

    def measure(self, problem, schedule):
        out = []
        for p, rots in half_rotations(problem, schedule).items():
            for h, r in enumerate(rots):
                if r is None:
                    out.append(Breach(self.id, f"no rotation in {_hb_name(problem, h)}", problem.people[p]))
        return out


@constraint
class WholeBlocks(Constraint):
    """A rotation that does not allow half-blocks is worked for the whole block."""

    id = "BLK-WHOLE"
    title = "Whole-block rotations fill both halves"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for r, rot in enumerate(problem.rotations):
            if rot.half_block_allowed:
                continue
            lits = v.guard(self.id, (r,), f"{rot.abbreviation} is worked in whole blocks only")
            for p in v.residents:
                for b in problem.program.year.blocks:
                    h1, h2 = problem.block_halves(b.number)
                    model.Add(v.x[(p, h1.index, r)] == v.x[(p, h2.index, r)]).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        out = []
        for p, rots in half_rotations(problem, schedule).items():
            for b in problem.program.year.blocks:
                h1, h2 = problem.block_halves(b.number)
                r1, r2 = rots[h1.index], rots[h2.index]
                for r in {r1, r2} - {None}:
                    if r1 != r2 and not problem.rotations[r].half_block_allowed:
                        out.append(
                            Breach(
                                self.id,
                                f"{problem.rotations[r].abbreviation} for half of block {b.number}",
                                problem.people[p],
                            )
                        )
        return out


def eligible(problem: Problem, p: int, h: int, r: int) -> bool:
    rot, hb = problem.rotations[r], problem.halves[h]
    pgy = problem.pgy(p, hb.d0)
    if pgy not in rot.eligible_pgy:
        return False
    return rot.effective_from is None or rot.effective_from <= problem.days[hb.d1 - 1]


@constraint
class Eligibility(Constraint):
    """A resident only works rotations open to their PGY level (on that half-block's first day)."""

    id = "BLK-ELIG"
    title = "PGY eligibility"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for p in v.residents:
            for hb in problem.halves:
                for r, rot in enumerate(problem.rotations):
                    if not eligible(problem, p, hb.index, r):
                        pgy = problem.pgy(p, hb.d0)
                        lits = v.guard(self.id, (r, pgy), f"{rot.abbreviation} is not open to PGY-{pgy} residents")
                        model.Add(v.x[(p, hb.index, r)] == 0).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        out = []
        for p, rots in half_rotations(problem, schedule).items():
            for h, r in enumerate(rots):
                if r is not None and not eligible(problem, p, h, r):
                    msg = f"{problem.rotations[r].abbreviation} not open to PGY-{problem.pgy(p, problem.halves[h].d0)}"
                    out.append(Breach(self.id, f"{msg} ({_hb_name(problem, h)})", problem.people[p]))
        return out


@constraint
class Capacity(Constraint):
    """Each rotation holds between its minimum and maximum residents in every half-block."""

    id = "BLK-CAP"
    title = "Rotation capacity per block"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for r, rot in enumerate(problem.rotations):
            for hb in problem.halves:
                vs, const = v.count(hb.index, r)
                where = _hb_name(problem, hb.index)
                if rot.max_residents is not None:
                    text = f"{rot.abbreviation} holds at most {rot.max_residents} in {where}"
                    lits = v.guard(self.id, ("max", r, hb.index), text)
                    model.Add(sum(vs) + const <= rot.max_residents).OnlyEnforceIf(lits)
                if rot.min_residents:
                    text = f"{rot.abbreviation} needs at least {rot.min_residents} in {where}"
                    lits = v.guard(self.id, ("min", r, hb.index), text)
                    model.Add(sum(vs) + const >= rot.min_residents).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        out = []
        for r, rot in enumerate(problem.rotations):
            for hb in problem.halves:
                n = sum(1 for p in rots if rots[p][hb.index] == r)
                where = _hb_name(problem, hb.index)
                if rot.max_residents is not None and n > rot.max_residents:
                    out.append(
                        Breach(
                            self.id,
                            f"{rot.abbreviation}: {n} > max {rot.max_residents} in {where}",
                            amount=n - rot.max_residents,
                        )
                    )
                if n < rot.min_residents:
                    out.append(
                        Breach(
                            self.id,
                            f"{rot.abbreviation}: {n} < min {rot.min_residents} in {where}",
                            amount=rot.min_residents - n,
                        )
                    )
        return out


def requirements_of(problem: Problem, p: int):
    pgy = problem.pgy(p, 0)
    return [(k, req) for k, req in enumerate(problem.program.curriculum) if req.pgy == pgy]


@constraint
class Curriculum(Constraint):
    """Each resident completes the minimum (and stays within the maximum) blocks of each curriculum
    requirement of their PGY year; half-blocks count one half."""

    id = "BLK-CURR"
    title = "Curriculum minimum and maximum per PGY year"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for p in v.residents:
            for k, req in requirements_of(problem, p):
                rs = [problem.ridx[a] for a in req.rotations if a in problem.ridx]
                total = sum(v.x[(p, hb.index, r)] for hb in problem.halves for r in rs)
                who = problem.people[p]
                lo = round(2 * req.min_blocks)
                if lo:
                    text = f"{who} (PGY-{req.pgy}) needs at least {req.min_blocks:g} block(s) of {req.name}"
                    lits = v.guard(self.id, ("min", p, k), text + f" ({'/'.join(req.rotations)})")
                    model.Add(total >= lo).OnlyEnforceIf(lits)
                if req.max_blocks is not None:
                    text = f"{who} (PGY-{req.pgy}) may do at most {req.max_blocks:g} block(s) of {req.name}"
                    lits = v.guard(self.id, ("max", p, k), text)
                    model.Add(total <= round(2 * req.max_blocks)).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        out = []
        for p in problem.residents:
            for _k, req in requirements_of(problem, p):
                rs = {problem.ridx[a] for a in req.rotations if a in problem.ridx}
                n = sum(1 for r in rots[p] if r in rs) / 2
                if n < req.min_blocks:
                    out.append(
                        Breach(
                            self.id,
                            f"{req.name}: {n:g} < {req.min_blocks:g} blocks",
                            problem.people[p],
                            amount=req.min_blocks - n,
                        )
                    )
                if req.max_blocks is not None and n > req.max_blocks:
                    out.append(
                        Breach(
                            self.id,
                            f"{req.name}: {n:g} > {req.max_blocks:g} blocks",
                            problem.people[p],
                            amount=n - req.max_blocks,
                        )
                    )
        return out


def leave_halves(problem: Problem, p: int) -> list[int]:
    absent = problem.absent_days(p)
    return [hb.index for hb in problem.halves if absent[hb.d0 : hb.d1].any()]


@constraint
class LeaveOnLeaveRotations(Constraint):
    """Approved absences fall only on rotations that allow leave."""

    id = "BLK-LEAVE"
    title = "Approved leave only on leave-eligible rotations"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        banned = [r for r, rot in enumerate(problem.rotations) if not rot.leave_allowed]
        for p in v.residents:
            for h in leave_halves(problem, p):
                text = f"{problem.people[p]} has approved leave in {_hb_name(problem, h)}"
                lits = v.guard(self.id, (p, h), text + " and must be on a rotation that allows leave")
                for r in banned:
                    model.Add(v.x[(p, h, r)] == 0).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        out = []
        for p in problem.residents:
            for h in leave_halves(problem, p):
                r = rots[p][h]
                if r is not None and not problem.rotations[r].leave_allowed:
                    msg = f"approved leave on {problem.rotations[r].abbreviation} ({_hb_name(problem, h)})"
                    out.append(Breach(self.id, msg, problem.people[p]))
        return out


def lock_halves(problem: Problem):
    """(person index, half index, rotation index, assignment) for each lock the program holds."""
    out = []
    for ba in problem.program.block_assignments:
        p, r = problem.pidx.get(ba.person), problem.ridx.get(ba.rotation)
        if p is None or r is None:
            continue
        h1, h2 = problem.block_halves(ba.block)
        for hb in (h1, h2):
            if ba.part == "whole" or ba.part == hb.part:
                out.append((p, hb.index, r, ba))
    return out


@constraint
class Locks(Constraint):
    """Locked and pre-assigned block assignments (Program.block_assignments) are kept."""

    id = "BLK-LOCK"
    title = "Locks and pre-assignments kept"
    layer = "blocks"

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        for p, h, r, ba in lock_halves(problem):
            if p not in v.residents:
                continue
            text = f"{ba.person} is locked on {ba.rotation} in block {ba.block}"
            lits = v.guard(self.id, (p, ba.block, r), text)
            model.Add(v.x[(p, h, r)] == 1).OnlyEnforceIf(lits)
        return []

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        return [
            Breach(self.id, f"lock {ba.rotation} in block {ba.block} not kept", ba.person)
            for p, h, r, ba in lock_halves(problem)
            if p in rots and rots[p][h] != r
        ]


@constraint
class FairHardRotations(Constraint):
    """Hard rotations (night float, or 55 h/week and more) are spread: no hard rotation on both sides
    of a block boundary, and each PGY class shares them evenly (max - min half-blocks per resident)."""

    id = "BLK-FAIR"
    title = "Hard rotations spread fairly"
    layer = "blocks"
    hard = False
    weight = 10

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        heavy = heavy_rotations(problem)
        terms: list[Term] = []
        hv = {}
        for p in v.residents:
            for hb in problem.halves:
                hv[(p, hb.index)] = sum(v.x[(p, hb.index, r)] for r in heavy)
            for hb in problem.halves[1:-1]:
                if hb.part == "second_half":
                    y = model.NewBoolVar("")
                    model.Add(y >= hv[(p, hb.index)] + hv[(p, hb.index + 1)] - 1)
                    terms.append((1, y))
        by_pgy: dict[int, list[int]] = {}
        for p in v.residents:
            by_pgy.setdefault(problem.pgy(p, 0) or 0, []).append(p)
        n = len(problem.halves)
        for members in by_pgy.values():
            if len(members) < 2:
                continue
            hi, lo = model.NewIntVar(0, n, ""), model.NewIntVar(0, n, "")
            for p in members:
                total = sum(hv[(p, h)] for h in range(n))
                model.Add(total <= hi)
                model.Add(total >= lo)
            terms.append((1, hi - lo))
        return terms

    def measure(self, problem, schedule):
        heavy = heavy_rotations(problem)
        rots = half_rotations(problem, schedule)
        out = []
        for p, rs in rots.items():
            for hb in problem.halves[1:-1]:
                if hb.part == "second_half" and rs[hb.index] in heavy and rs[hb.index + 1] in heavy:
                    out.append(
                        Breach(self.id, f"hard rotations back to back at block {hb.block + 1}", problem.people[p])
                    )
        by_pgy: dict[int, list[int]] = {}
        for p in rots:
            by_pgy.setdefault(problem.pgy(p, 0) or 0, []).append(sum(1 for r in rots[p] if r in heavy))
        for pgy, counts in by_pgy.items():
            if len(counts) > 1 and max(counts) > min(counts):
                spread = max(counts) - min(counts)
                out.append(
                    Breach(self.id, f"PGY-{pgy}: hard half-blocks range {min(counts)}..{max(counts)}", amount=spread)
                )
        return out


@constraint
class FewSplits(Constraint):
    """Prefer whole blocks: each block split into two different rotations costs a little."""

    id = "BLK-SPLIT"
    title = "Few half-block splits"
    layer = "blocks"
    hard = False
    weight = 1

    def encode(self, model, problem, v: BlockVars) -> list[Term]:
        terms: list[Term] = []
        split_ok = [r for r, rot in enumerate(problem.rotations) if rot.half_block_allowed]
        for p in v.residents:
            for b in problem.program.year.blocks:
                h1, h2 = problem.block_halves(b.number)
                same = []
                for r in split_ok:
                    w = model.NewBoolVar("")
                    model.AddImplication(w, v.x[(p, h1.index, r)])
                    model.AddImplication(w, v.x[(p, h2.index, r)])
                    same.append(w)
                # whole-block rotations are the same in both halves by BLK-WHOLE
                whole = sum(v.x[(p, h1.index, r)] for r in range(len(problem.rotations)) if r not in split_ok)
                split = model.NewBoolVar("")
                model.Add(split + sum(same) + whole >= 1)
                terms.append((1, split))
        return terms

    def measure(self, problem, schedule):
        rots = half_rotations(problem, schedule)
        out = []
        for p, rs in rots.items():
            for b in problem.program.year.blocks:
                h1, h2 = problem.block_halves(b.number)
                if rs[h1.index] != rs[h2.index]:
                    out.append(Breach(self.id, f"block {b.number} split", problem.people[p]))
        return out
