"""Dutch postcode rules (pure): normalise `1234 ab` to `1234AB`, reject what PostNL never issues."""

import re

from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as stdnum_postcode

# The common spellings (`1234AB`, `1234 ab`, surrounding blanks) answered without python-stdnum,
# with the same result: bulk routing normalises a hundred thousand postcodes.
_PLAIN = re.compile(r"[ \t]*([1-9][0-9]{3}) ?([A-Za-z]{2})[ \t]*")
_NEVER_ISSUED = frozenset({"SA", "SD", "SS"})


class InvalidPostcode(ValueError):
    """The text is not a postcode that can exist."""


def normalise(raw: str) -> str:
    """`1234 ab` -> `1234AB`; raises InvalidPostcode for malformed codes and SA, SD, SS."""
    if (plain := _PLAIN.fullmatch(raw)) is not None:
        letters = plain.group(2).upper()
        if letters in _NEVER_ISSUED:
            raise InvalidPostcode(raw)
        return plain.group(1) + letters
    try:
        return str(stdnum_postcode.compact(stdnum_postcode.validate(raw)))
    except ValidationError as exc:
        raise InvalidPostcode(raw) from exc
