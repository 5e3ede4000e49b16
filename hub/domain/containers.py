"""ISO 6346 container numbers: owner code (3 letters), category (U, J or Z), serial, check digit."""

from __future__ import annotations

import re

_PATTERN = re.compile(r"^[A-Z]{3}[UJZ][0-9]{6}[0-9]$")


def _letter_values() -> dict[str, int]:
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_VALUES = _letter_values()
# value x 2^position for every character at every position: the check digit is then ten dict
# lookups (it is computed for every container of every message, 20,000 in a large COARRI)
_WEIGHTED = tuple(
    {**{ch: v << i for ch, v in _VALUES.items()}, **{str(d): d << i for d in range(10)}}
    for i in range(10)
)


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit for the first ten characters (owner, category, serial)."""
    try:
        total = sum([weights[ch] for weights, ch in zip(_WEIGHTED, first_ten, strict=True)])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not an owner code, category and serial: {first_ten!r}") from exc
    return total % 11 % 10


def normalise(raw: str) -> str:
    """Upper-case and drop spaces, dashes and slashes that partners put in numbers."""
    return re.sub(r"[\s\-/]", "", raw).upper()


def container_problem(number: str) -> str:
    """'' when `number` is a valid ISO 6346 number, else what is wrong with it."""
    if not _PATTERN.match(number):
        return f"container number {number!r} is not 4 letters (category U/J/Z) and 7 digits"
    expected = check_digit(number[:10])
    if int(number[10]) != expected:
        return f"container number {number!r} has check digit {number[10]}, expected {expected}"
    return ""


def is_valid(number: str) -> bool:
    """True when `number` is a valid ISO 6346 container number."""
    return container_problem(number) == ""
