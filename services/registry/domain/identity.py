"""Identity codes: the unified social credit code (GB 32100-2015) and the division code (GB/T 2260)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from services.registry.domain.errors import Violation

# GB 32100-2015: digits and capital letters without I, O, Z, S, V (easily misread); 31 characters, so the
# check is modulo a prime and every single-character change and adjacent swap is caught.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: value for value, char in enumerate(CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...

# Registration authority (1st character) -> institution types it registers (2nd character), as the
# standard and its published amendments assign them.
AUTHORITIES: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # commission for public sector reform: organs, public institutions, ...
    "2": frozenset("19"),  # foreign affairs
    "3": frozenset("123459"),  # justice: law firms, notaries, ...
    "4": frozenset("19"),  # culture
    "5": frozenset("1239"),  # civil affairs: social groups, private non-enterprise units, foundations
    "6": frozenset("129"),  # tourism
    "7": frozenset("129"),  # religious affairs
    "8": frozenset("19"),  # trade unions
    "9": frozenset("123"),  # market regulation: enterprises, individual businesses, co-operatives
    "A": frozenset("19"),  # Central Military Commission
    "N": frozenset("1239"),  # agriculture: collective economic organisations
    "Y": frozenset("1"),  # others
}

# GB/T 2260 first two digits: provinces, autonomous regions, municipalities, Taiwan, Hong Kong, Macao.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
})
NATIONAL_DIVISION = "100000"  # registrations by a national authority carry this in the credit code


def normalise_credit_code(raw: str) -> str:
    """What a clerk typed, as the code is written: no spaces or hyphens, capital letters."""
    return "".join(raw.split()).replace("-", "").upper()


def credit_code_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def check_division_code(code: object, item: str = "division_code") -> Violation | None:
    """Why a 6-digit administrative division code is malformed, or None when it is plausible."""
    if not isinstance(code, str) or len(code) != 6 or not code.isascii() or not code.isdigit():
        return Violation("division_code.format", item, {"value": str(code)})
    if code[:2] not in PROVINCES:
        return Violation("division_code.province", item, {"value": code, "province": code[:2]})
    return None


def check_served(division_code: str, town: str, towns: Mapping[str, Collection[str]]) -> Violation | None:
    """Why a well-formed division code or its town is not one the county file lists, or None when both are."""
    if division_code not in towns:
        return Violation("division_code.not_served", "division_code",
                         {"value": division_code, "served": ", ".join(sorted(towns))})
    if town.strip() not in towns[division_code]:
        return Violation("town.not_in_county", "town", {"town": town.strip(), "division_code": division_code})
    return None


def check_credit_code(code: object, item: str = "credit_code") -> Violation | None:
    """Why a unified social credit code is invalid, or None when it is valid (expects it normalised)."""
    if not isinstance(code, str) or len(code) != 18:
        length = len(code) if isinstance(code, str) else 0
        return Violation("credit_code.length", item, {"value": str(code), "length": length})
    bad = [(position, char) for position, char in enumerate(code, start=1) if char not in _VALUE]
    if bad:
        position, char = bad[0]
        return Violation("credit_code.charset", item, {"value": code, "position": position, "character": char})
    types = AUTHORITIES.get(code[0])
    if types is None:
        return Violation("credit_code.registration_authority", item, {"value": code, "authority": code[0]})
    if code[1] not in types:
        return Violation("credit_code.institution_type", item,
                         {"value": code, "authority": code[0], "institution_type": code[1]})
    division = code[2:8]
    if division != NATIONAL_DIVISION and check_division_code(division) is not None:
        return Violation("credit_code.division_code", item, {"value": code, "division_code": division})
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        # the expected character is not shown to the clerk: it would let a typo be "fixed" into a wrong code
        return Violation("credit_code.check_character", item, {"value": code})
    return None


def is_valid_credit_code(code: object) -> bool:
    """Whether the code passes every GB 32100-2015 check."""
    return check_credit_code(code) is None
