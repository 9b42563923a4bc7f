"""The routing table: a CBS address file compressed to a few rules, and the bundled PC4 table."""

from datetime import date
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.routing.service import Snapshot
from app.routing.sources import Formaat, SourceError, detect, gemeentecode, read_rules
from app.routing.table import Methode, Regel, RoutingTable, Uitkomst

CBS_HEADER = "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024"
BUNDLED = PROJECT_ROOT / "app" / "routing" / "data" / "pc4_gemeente.csv"

# PC4 1011: all of it in Amsterdam (0363).
# PC4 4062: crosses the Tiel (0281) / West Betuwe (1960) border, but every PC6 lies in one gemeente:
#   4062AA (5 addresses) and 4062AB (3) in Tiel, 4062BA (2) in West Betuwe -> Tiel holds 8 of 10.
# PC6 5383AA: split by house number, odd numbers in 's-Hertogenbosch (0796), even ones in Bernheze
#   (1721) -> 3 of 5 in 0796; 5383AB (5 addresses) wholly in 0796 -> PC4 5383 is 8 of 10 in 0796.
ADDRESSES = [
    ("1011AA", 1, "GM0363"),
    ("1011AA", 2, "0363"),
    ("1011AA", 3, "GM0363"),
    ("1011AB", 1, "0363"),
    ("4062AA", 1, "GM0281"),
    ("4062AA", 2, "0281"),
    ("4062AA", 3, "GM0281"),
    ("4062AA", 4, "0281"),
    ("4062AA", 5, "GM0281"),
    ("4062AB", 1, "0281"),
    ("4062AB", 2, "GM0281"),
    ("4062AB", 3, "0281"),
    ("4062BA", 1, "GM1960"),
    ("4062BA", 2, "1960"),
    ("5383AA", 1, "GM0796"),
    ("5383AA", 2, "GM1721"),
    ("5383AA", 3, "0796"),
    ("5383AA", 4, "1721"),
    ("5383AA", 5, "GM0796"),
    ("5383AB", 1, "0796"),
    ("5383AB", 2, "GM0796"),
    ("5383AB", 3, "0796"),
    ("5383AB", 4, "GM0796"),
    ("5383AB", 5, "0796"),
]
SPLIT_PC4S = {
    "1261", "1271", "1724", "4062", "4197", "5091", "5383", "6574", "6924", "7011",
    "7351", "7693", "7694", "7933", "7963", "7964", "8191", "9207", "9417", "9423",
}  # fmt: skip


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cbs_file(tmp_path: Path) -> Path:
    rows = [f"{pc6};{number};BU00000000;WK000000;{code}" for pc6, number, code in ADDRESSES]
    return _write(tmp_path / "pc6hnr_gwb.csv", [CBS_HEADER, *rows])


@pytest.fixture
def cbs_rules(cbs_file: Path) -> list[Regel]:
    return read_rules(cbs_file)


@pytest.fixture
def cbs_table(cbs_rules: list[Regel]) -> RoutingTable:
    return RoutingTable(cbs_rules)


@pytest.fixture(scope="module")
def bundled() -> dict[str, Regel]:
    return {regel.sleutel: regel for regel in read_rules(BUNDLED)}


# --- compressing a CBS address file ----------------------------------------------------------


def test_a_cbs_address_file_is_recognised_by_its_header(cbs_file: Path) -> None:
    assert detect(cbs_file) is Formaat.CBS


def test_a_pc4_wholly_in_one_gemeente_is_routed_exactly_on_its_pc4(cbs_table: RoutingTable) -> None:
    assert cbs_table.lookup("1011AB", 1) == Uitkomst("0363", Methode.PC4, "1011", 1.0)


def test_a_pc4_wholly_in_one_gemeente_needs_only_its_pc4_rule(cbs_rules: list[Regel]) -> None:
    assert [regel for regel in cbs_rules if regel.sleutel.startswith("1011")] == [Regel("1011", "0363", 1.0)]


def test_an_unknown_pc6_in_an_undivided_pc4_is_routed_exactly_on_the_pc4(cbs_table: RoutingTable) -> None:
    uitkomst = cbs_table.lookup("1011ZZ", 1)

    assert uitkomst == Uitkomst("0363", Methode.PC4, "1011", 1.0)
    assert not uitkomst.meerderheid


