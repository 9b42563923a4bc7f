"""Routing against the active table: a snapshot kept in memory, refreshed when a new one is activated."""

import csv
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.routing import sources
from app.routing.models import Gemeente, Herindeling, Routeringsregel, Routeringstabel, TabelStatus
from app.routing.table import Methode, Regel, RoutingTable

BUNDLED = resources.files("app.routing") / "data"
BUNDLED_VERSIE = "cbs-pc4-2024-08-01"
BUNDLED_PEILDATUM = date(2024, 8, 1)
BUNDLED_BRON = "CBS, Buurt, wijk en gemeente 2024 voor postcode huisnummer (PC4-aggregaat)"


@dataclass(frozen=True)
class Routering:
    """The answer to 'where does this address go', with what is needed to explain it."""

    gemeentecode: str
    gemeentenaam: str
    methode: Methode
    sleutel: str
    aandeel: float
    tabelversie: str
    peildatum: date
    herindeeld_van: str | None = None

    @property
    def meerderheid(self) -> bool:
        return self.aandeel < 1.0

    def as_record(self) -> dict[str, object]:
        """What a stored referral keeps of its routing, in the clear. The key is kept as its PC4:
        a PC6 or house-number key would be the address itself, which is stored encrypted and from
        which `methode` recovers the key."""
        record: dict[str, object] = {
            "gemeentenaam": self.gemeentenaam,
            "methode": self.methode.value,
            "sleutel": self.sleutel[:4],
            "meerderheid": self.meerderheid,
            "tabelversie": self.tabelversie,
            "peildatum": self.peildatum.isoformat(),
        }
        if self.meerderheid:
            record["aandeel"] = round(self.aandeel, 4)
        if self.herindeeld_van:
            record["herindeeldVan"] = self.herindeeld_van
        return record


