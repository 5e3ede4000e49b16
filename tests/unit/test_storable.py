"""`hub.ledger.storable`: metadata cleaned and bounded, keys fitted without collisions, data
refused as `Unstorable` (properties over many hostile strings)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import Unstorable
from hub.ledger import storable

HOSTILE = st.text(
    alphabet=st.one_of(
        st.characters(),  # includes lone surrogates, NUL and every control character
        st.sampled_from(["\x00", "\ud800", "\udcff", "\x1b", "\x9b", "\n", "\\"]),
    ),
    max_size=400,
)


def _storable(value: str) -> bool:
    value.encode("utf-8")  # no lone surrogate: any driver can send it
    return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@given(HOSTILE, st.integers(min_value=8, max_value=300))
def test_metadata_fits_and_can_be_sent(value: str, width: int) -> None:
    out = storable.text(value, width)
    assert len(out) <= width and _storable(out)
    assert all(c >= " " for c in out), "one line, no control character"


@given(HOSTILE, HOSTILE)
def test_keys_fit_and_stay_distinct(a: str, b: str) -> None:
    for width in (64, 300):
        ka, kb = storable.key(a, width), storable.key(b, width)
        assert len(ka) <= width and _storable(ka)
        assert (ka == kb) == (a == b)


def test_a_clean_short_key_is_unchanged_so_stored_keys_are_found_again() -> None:
    assert storable.key("edifact:MSCBE:CPUHUB:MSC0000001", 300) == (
        "edifact:MSCBE:CPUHUB:MSC0000001"
    )


@given(
    st.recursive(
        HOSTILE | st.integers() | st.none(), lambda c: st.lists(c) | st.dictionaries(HOSTILE, c)
    )
)
def test_json_values_hold_no_nul_or_lone_surrogate(value: object) -> None:
    def strings(v: object) -> list[str]:
        if isinstance(v, str):
            return [v]
        if isinstance(v, dict):
            return [s for k, x in v.items() for s in (k, *strings(x))]
        if isinstance(v, list):
            return [s for x in v for s in strings(x)]
        return []

    assert all(_storable(s) for s in strings(storable.json_safe(value)))


@pytest.mark.parametrize(("value", "code"), [("B" * 71, "39"), ("AB\x00C", "21"), ("\udcff", "21")])
def test_data_that_cannot_be_stored_exactly_is_refused(value: str, code: str) -> None:
    with pytest.raises(Unstorable) as refused:
        storable.require(value, 70, "bill of lading")
    assert refused.value.problems[0].code == code
    assert _storable(str(refused.value)), "the reason itself can be stored and answered"


def test_problems_are_capped_and_say_how_many_were_left_out() -> None:
    kept = storable.problems([{"message": "x" * 10_000, "code": "12"}] * 12_000)
    assert len(kept) == 51 and kept[-1] == {"message": "11950 more problem(s) not kept"}
    assert len(kept[0]["message"]) <= 500
