"""UTRs: every way users write one comes out as the same 12 digits; nothing else passes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.upi import normalise_utr


@pytest.mark.parametrize(
    "written",
    ["412345678901", "412345678901.", " 4123 4567 8901 ", "4123-4567-8901", "0412345678901",
     "000412345678901", "4123.4567.8901", "412345678901\n"],
)  # fmt: skip
def test_one_utr_written_many_ways_is_one_utr(written):
    assert normalise_utr(written) == "412345678901"


def test_a_utr_starting_with_zero_keeps_its_twelve_digits():
    assert normalise_utr("012345678901") == normalise_utr("12345678901") == "012345678901"


@pytest.mark.parametrize(
    "bad", ["", "4123456789012", "UPI412345678901", "41234567890x", "４１２３４５６７８９０１"]
)
def test_anything_but_twelve_digits_is_refused(bad):
    with pytest.raises(ValueError, match="12 digits"):
        normalise_utr(bad)


@given(st.integers(min_value=10**11, max_value=10**12 - 1), st.sampled_from([" ", "-", "."]))
def test_separators_never_change_the_utr(number, sep):
    text = str(number)
    spaced = sep.join(text[i : i + 4] for i in range(0, 12, 4)) + sep
    assert normalise_utr(spaced) == normalise_utr(text) == text
