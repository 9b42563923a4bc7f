"""Postcode rules: what a creditor may type, and what can never be a Dutch postcode."""

import pytest

from app.routing.postcode import InvalidPostcode, normalise


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        pytest.param("1234 ab", "1234AB", id="space-and-lower-case"),
        pytest.param("1234ab", "1234AB", id="lower-case"),
        pytest.param("1234AB", "1234AB", id="already-normal"),
        pytest.param(" 1234AB ", "1234AB", id="surrounding-spaces"),
        pytest.param("  1012 lg\n", "1012LG", id="surrounding-whitespace"),
        pytest.param("1000AA", "1000AA", id="lowest-area"),
        pytest.param("9999ZZ", "9999ZZ", id="highest-area"),
        pytest.param("1234SB", "1234SB", id="s-with-another-letter"),
    ],
)
def test_a_postcode_is_normalised_to_four_digits_and_two_capitals(raw: str, normalised: str) -> None:
    assert normalise(raw) == normalised


@pytest.mark.parametrize("letters", ["SA", "SD", "SS", "sa", "sd", "ss"])
def test_letters_that_are_never_issued_are_refused(letters: str) -> None:
    with pytest.raises(InvalidPostcode):
        normalise(f"1234 {letters}")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0123AB", id="leading-zero"),
        pytest.param("123AB", id="three-digits"),
        pytest.param("1234A", id="one-letter"),
        pytest.param("1234", id="digits-only"),
        pytest.param("12345AB", id="five-digits"),
        pytest.param("1234ABC", id="three-letters"),
        pytest.param("ABCDEF", id="letters-only"),
        pytest.param("AB1234", id="letters-first"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
    ],
)
def test_a_malformed_postcode_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPostcode):
        normalise(raw)


def test_the_refusal_names_what_was_sent() -> None:
    with pytest.raises(InvalidPostcode, match="0123AB"):
        normalise("0123AB")