@pytest.mark.parametrize(
    ("postcode", "huisnummer", "gemeente"),
    [("4062AA", 3, "0281"), ("4062AB", 1, "0281"), ("4062BA", 2, "1960")],
)
def test_a_pc6_in_a_divided_pc4_is_routed_exactly_on_its_pc6(
    cbs_table: RoutingTable, postcode: str, huisnummer: int, gemeente: str
) -> None:
    assert cbs_table.lookup(postcode, huisnummer) == Uitkomst(gemeente, Methode.PC6, postcode, 1.0)


def test_an_unknown_pc6_in_a_divided_pc4_gets_a_majority_routing_with_its_share(
    cbs_table: RoutingTable,
) -> None:
    uitkomst = cbs_table.lookup("4062ZZ", 1)

    assert uitkomst is not None
    assert (uitkomst.gemeentecode, uitkomst.methode, uitkomst.sleutel) == ("0281", Methode.PC4, "4062")
    assert uitkomst.aandeel == pytest.approx(8 / 10)
    assert uitkomst.meerderheid


@pytest.mark.parametrize(("huisnummer", "gemeente"), [(1, "0796"), (2, "1721"), (4, "1721"), (5, "0796")])
def test_a_pc6_divided_by_house_number_is_routed_exactly_on_the_house_number(
    cbs_table: RoutingTable, huisnummer: int, gemeente: str
) -> None:
    assert cbs_table.lookup("5383AA", huisnummer) == Uitkomst(
        gemeente, Methode.PC6_HUISNUMMER, f"5383AA:{huisnummer}", 1.0
    )


def test_an_unknown_house_number_in_a_divided_pc6_gets_a_majority_routing_with_its_share(
    cbs_table: RoutingTable,
) -> None:
    uitkomst = cbs_table.lookup("5383AA", 7)

    assert uitkomst is not None
    assert (uitkomst.gemeentecode, uitkomst.methode, uitkomst.sleutel) == ("0796", Methode.PC6, "5383AA")
    assert uitkomst.aandeel == pytest.approx(3 / 5)
    assert uitkomst.meerderheid


def test_an_undivided_pc6_next_to_a_divided_one_is_routed_exactly_on_its_pc6(cbs_table: RoutingTable) -> None:
    assert cbs_table.lookup("5383AB", 99) == Uitkomst("0796", Methode.PC6, "5383AB", 1.0)


def test_a_postcode_outside_the_file_is_not_routed(cbs_table: RoutingTable) -> None:
    assert cbs_table.lookup("9999AA", 1) is None


def test_only_the_divided_pc6_gets_rules_per_house_number(cbs_rules: list[Regel]) -> None:
    house_rules = {regel.sleutel for regel in cbs_rules if ":" in regel.sleutel}

    assert house_rules == {"5383AA:1", "5383AA:2", "5383AA:3", "5383AA:4", "5383AA:5"}


def test_the_compressed_table_keeps_pc4_rules_pc6_rules_for_divided_pc4s_and_little_else(
    cbs_table: RoutingTable,
) -> None:
    """24 addresses -> 3 PC4 rules + 5 PC6 rules (in 4062 and 5383) + 5 house rules (in 5383AA)."""
    assert len(cbs_table) == 3 + 5 + 5


# --- the bundled PC4 table -------------------------------------------------------------------


def test_the_bundled_table_is_recognised_as_a_pc4_table() -> None:
    assert detect(BUNDLED) is Formaat.PC4


def test_the_bundled_table_has_one_rule_per_pc4(bundled: dict[str, Regel]) -> None:
    assert len(bundled) == 4072
    assert all(len(sleutel) == 4 for sleutel in bundled)


@pytest.mark.parametrize(
    ("pc4", "gemeente"),
    [
        ("1012", "0363"),  # Amsterdam
        ("3011", "0599"),  # Rotterdam
        ("2511", "0518"),  # 's-Gravenhage
        ("4331", "0687"),  # Middelburg (Z.)
        ("6001", "0988"),  # Weert
        ("3311", "0505"),  # Dordrecht
    ],
)
def test_a_pc4_in_one_gemeente_routes_there_exactly(
    bundled: dict[str, Regel], pc4: str, gemeente: str
) -> None:
    assert bundled[pc4] == Regel(pc4, gemeente, 1.0)


def test_the_twenty_pc4s_that_cross_a_border_are_exactly_the_majority_rules(
    bundled: dict[str, Regel],
) -> None:
    assert {sleutel for sleutel, regel in bundled.items() if regel.aandeel < 1.0} == SPLIT_PC4S


