"""Matching the institution a reporter names to the ones the registry knows, however they wrote it.

Reporters use the brand's short name, add or drop 培训学校 / 教育 / 有限公司, give the street instead of
the name, write traditional characters, mistype — and, on a pinyin keyboard, pick a homophone (明德 typed
as 名得). So each name is compared by its core (simplified, folded, generic words dropped) with rapidfuzz,
by the pinyin of that core (pypinyin), and by the address it was registered at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import opencc
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from services.complaints.domain import name_key

_TO_SIMPLIFIED = opencc.OpenCC("t2s")
# Words every institution's name may carry, longest first so 培训学校 goes before 培训 and 学校; and the
# county and district prefixes people leave out.
_GENERIC = sorted({
    "教育科技有限公司", "教育咨询有限公司", "文化传播有限公司", "科技有限公司", "有限责任公司", "有限公司",
    "培训学校", "培训中心", "培训机构", "培训班", "辅导中心", "辅导班", "学校", "中心", "工作室", "学堂",
    "教育", "培训", "辅导", "文化", "艺术", "科技", "校区", "分校", "城固县", "洋县", "汉中市", "陕西省",
}, key=len, reverse=True)
_GENERIC_PATTERN = re.compile("|".join(map(re.escape, _GENERIC)))


def simplified(text: str) -> str:
    """Traditional characters turned simplified, then folded (width, case, punctuation, spaces)."""
    return name_key(_TO_SIMPLIFIED.convert(text))


def name_core(name: str) -> str:
    """What tells one institution's name from another's: simplified, generic words dropped."""
    folded = simplified(name)
    return _GENERIC_PATTERN.sub("", folded) or folded


def pinyin_of(text: str) -> str:
    """The text's pinyin without tones, syllables run together (名得 and 明德 are both `mingde`)."""
    return "".join(lazy_pinyin(text))


@dataclass(frozen=True)
class Known:
    """An institution as matching knows it."""

    institution_id: str
    name: str
    core: str
    pinyin: str
    address: str


@dataclass(frozen=True)
class Suggestion:
    """An institution that may be the one meant, and how sure matching is (0–100)."""

    institution_id: str
    name: str
    score: float


def known(institution_id: str, name: str, address: str | None) -> Known:
    """An institution with its matching keys computed."""
    core = name_core(name)
    return Known(institution_id, name, core, pinyin_of(core), simplified(address or ""))


def suggest(written: str, candidates: Sequence[Known], *, limit: int = 3, cutoff: float = 50) -> list[Suggestion]:
    """The candidates most likely meant by `written`, best first (at most `limit`, scored above `cutoff`)."""
    if not written.strip() or not candidates:
        return []
    core = name_core(written)
    spelled = pinyin_of(core)
    query = simplified(written)
    best: dict[int, float] = {}
    wide = max(limit * 10, 30)

    def keep(found: Iterable[tuple], weight: float = 1.0) -> None:
        for _choice, score, index in found:
            best[index] = max(best.get(index, 0.0), score * weight)

    keep(process.extract(core, [c.core for c in candidates], scorer=fuzz.WRatio, limit=wide))
    keep(process.extract(spelled, [c.pinyin for c in candidates], scorer=fuzz.ratio, limit=wide), 0.97)
    # a street instead of the name: the address the registry has contains what was written
    keep(process.extract(query, [c.address for c in candidates], scorer=fuzz.partial_ratio, limit=wide), 0.95)
    ranked = sorted(best.items(), key=lambda item: (-item[1], candidates[item[0]].name))
    return [Suggestion(candidates[i].institution_id, candidates[i].name, round(score, 1))
            for i, score in ranked[:limit] if score >= cutoff]
