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


class NameIndex:
    """Institutions ready to be matched: their keys in lists rapidfuzz scans, and which names hold each character.

    Built once per change of the replica and kept (service_layer.names.KnownNames), so a suggestion costs the
    scoring alone. Scoring by name and by address looks only at institutions sharing a character with what was
    written: rapidfuzz's scores all count characters in common, so one sharing none scores 0 and is never
    suggested (skipping it changes no result). Pinyin is compared with every name: a homophone may share no
    character, and a plain ratio of short strings is cheap.
    """

    def __init__(self, candidates: Iterable[Known]):
        self.candidates: list[Known] = sorted(candidates, key=lambda c: (c.name, c.institution_id))
        self._cores = [c.core for c in self.candidates]
        self._pinyin = [c.pinyin for c in self.candidates]
        self._addresses = [c.address for c in self.candidates]
        self._core_holders = _holders(self._cores)
        self._address_holders = _holders(self._addresses)

    def __len__(self) -> int:
        return len(self.candidates)

    def suggest(self, written: str, *, limit: int = 3, cutoff: float = 50) -> list[Suggestion]:
        """The institutions most likely meant by `written`, best first (at most `limit`, scored above `cutoff`)."""
        if not written.strip() or not self.candidates:
            return []
        core = name_core(written)
        best: dict[int, float] = {}
        wide = max(limit * 10, 30)

        def keep(query: str, keys: list[str], among: list[int] | None, scorer, weight: float) -> None:
            # a weighted score under the cutoff can never be suggested, so rapidfuzz may stop early on it
            choices = keys if among is None else [keys[i] for i in among]
            found = process.extract(query, choices, scorer=scorer, limit=wide, score_cutoff=cutoff / weight)
            for _choice, score, at in found:
                index = at if among is None else among[at]
                best[index] = max(best.get(index, 0.0), score * weight)

        keep(core, self._cores, _sharing(core, self._core_holders), fuzz.WRatio, 1.0)
        keep(pinyin_of(core), self._pinyin, None, fuzz.ratio, 0.97)
        # a street instead of the name: the address the registry has contains what was written
        query = simplified(written)
        keep(query, self._addresses, _sharing(query, self._address_holders), fuzz.partial_ratio, 0.95)
        # candidates are in name order, so equal scores keep the name order
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [Suggestion(self.candidates[i].institution_id, self.candidates[i].name, round(score, 1))
                for i, score in ranked[:limit] if score >= cutoff]


def _holders(keys: Sequence[str]) -> dict[str, list[int]]:
    holders: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        for char in set(key):
            holders.setdefault(char, []).append(index)
    return holders


def _sharing(query: str, holders: dict[str, list[int]]) -> list[int]:
    """The indexes of keys holding at least one of the query's characters, in order."""
    found: set[int] = set()
    for char in set(query):
        found.update(holders.get(char, ()))
    return sorted(found)


def suggest(written: str, candidates: Sequence[Known], *, limit: int = 3, cutoff: float = 50) -> list[Suggestion]:
    """The candidates most likely meant by `written`, best first (at most `limit`, scored above `cutoff`)."""
    return NameIndex(candidates).suggest(written, limit=limit, cutoff=cutoff)
