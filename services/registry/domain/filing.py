"""What an institution files for the public board: courses, teachers, fees and training times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from numbers import Number

OFFLINE = "offline"
ONLINE = "online"
MODES = (OFFLINE, ONLINE)
DISCIPLINE = "discipline"
NON_DISCIPLINE = "non_discipline"
CATEGORIES = (DISCIPLINE, NON_DISCIPLINE)


@dataclass(frozen=True, kw_only=True)
class Course:
    """A course taught: subject, grade band (from the county's list) and its teaching materials."""

    subject: str
    grade_band: str
    materials: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Teacher:
    """A teacher and the qualification certificate that lets them teach."""

    name: str
    qualification_certificate_no: str | None = None
    serving_public_school_teacher: bool = False


@dataclass(frozen=True, kw_only=True)
class FeeItem:
    """One way of charging: price per class hour and what one collection of fees covers.

    Money is in fen and must be a whole, non-negative number; the rules report it otherwise, so the value
    object accepts what arrived rather than failing before every broken rule is listed.
    """

    price_per_hour_fen: Number
    grade_band: str
    class_size_band: str
    hours_per_collection: Number
    months_per_collection: Number
    amount_per_collection_fen: Number
    name: str = ""
    # fees paid through a training loan (培训贷): a lender pays the institution, the family repays the lender
    paid_through_loan: bool = False


@dataclass(frozen=True, kw_only=True)
class WeeklySlot:
    """A recurring class in the weekly timetable; weekday 1 is Monday, 7 is Sunday (ISO)."""

    weekday: int
    start: dt.time
    end: dt.time
    mode: str = OFFLINE
    course: str | None = None  # classes of one course are paced together (online gaps)


@dataclass(frozen=True, kw_only=True)
class Session:
    """A class on a given date."""

    date: dt.date
    start: dt.time
    end: dt.time
    mode: str = OFFLINE
    course: str | None = None


@dataclass(frozen=True, kw_only=True)
class Filing:
    """Everything one filing declares; an accepted filing supersedes the previous one."""

    courses: tuple[Course, ...] = ()
    teachers: tuple[Teacher, ...] = ()
    fee_items: tuple[FeeItem, ...] = ()
    timetable: tuple[WeeklySlot, ...] = ()
    sessions: tuple[Session, ...] = ()

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects taught, each once, in filing order."""
        return tuple(dict.fromkeys(course.subject for course in self.courses))

    @property
    def modes(self) -> tuple[str, ...]:
        """The teaching modes used by the timetable and the sessions."""
        used = {slot.mode for slot in self.timetable} | {session.mode for session in self.sessions}
        return tuple(mode for mode in MODES if mode in used)

    @property
    def max_price_per_hour_fen(self) -> int | None:
        """The highest price per class hour filed (for the `registry.filing.published` event)."""
        prices = [int(item.price_per_hour_fen) for item in self.fee_items]
        return max(prices) if prices else None
