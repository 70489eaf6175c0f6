"""What a reporter must not see leak into public output: phone and ID numbers typed into a description."""

from __future__ import annotations

import re

# A mainland mobile number however people type it: +86 / 86 prefix, spaces or hyphens between the groups
# (138 1234 5678, 138-1234-5678, +86 13812345678). Digits on either side mean it is part of a longer number.
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
# A resident ID number: 17 digits and a check digit (a digit or X).
_RESIDENT_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")


def mask_personal_numbers(text: str) -> str:
    """The text with mobile and ID numbers masked the way Chinese public notices do (138****5678)."""
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)[-1]}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
