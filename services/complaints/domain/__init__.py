"""Complaints' domain: what a complaint can be about, how it arrives, and how names are compared."""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Category(StrEnum):
    """What a complaint is about; the codes are the published vocabulary and never change."""

    UNLICENSED_TRAINING = "unlicensed_training"
    HIDDEN_TUTORING = "hidden_tutoring"
    HOLIDAY_TUTORING = "holiday_tutoring"
    EXCESSIVE_FEES = "excessive_fees"
    PUBLIC_SCHOOL_TEACHER = "public_school_teacher"
    REFUND_DISPUTE = "refund_dispute"
    SAFETY_HAZARD = "safety_hazard"
    OTHER = "other"


class CategoryGroup(StrEnum):
    """How the categories are grouped for a person choosing one (Open311's `group`)."""

    UNLICENSED = "unlicensed"
    TRAINING_RULES = "training_rules"
    FEES = "fees"
    SAFETY = "safety"
    OTHER = "other"


GROUP_OF = {
    Category.UNLICENSED_TRAINING: CategoryGroup.UNLICENSED,
    Category.HIDDEN_TUTORING: CategoryGroup.UNLICENSED,
    Category.HOLIDAY_TUTORING: CategoryGroup.TRAINING_RULES,
    Category.PUBLIC_SCHOOL_TEACHER: CategoryGroup.TRAINING_RULES,
    Category.EXCESSIVE_FEES: CategoryGroup.FEES,
    Category.REFUND_DISPUTE: CategoryGroup.FEES,
    Category.SAFETY_HAZARD: CategoryGroup.SAFETY,
    Category.OTHER: CategoryGroup.OTHER,
}


class Channel(StrEnum):
    """How a complaint reached the desk."""

    HOTLINE = "hotline"
    MAILBOX = "mailbox"
    WEB_FORM = "web_form"
    WALK_IN = "walk_in"
    GOVERNMENT_HOTLINE = "government_hotline"


def name_key(name: str) -> str:
    """A form of an institution's name that ignores how it happened to be written.

    Reporters write names many ways: full-width or half-width brackets and letters, spaces, middle
    dots, upper or lower case. NFKC folds the full-width forms, casefold the case, and punctuation,
    symbols and spaces are dropped, so `启明培训（博望校区）` and `启明培训 (博望校区)` compare equal.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")