def test_a_divided_pc4_routes_to_the_gemeente_with_most_addresses_and_records_its_share(
    bundled: dict[str, Regel],
) -> None:
    """4062: Tiel 52 addresses, West Betuwe 6."""
    regel = bundled["4062"]

    assert regel.gemeentecode == "0281"
    assert regel.aandeel == pytest.approx(52 / 58)


# --- files that cannot be read ---------------------------------------------------------------


def test_a_file_with_an_unknown_header_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "adressen.csv", ["postcode;nummer;gemeente", "1011AA;1;0363"])

    with pytest.raises(SourceError, match="unknown header"):
        read_rules(path)


def test_a_cbs_row_with_a_malformed_pc6_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pc6hnr.csv",
        [CBS_HEADER, "1011AA;1;BU1;WK1;GM0363", "1011A;2;BU1;WK1;GM0363", "1011AB;1;BU1;WK1;GM0363"],
    )

    with pytest.raises(SourceError, match=r"pc6hnr\.csv:3: .*PC6"):
        read_rules(path)


def test_a_cbs_row_with_a_house_number_that_is_not_a_number_is_refused_naming_its_line(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "pc6hnr.csv", [CBS_HEADER, "1011AA;een;BU1;WK1;GM0363"])

    with pytest.raises(SourceError, match=r"pc6hnr\.csv:2:"):
        read_rules(path)


def test_a_cbs_row_with_a_malformed_gemeentecode_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pc6hnr.csv", [CBS_HEADER, "1011AA;1;BU1;WK1;GM0363", "1011AA;2;BU1;WK1;Amsterdam"]
    )

    with pytest.raises(SourceError, match=r"pc6hnr\.csv:3:"):
        read_rules(path)


def test_a_pc4_table_row_without_a_gemeentecode_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "pc4.csv", ["pc4,gemeentecode,adressen", "1011,0363,5", "1012"])

    with pytest.raises(SourceError, match=r"pc4\.csv:3:"):
        read_rules(path)


# --- gemeentecodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["GM518", "GM0518", "gm0518", "0518", "518", " GM0518 "])
def test_a_gemeentecode_is_written_as_four_digits(raw: str) -> None:
    assert gemeentecode(raw) == "0518"


@pytest.mark.parametrize("raw", ["", "GM", "GM05180", "'s-Gravenhage", "BU05180000"])
def test_something_that_is_not_a_gemeentecode_is_refused(raw: str) -> None:
    with pytest.raises(SourceError):
        gemeentecode(raw)


@pytest.mark.parametrize(
    ("postcode", "huisnummer"),
    [
        ("1011AA", 1),  # an undivided PC4
        ("1011ZZ", 9),  # an unknown PC6 in it
        ("4062BA", 1),  # a PC6 in a divided PC4
        ("4062ZZ", 1),  # an unknown PC6 there: the majority
        ("5383AA", 2),  # a house number in a divided PC6
        ("5383AA", 99),  # an unknown one there
        ("9999AA", 1),  # outside the file
    ],
)
def test_bulk_routing_gives_the_gemeentecode_of_the_full_lookup(
    cbs_table: RoutingTable, postcode: str, huisnummer: int
) -> None:
    uitkomst = cbs_table.lookup(postcode, huisnummer)

    assert cbs_table.gemeentecode(postcode, huisnummer) == (uitkomst.gemeentecode if uitkomst else None)


@pytest.mark.parametrize(
    ("on", "expected"),
    [(date(2020, 12, 31), "0003"), (date(2021, 1, 1), "1979")],
    ids=["before-the-merger", "from-the-merger"],
)
def test_bulk_routing_follows_a_merger_like_the_full_routing(on: date, expected: str) -> None:
    """Appingedam (0003) became part of Eemsdelta (1979) on 1 January 2021."""
    snapshot = Snapshot(
        tabel_id=1,
        versie="test",
        peildatum=date(2020, 8, 1),
        table=RoutingTable([Regel("9901", "0003")]),
        gemeenten={"0003": "Appingedam", "1979": "Eemsdelta"},
        herindelingen={"0003": (date(2021, 1, 1), "1979")},
    )
    routering = snapshot.route("9901AB", 1, on=on)

    assert routering is not None
    assert snapshot.gemeentecode("9901AB", 1, on=on) == routering.gemeentecode == expected
    assert snapshot.gemeentecode("9902AB", 1, on=on) is None
