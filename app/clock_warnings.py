"""The contact deadline as the service computes it: warns the operator, once per process, when it
falls in a period for which no decree under article 3(3) Algemene termijnenwet is on file."""

import logging
from datetime import date

from app import clocks

log = logging.getLogger(__name__)


class _Once:
    """Remembers whether this process has warned already."""

    warned = False


def contact_uiterlijk(ontvangen: date) -> date:
    """`clocks.contact_uiterlijk`, with the warning when the decree for its period is missing."""
    deadline = clocks.contact_uiterlijk(ontvangen)
    if not clocks.besluit_bekend(deadline) and not _Once.warned:
        _Once.warned = True
        log.warning(
            "no Besluit gelijkstelling (art. 3(3) Algemene termijnenwet) is on file for %s: "
            "contact deadlines there count the statutory holidays only; add the decree's days to "
            "app/data/%s",
            deadline.year,
            clocks.GELIJKSTELLINGEN_BESTAND,
        )
    return deadline
