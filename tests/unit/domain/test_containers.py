"""ISO 6346 check digits: the precomputed tables against the standard's own arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.containers import check_digit, container_problem, is_valid

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reference(first_ten: str) -> int:
    """ISO 6346 as written: letters valued from 10 skipping multiples of 11, each character
    times 2 to the power of its position, the sum modulo 11, 10 counting as 0."""
    values, v = {}, 10
    for letter in LETTERS:
        if v % 11 == 0:
            v += 1
        values[letter] = v
        v += 1
    total = sum((values[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(first_ten))
    return total % 11 % 10


@given(
    st.text(LETTERS, min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.text("0123456789", min_size=6, max_size=6),
)
def test_check_digit_agrees_with_the_standard(owner: str, category: str, serial: str) -> None:
    assert check_digit(owner + category + serial) == reference(owner + category + serial)


@pytest.mark.parametrize("number", ["CSQU3054383", "MSCU1234566"])
def test_published_numbers_are_valid(number: str) -> None:
    assert is_valid(number), container_problem(number)


def test_a_wrong_check_digit_names_the_expected_one() -> None:
    assert container_problem("CSQU3054384") == (
        "container number 'CSQU3054384' has check digit 4, expected 3"
    )


@pytest.mark.parametrize("bad", ["CSQU30543", "CSQU305438X", "CSQU30543!", "csqu305438"])
def test_check_digit_refuses_what_is_not_ten_code_characters(bad: str) -> None:
    with pytest.raises(ValueError):
        check_digit(bad)
