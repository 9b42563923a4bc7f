"""Dutch postcode rules (pure): normalise `1234 ab` to `1234AB`, reject what PostNL never issues."""

from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as stdnum_postcode


class InvalidPostcode(ValueError):
    """The text is not a postcode that can exist."""


def normalise(raw: str) -> str:
    """`1234 ab` -> `1234AB`; raises InvalidPostcode for malformed codes and SA, SD, SS."""
    try:
        return str(stdnum_postcode.compact(stdnum_postcode.validate(raw)))
    except ValidationError as exc:
        raise InvalidPostcode(raw) from exc
