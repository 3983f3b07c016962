"""Property tests: the validators agree with their definitions on generated numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from warden.detect.recognisers import cards, govids


def luhn_digit(body: str) -> str:
    for d in "0123456789":
        if cards.luhn_valid(body + d):
            return d
    raise AssertionError("some check digit always completes a Luhn number")


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_every_visa_with_a_luhn_digit_is_found(body: str) -> None:
    number = "4" + body + luhn_digit("4" + body)
    if len(set(number)) == 1:
        return
    grouped = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    [finding] = cards.find(f"card: {grouped}.")
    assert finding.kind == "credit_card" and "visa" in finding.detail


@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.integers(1, 9))
def test_a_wrong_check_digit_is_never_a_card(body: str, shift: int) -> None:
    good = luhn_digit("4" + body)
    bad = str((int(good) + shift) % 10)
    assert cards.find("4" + body + bad) == []


@given(st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999))
def test_ssn_validity_rule(area: int, group: int, serial: int) -> None:
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    expected = area != 666 and ssn.replace("-", "") not in {"078051120", "219099999", "123456789"}
    assert bool(govids.find_ssn(f"SSN {ssn}")) == expected


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_german_iban_check_digits(bban: str) -> None:
    # ISO 7064 mod 97-10: the check digits that make the number valid are 98 - (n mod 97)
    n = int(bban + "131400")  # D=13, E=14, check digits 00
    iban = f"DE{98 - n % 97:02d}{bban}"
    assert govids.iban_valid(iban)
    wrong = f"DE{(98 - n % 97) % 97 + 1:02d}{bban}"
    assert not govids.iban_valid(wrong)
