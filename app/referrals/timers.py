"""The clocks that run by themselves: contact deadline passed, collection hold ending and ended.

Each fires once per referral: the referral row is locked (skipping rows another worker holds) and
a timestamp column records that it fired, in the same transaction as the event it produces.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app import clocks, metrics
from app.outbox import EventType
from app.referrals import history
from app.referrals.lifecycle import Status
from app.referrals.models import Doorverwijzing as D

BATCH = 200


@dataclass(frozen=True)
class Timer:
    soort: EventType
    fired: InstrumentedAttribute[datetime | None]

    def due(self, today: date, herinnering_dagen: int) -> ColumnElement[bool]:
        if self.soort is EventType.CONTACTTERMIJN_VERSTREKEN:
            # contact_promise.contacttermijn says niet_gehaald for an open referral exactly then:
            # eerste_contactpoging_op holds only attempts that keep the promise (not Administratief
            # or Onbekend); a referral withdrawn or closed is no longer open, so it never fires
            no_attempt_in_time = or_(
                D.eerste_contactpoging_op.is_(None), D.eerste_contactpoging_op > D.contact_uiterlijk
            )
            return and_(D.is_open.is_(True), no_attempt_in_time, D.contact_uiterlijk < today)
        not_withdrawn = D.status != Status.INGETROKKEN.value
        if self.soort is EventType.INCASSOSTOP_VERLOOPT_BINNENKORT:
            window_start = today + timedelta(days=herinnering_dagen)
            return and_(not_withdrawn, D.incassostop_tot <= window_start, D.incassostop_tot >= today)
        return and_(not_withdrawn, D.incassostop_tot < today)

    def details(self, doorverwijzing: D) -> dict[str, str]:
        if self.soort is EventType.CONTACTTERMIJN_VERSTREKEN:
            return {"contactUiterlijk": doorverwijzing.contact_uiterlijk.isoformat()}
        return {"incassostopTot": doorverwijzing.incassostop_tot.isoformat()}


TIMERS = (
    Timer(EventType.CONTACTTERMIJN_VERSTREKEN, D.contacttermijn_verstreken_op),
    Timer(EventType.INCASSOSTOP_VERLOOPT_BINNENKORT, D.incassostop_herinnerd_op),
    Timer(EventType.INCASSOSTOP_VERLOPEN, D.incassostop_verlopen_op),
)


async def run_timers(session: AsyncSession, *, now: datetime, herinnering_dagen: int) -> int:
    """Fire every timer that is due at `now`; returns how many fired."""
    today = clocks.ontvangstdag(now)
    fired = 0
    for timer in TIMERS:
        due = await session.scalars(
            select(D)
            .where(timer.fired.is_(None), timer.due(today, herinnering_dagen))
            .order_by(D.ontvangen_op)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        for doorverwijzing in due:
            setattr(doorverwijzing, timer.fired.key, now)
            history.record(
                session,
                doorverwijzing,
                soort=timer.soort,
                now=now,
                actor_id=None,
                gegevens=timer.details(doorverwijzing),
            )
            fired += 1
            metrics.timer_fired(timer.soort.value)
    return fired