@dataclass
class Snapshot:
    tabel_id: int
    versie: str
    peildatum: date
    table: RoutingTable
    gemeenten: dict[str, str]
    # old code -> (date, successor holding most of its addresses)
    herindelingen: dict[str, tuple[date, str]] = field(default_factory=dict)

    # per day: the undivided PC4s with their gemeentecode on that day (mergers applied)
    _undivided_on: dict[date, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def _successor(self, code: str, on: date) -> str:
        while code in self.herindelingen and self.herindelingen[code][0] <= on:
            code = self.herindelingen[code][1]
        return code

    def gemeentecode(self, postcode: str, huisnummer: int, *, on: date) -> str | None:
        """The gemeentecode `route` would give, without building its explanation (bulk routing:
        most addresses are answered by one dict lookup)."""
        if (undivided := self._undivided_on.get(on)) is None:
            undivided = {pc4: self._successor(code, on) for pc4, code in self.table.undivided_pc4s().items()}
            self._undivided_on = {on: undivided}  # one day at a time is all bulk routing needs
        if (code := undivided.get(postcode[:4])) is not None:
            return code
        found = self.table.gemeentecode(postcode, huisnummer)
        return self._successor(found, on) if found is not None else None

    def route(self, postcode: str, huisnummer: int, *, on: date) -> Routering | None:
        """Route a normalised postcode; None when the table does not know it."""
        uitkomst = self.table.lookup(postcode, huisnummer)
        if uitkomst is None:
            return None
        code, merged_from = uitkomst.gemeentecode, None
        while code in self.herindelingen and self.herindelingen[code][0] <= on:
            merged_from = merged_from or code
            code = self.herindelingen[code][1]
        return Routering(
            gemeentecode=code,
            gemeentenaam=self.gemeenten.get(code, code),
            methode=uitkomst.methode,
            sleutel=uitkomst.sleutel,
            aandeel=uitkomst.aandeel,
            tabelversie=self.versie,
            peildatum=self.peildatum,
            herindeeld_van=merged_from,
        )


async def _active_table(session: AsyncSession) -> Routeringstabel | None:
    return await session.scalar(select(Routeringstabel).where(Routeringstabel.status == TabelStatus.ACTIEF))


async def load_snapshot(session: AsyncSession) -> Snapshot | None:
    tabel = await _active_table(session)
    if tabel is None:
        return None
    rows = await session.execute(
        select(Routeringsregel.sleutel, Routeringsregel.gemeentecode, Routeringsregel.aandeel).where(
            Routeringsregel.tabel_id == tabel.id
        )
    )
    gemeenten = {code: naam for code, naam in await session.execute(select(Gemeente.code, Gemeente.naam))}
    herindelingen: dict[str, tuple[date, str]] = {}
    for h in await session.scalars(select(Herindeling).order_by(Herindeling.adressen)):
        herindelingen[h.oude_code] = (h.datum, h.nieuwe_code)  # the largest successor wins
    return Snapshot(
        tabel_id=tabel.id,
        versie=tabel.versie,
        peildatum=tabel.peildatum,
        table=RoutingTable(Regel(sleutel, code, aandeel) for sleutel, code, aandeel in rows),
        gemeenten=gemeenten,
        herindelingen=herindelingen,
    )


class RoutingCache:
    """Holds the active snapshot; checks at most every `refresh_seconds` whether it was replaced."""

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._snapshot: Snapshot | None = None
        self._checked = 0.0

    async def snapshot(self, session: AsyncSession) -> Snapshot | None:
        now = time.monotonic()
        if self._snapshot is None or now - self._checked >= self.refresh_seconds:
            active_id = await session.scalar(
                select(Routeringstabel.id).where(Routeringstabel.status == TabelStatus.ACTIEF)
            )
            if active_id is None:
                self._snapshot = None
            elif self._snapshot is None or self._snapshot.tabel_id != active_id:
                self._snapshot = await load_snapshot(session)
            self._checked = now
        return self._snapshot


# A new table covering fewer PC4s than this share of the active one is refused without --force.
MIN_COVERAGE_OF_ACTIVE = 0.9


async def import_rules(
    session: AsyncSession,
    *,
    regels: list[Regel],
    versie: str,
    peildatum: date,
    bron: str,
    force: bool = False,
) -> Routeringstabel:
    """Store a new table and make it the active one, in the caller's single transaction.

    Until that transaction commits every reader keeps routing on the previous table. A table that
    names unknown gemeenten is refused; one that would route far fewer areas than the active
    table (a partial or wrong file) is refused unless `force`.
    """
    if not regels:
        raise sources.SourceError("the file holds no routing rules")
    if await session.scalar(select(Routeringstabel.id).where(Routeringstabel.versie == versie)):
        raise sources.SourceError(f"a routing table with version {versie!r} already exists")
    known = set(await session.scalars(select(Gemeente.code))) | set(
        await session.scalars(select(Herindeling.oude_code))
    )
    unknown = sorted({r.gemeentecode for r in regels} - known)
    if known and unknown:
        raise sources.SourceError(f"unknown gemeentecodes: {', '.join(unknown[:20])}")
    active = await _active_table(session)
    if active is not None and not force:
        new_pc4 = sum(1 for r in regels if len(r.sleutel) == 4)
        active_pc4 = await session.scalar(
            select(func.count())
            .select_from(Routeringsregel)
            .where(Routeringsregel.tabel_id == active.id, func.length(Routeringsregel.sleutel) == 4)
        )
        if active_pc4 and new_pc4 < MIN_COVERAGE_OF_ACTIVE * active_pc4:
            raise sources.SourceError(
                f"the file covers {new_pc4} PC4 areas, the active table {active_pc4}: "
                "import it with --force if that is intended"
            )
    tabel = Routeringstabel(
        versie=versie,
        peildatum=peildatum,
        bron=bron,
        status=TabelStatus.LADEN,
        aantal_regels=len(regels),
        aangemaakt_op=datetime.now(UTC),
    )
    session.add(tabel)
    await session.flush()
    batch = 5000
    for start in range(0, len(regels), batch):
        await session.execute(
            insert(Routeringsregel),
            [
                {
                    "tabel_id": tabel.id,
                    "sleutel": r.sleutel,
                    "gemeentecode": r.gemeentecode,
                    "aandeel": r.aandeel,
                }
                for r in regels[start : start + batch]
            ],
        )
    await session.execute(
        update(Routeringstabel)
        .where(Routeringstabel.status == TabelStatus.ACTIEF)
        .values(status=TabelStatus.VERVANGEN)
    )
    tabel.status = TabelStatus.ACTIEF
    await session.flush()
    return tabel


async def import_file(
    session: AsyncSession,
    *,
    path: Path,
    peildatum: date,
    versie: str | None = None,
    formaat: sources.Formaat | None = None,
    force: bool = False,
) -> Routeringstabel:
    formaat = formaat or sources.detect(path)
    regels = sources.read_rules(path, formaat)
    return await import_rules(
        session,
        regels=regels,
        versie=versie or f"{formaat.value}-{peildatum.isoformat()}-{path.stem}",
        peildatum=peildatum,
        bron=f"{path.name} ({formaat.value})",
        force=force,
    )


async def load_reference_data(session: AsyncSession) -> list[str]:
    """Load the bundled gemeenten, herindelingen and PC4 table where nothing is loaded yet."""
    done = []
    if not await session.scalar(select(func.count()).select_from(Gemeente)):
        with (BUNDLED / "gemeenten.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        newest = max(row["year"] for row in rows)
        session.add_all(
            Gemeente(code=r["gemeentecode"], naam=r["gemeentenaam"], provincie=r["provincie"])
            for r in rows
            if r["year"] == newest
        )
        done.append(f"gemeenten {newest}")
    if not await session.scalar(select(func.count()).select_from(Herindeling)):
        with (BUNDLED / "herindelingen.csv").open(encoding="utf-8") as handle:
            session.add_all(
                Herindeling(
                    oude_code=r["oude_gemeentecode"],
                    nieuwe_code=r["nieuwe_gemeentecode"],
                    datum=date.fromisoformat(r["datum"]),
                    oude_naam=r["oude_gemeentenaam"],
                    adressen=int(r["adressen_2020"] or 0),
                )
                for r in csv.DictReader(handle)
            )
        done.append("herindelingen")
    await session.flush()
    if await _active_table(session) is None:
        with resources.as_file(BUNDLED / "pc4_gemeente.csv") as path:
            await import_file(
                session,
                path=path,
                peildatum=BUNDLED_PEILDATUM,
                versie=BUNDLED_VERSIE,
                formaat=sources.Formaat.PC4,
            )
        done.append(f"routing table {BUNDLED_VERSIE}")
    return done
