"""Academic years, blocks and half-days.

A block layout is data, never hard-coded: the helpers below only build the common layouts.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class HalfDay(StrEnum):
    AM = "AM"
    PM = "PM"


@dataclass(frozen=True, slots=True)
class Block:
    number: int
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def midpoint(self) -> date:
        """First day of the second half-block (a 28-day block splits 14 + 14)."""
        return self.start + timedelta(days=self.days // 2)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def dates(self) -> Iterator[date]:
        for i in range(self.days):
            yield self.start + timedelta(days=i)


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True, slots=True)
class AcademicYear:
    label: str  # e.g. "AY2025-26"
    start: date
    end: date  # inclusive
    timezone: str = "America/New_York"
    blocks: tuple[Block, ...] = ()
    holidays: tuple[Holiday, ...] = field(default=())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def block_of(self, day: date) -> Block | None:
        for block in self.blocks:
            if block.contains(day):
                return block
        return None

    def dates(self) -> Iterator[date]:
        for i in range(self.days):
            yield self.start + timedelta(days=i)

    def is_holiday(self, day: date) -> bool:
        return any(h.day == day for h in self.holidays)


class LayoutError(ValueError):
    """A block layout that does not tile the academic year."""


def check_layout(start: date, end: date, blocks: list[Block]) -> None:
    """Blocks must be numbered in order, contiguous, and cover start..end exactly."""
    if not blocks:
        raise LayoutError("an academic year needs at least one block")
    expected = start
    for i, block in enumerate(blocks):
        if block.end < block.start:
            raise LayoutError(f"block {block.number} ends before it starts")
        if block.start != expected:
            raise LayoutError(f"block {block.number} starts {block.start}, expected {expected}")
        if i and block.number <= blocks[i - 1].number:
            raise LayoutError(f"block numbers must increase (block {block.number})")
        expected = block.end + timedelta(days=1)
    if blocks[-1].end != end:
        raise LayoutError(f"last block ends {blocks[-1].end}, the year ends {end}")


def blocks_of_lengths(start: date, lengths: list[int], first_number: int = 1) -> list[Block]:
    blocks, day = [], start
    for i, n in enumerate(lengths):
        blocks.append(Block(first_number + i, day, day + timedelta(days=n - 1)))
        day += timedelta(days=n)
    return blocks


def layout_13x28(start: date) -> list[Block]:
    """Thirteen 28-day blocks (364 days); the year's last day(s) join block 13."""
    blocks = blocks_of_lengths(start, [28] * 13)
    year_end = _year_end(start)
    last = blocks[-1]
    blocks[-1] = Block(last.number, last.start, year_end)
    return blocks


def layout_workbook(start: date) -> list[Block]:
    """The shared workbook's layout: block 1 = 30 days, blocks 2-12 = 28 days, block 13 = the rest."""
    year_end = _year_end(start)
    blocks = blocks_of_lengths(start, [30] + [28] * 11)
    rest = (year_end - blocks[-1].end).days
    blocks.append(Block(13, blocks[-1].end + timedelta(days=1), blocks[-1].end + timedelta(days=rest)))
    return blocks


def layout_calendar_months(start: date) -> list[Block]:
    blocks, day = [], start
    for number in range(1, 13):
        last = _cal.monthrange(day.year, day.month)[1]
        end = date(day.year, day.month, last)
        blocks.append(Block(number, day, end))
        day = end + timedelta(days=1)
    return blocks


LAYOUTS = {"13x28": layout_13x28, "workbook": layout_workbook, "months": layout_calendar_months}


def _year_end(start: date) -> date:
    return date(start.year + 1, start.month, start.day) - timedelta(days=1)


def us_federal_holidays(start: date, end: date) -> list[Holiday]:
    """US federal holidays (observed dates) between start and end inclusive."""

    def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
        first = date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (n - 1))

    def last_weekday(year: int, month: int, weekday: int) -> date:
        last = date(year, month, _cal.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)

    def observed(d: date) -> date:
        if d.weekday() == 5:
            return d - timedelta(days=1)
        if d.weekday() == 6:
            return d + timedelta(days=1)
        return d

    found: list[Holiday] = []
    for year in range(start.year, end.year + 1):
        found += [
            Holiday(observed(date(year, 1, 1)), "New Year's Day"),
            Holiday(nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"),
            Holiday(nth_weekday(year, 2, 0, 3), "Presidents' Day"),
            Holiday(last_weekday(year, 5, 0), "Memorial Day"),
            Holiday(observed(date(year, 6, 19)), "Juneteenth"),
            Holiday(observed(date(year, 7, 4)), "Independence Day"),
            Holiday(nth_weekday(year, 9, 0, 1), "Labor Day"),
            Holiday(nth_weekday(year, 10, 0, 2), "Columbus Day"),
            Holiday(observed(date(year, 11, 11)), "Veterans Day"),
            Holiday(nth_weekday(year, 11, 3, 4), "Thanksgiving Day"),
            Holiday(observed(date(year, 12, 25)), "Christmas Day"),
        ]
    return sorted((h for h in found if start <= h.day <= end), key=lambda h: h.day)
