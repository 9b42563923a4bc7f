"""The routing table (pure): postcode + house number -> gemeentecode, compressed for memory.

Three levels of rules, most specific first:
  `1234AB:12`  one house number, for a PC6 that lies in more than one gemeente;
  `1234AB`     one PC6, for a PC4 that lies in more than one gemeente;
  `1234`       every PC4: the gemeente holding most of its addresses and that share.
A rule with a share below 1 is a majority routing and is reported as such, never silently.
Built from a CBS "postcode-huisnummer" file this keeps ~4,100 PC4 rules plus a few hundred PC6
and house-number rules instead of eight million addresses.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Methode(StrEnum):
    PC4 = "pc4"
    PC6 = "pc6"
    PC6_HUISNUMMER = "pc6-huisnummer"


@dataclass(frozen=True, slots=True)
class Regel:
    sleutel: str
    gemeentecode: str
    aandeel: float = 1.0


@dataclass(frozen=True, slots=True)
class Uitkomst:
    """Where an address routes, and how that was decided."""

    gemeentecode: str
    methode: Methode
    sleutel: str
    aandeel: float

    @property
    def meerderheid(self) -> bool:
        return self.aandeel < 1.0


def house_key(pc6: str, huisnummer: int) -> str:
    return f"{pc6}:{huisnummer}"


class RoutingTable:
    """Lookups in memory; `lookup` takes a normalised postcode (`1234AB`)."""

    def __init__(self, regels: Iterable[Regel]) -> None:
        self._regels: dict[str, tuple[str, float]] = {r.sleutel: (r.gemeentecode, r.aandeel) for r in regels}
        # the PC4s with finer (PC6 or house-number) rules: all others are answered by one lookup
        self._fijner = frozenset(sleutel[:4] for sleutel in self._regels if len(sleutel) > 4)

    def __len__(self) -> int:
        return len(self._regels)

    def undivided_pc4s(self) -> dict[str, str]:
        """PC4 -> gemeentecode for every PC4 without finer rules (one lookup answers its addresses)."""
        return {
            sleutel: code
            for sleutel, (code, _aandeel) in self._regels.items()
            if len(sleutel) == 4 and sleutel not in self._fijner
        }

    def gemeentecode(self, postcode: str, huisnummer: int) -> str | None:
        """Only the gemeentecode `lookup` would give (bulk routing: no explanation built per line)."""
        pc4 = postcode[:4]
        if pc4 in self._fijner:
            found = (
                self._regels.get(house_key(postcode, huisnummer))
                or self._regels.get(postcode)
                or self._regels.get(pc4)
            )
        else:
            found = self._regels.get(pc4)
        return found[0] if found is not None else None

    def lookup(self, postcode: str, huisnummer: int) -> Uitkomst | None:
        for sleutel, methode in (
            (house_key(postcode, huisnummer), Methode.PC6_HUISNUMMER),
            (postcode, Methode.PC6),
            (postcode[:4], Methode.PC4),
        ):
            found = self._regels.get(sleutel)
            if found is not None:
                return Uitkomst(found[0], methode, sleutel, found[1])
        return None


def _majority(counts: Counter[str]) -> tuple[str, float]:
    """The gemeente with most addresses (on a tie the lowest code, so file order never matters)."""
    code, most = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return code, most / sum(counts.values())


def from_area_counts(rows: Iterable[tuple[str, str, int]]) -> list[Regel]:
    """Majority rules from (area, gemeentecode, addresses) rows; an area is a PC4 or a PC6."""
    per_area: dict[str, Counter[str]] = defaultdict(Counter)
    for area, code, adressen in rows:
        per_area[area][code] += adressen
    return [Regel(area, *_majority(counts)) for area, counts in per_area.items()]


def from_addresses(rows: Callable[[], Iterable[tuple[str, int, str]]]) -> list[Regel]:
    """Rules from (pc6, huisnummer, gemeentecode) address rows, as in the CBS file.

    `rows` is called once, and a second time only when some PC6 lies in more than one gemeente
    (to collect that PC6's house numbers), so an eight-million-line file is never held in memory.
    """
    per_pc6: dict[str, Counter[str]] = defaultdict(Counter)
    for pc6, _huisnummer, code in rows():
        per_pc6[pc6][code] += 1

    per_pc4: dict[str, Counter[str]] = defaultdict(Counter)
    for pc6, counts in per_pc6.items():
        per_pc4[pc6[:4]].update(counts)

    regels = [Regel(pc4, *_majority(counts)) for pc4, counts in per_pc4.items()]
    split_pc4 = {r.sleutel for r in regels if r.aandeel < 1.0}
    split_pc6 = set()
    for pc6, counts in per_pc6.items():
        if pc6[:4] in split_pc4:
            regel = Regel(pc6, *_majority(counts))
            regels.append(regel)
            if regel.aandeel < 1.0:
                split_pc6.add(pc6)

    if split_pc6:
        houses: dict[str, Counter[str]] = defaultdict(Counter)
        for pc6, huisnummer, code in rows():
            if pc6 in split_pc6:
                houses[house_key(pc6, huisnummer)][code] += 1
        regels.extend(Regel(key, *_majority(counts)) for key, counts in houses.items())
    return regels
