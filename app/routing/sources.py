"""Readers for routing reference files (pure apart from reading the file they are given).

Recognised by their header:
  CBS postcode-huisnummer  `PC6;Huisnummer;Buurt…;Wijk…;Gemeente…` (semicolon; `GM0518` or `0518`)
  PC4 table                `pc4,gemeentecode,…,adressen…` (the bundled CBS aggregate)
  PC6 table                `pc6,gemeentecode` (optionally `adressen`)
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path

from app.routing import table
from app.routing.table import Regel

_GEMEENTECODE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)
_PC6 = re.compile(r"^[1-9]\d{3}[A-Z]{2}$")
_PC4 = re.compile(r"^[1-9]\d{3}$")


class Formaat(StrEnum):
    CBS = "cbs"
    PC4 = "pc4"
    PC6 = "pc6"


class SourceError(ValueError):
    """The file is not a routing table this service can read; the message says where."""


def gemeentecode(raw: str | None) -> str:
    match = _GEMEENTECODE.match((raw or "").strip())
    if not match:
        raise SourceError(f"not a gemeentecode: {raw!r}")
    return match.group(1).zfill(4)


def detect(path: Path) -> Formaat:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline().strip().lower()
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    columns = [c.strip().strip('"') for c in re.split(r"[;,]", header)]
    if columns[:2] == ["pc6", "huisnummer"]:
        return Formaat.CBS
    if columns[:2] == ["pc4", "gemeentecode"]:
        return Formaat.PC4
    if columns[:2] == ["pc6", "gemeentecode"]:
        return Formaat.PC6
    raise SourceError(f"{path}: unknown header {header!r}")


def _rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        for number, row in enumerate(reader, start=2):
            if row:
                yield number, [cell.strip() for cell in row]


def _cbs_addresses(path: Path) -> Callable[[], Iterable[tuple[str, int, str]]]:
    def rows() -> Iterator[tuple[str, int, str]]:
        for number, row in _rows(path, ";"):
            try:
                pc6, huisnummer, code = row[0].replace(" ", "").upper(), int(row[1]), row[-1]
                if not _PC6.match(pc6):
                    raise SourceError(f"not a PC6: {pc6!r}")
                yield pc6, huisnummer, gemeentecode(code)
            except (IndexError, ValueError) as exc:
                raise SourceError(f"{path}:{number}: {exc}") from exc

    return rows


def _counts(path: Path, pattern: re.Pattern[str]) -> Iterator[tuple[str, str, int]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):
            try:
                key = (row[reader.fieldnames[0] if reader.fieldnames else ""] or "").replace(" ", "").upper()
                if not pattern.match(key):
                    raise SourceError(f"not a postcode area: {key!r}")
                yield key, gemeentecode(row["gemeentecode"]), int(row.get("adressen") or 1)
            except (KeyError, ValueError) as exc:
                raise SourceError(f"{path}:{number}: {exc}") from exc


def read_rules(path: Path, formaat: Formaat | None = None) -> list[Regel]:
    formaat = formaat or detect(path)
    try:
        if formaat is Formaat.CBS:
            return table.from_addresses(_cbs_addresses(path))
        if formaat is Formaat.PC4:
            return table.from_area_counts(_counts(path, _PC4))
        return _pc6_rules(_counts(path, _PC6))
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason})") from exc


def _pc6_rules(rows: Iterable[tuple[str, str, int]]) -> list[Regel]:
    """A PC6 table gives exact PC6 rules plus PC4 majority rules for PC6s it does not list."""
    rows = list(rows)
    pc6_rules = table.from_area_counts(rows)  # same majority logic, keyed by PC6
    pc4_rules = table.from_area_counts((pc6[:4], code, n) for pc6, code, n in rows)
    return pc4_rules + pc6_rules
