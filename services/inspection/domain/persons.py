"""Conflicts of interest with persons: who an inspector declared, who is tied to a target, and when they are the
same person.

The persons tied to a target are only those the registry shows on the public disclosure board: the teachers of
its current filing, with their qualification certificate numbers where the board shows them, and its legal
representative (法定代表人, printed on its licence; the board shows no number for them). The rule is written
to be redone in any language (docs/draw.md, "Persons"):

- a name is compared after Unicode NFKC normalisation (full-width letters, digits and the ideographic space
  become their ordinary forms), with every whitespace character removed, the middle-dot variants written
  `·` (U+00B7), and case folded;
- a certificate number the same way, with no dot rewriting; empty after that means no number;
- the declared person and the tied person are the same when their names are equal (and not blank) and, when
  both have a certificate number, their numbers are equal too. A name alone is enough when either side has no number:
  a conflict of interest is declared to keep someone away, so the doubt goes to staying away.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Middle dots that separate the parts of a transliterated name (买买提·艾力): the same mark, typed differently.
_DOTS = str.maketrans({"\u2022": "\u00b7", "\u2027": "\u00b7", "\u30fb": "\u00b7", "\u2219": "\u00b7",
                       "\u22c5": "\u00b7", "\u0387": "\u00b7", "\u16eb": "\u00b7"})


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def name_key(name: str) -> str:
    """A name as it is compared: NFKC, no whitespace, one middle dot, case folded."""
    return _plain(name).translate(_DOTS)


def certificate_key(number: str | None) -> str | None:
    """A certificate number as it is compared (NFKC, no whitespace, case folded), or None when there is none."""
    return _plain(number) or None if number is not None else None


# How a person is tied to a target, as the board shows them.
TEACHER = "teacher"
LEGAL_REPRESENTATIVE = "legal_representative"
ROLES = (TEACHER, LEGAL_REPRESENTATIVE)


@dataclass(frozen=True, slots=True)
class Person:
    """A person by name and, when known, certificate number (a teacher's qualification certificate); a person
    tied to a target also says how (`role`), a person an inspector declared does not."""

    name: str
    certificate_no: str | None = None
    role: str | None = None  # TEACHER or LEGAL_REPRESENTATIVE; the rule of `same_person` never reads it

    def as_json(self) -> dict[str, Any]:
        """The person as recorded in a draw's inputs and on an inspector (`role` only when there is one)."""
        found = {"name": self.name, "certificate_no": self.certificate_no}
        if self.role is not None:
            found["role"] = self.role
        return found

    @classmethod
    def from_json(cls, found: Mapping[str, Any]) -> Person:
        """The inverse of `as_json`."""
        return cls(found["name"], found.get("certificate_no"), found.get("role"))


def same_person(declared: Person, tied: Person) -> bool:
    """Whether a person an inspector declared is a person tied to a target (the rule above)."""
    name = name_key(declared.name)
    if not name or name != name_key(tied.name):  # a blank name is nobody
        return False
    mine, theirs = certificate_key(declared.certificate_no), certificate_key(tied.certificate_no)
    return mine is None or theirs is None or mine == theirs


class PersonIndex:
    """The persons tied to each target, found by name: which targets a declared person is tied to."""

    def __init__(self, tied: Mapping[str, Iterable[Person]]):
        self._by_name: dict[str, list[tuple[str, Person]]] = {}
        for target_id, persons in tied.items():
            for person in persons:
                self._by_name.setdefault(name_key(person.name), []).append((target_id, person))

    def targets_of(self, declared: Iterable[Person]) -> frozenset[str]:
        """The targets tied to any of these declared persons."""
        return frozenset(target_id for person in declared
                         for target_id, tied in self._by_name.get(name_key(person.name), ())
                         if same_person(person, tied))

    def names(self) -> frozenset[str]:
        """Every tied person's name key."""
        return frozenset(self._by_name)
