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


def _variants() -> list[str]:
    """Spellings an operator's file may hold: cases, spaces, separators, prefixes, near misses."""
    bodies = ["1234AB", "1234ab", "1234 AB", "1234  AB", "1 2 3 4 A B", "1234-AB", "NL-1234AB", "nl1234ab"]
    bodies += [
        "0123AB",
        "1234SA",
        "1234 sd",
        "1234Ss",
        "12345AB",
        "1234A1",
        "1234ÄB",
        "１２３４AB",
        "1234AB\u00a0",
    ]
    return [
        f"{before}{body}{after}" for body in bodies for before in ("", " ", "\t") for after in ("", " ", "\t")
    ]


def _by_stdnum(raw: str) -> str | None:
    from stdnum.exceptions import ValidationError
    from stdnum.nl import postcode

    try:
        return str(postcode.compact(postcode.validate(raw)))
    except ValidationError:
        return None


@pytest.mark.parametrize("raw", _variants())
def test_every_spelling_is_normalised_as_python_stdnum_does(raw: str) -> None:
    """Common spellings skip python-stdnum for speed; the answer must stay the same."""
    try:
        ours: str | None = normalise(raw)
    except InvalidPostcode:
        ours = None

    assert ours == _by_stdnum(raw)
