"""`wdv route --csv`: a file of addresses in, every line answered with gemeentecode and reden."""

from pathlib import Path

import pytest

from tests.support.cli import (
    bundled_pc4s,
    lines,
    one_line_error,
    pc4_gemeentecode,
    wdv,
)

NOT_IN_THE_TABLE = "1000"  # PO boxes: a valid PC4 without addresses


def test_every_line_gets_a_gemeentecode_or_the_reason_it_has_none(wdv_database: str) -> None:
    assert NOT_IN_THE_TABLE not in bundled_pc4s()
    stdin = (
        "postcode,huisnummer\n"
        "1012 LG,1\n"
        "3011AA,5\n"
        f"9999ZZ,1\n"
        "1234SS,1\n"
        "rubbish,3\n"
        "1012 LG,een\n"
        "1012 LG,12a\n"
        "1012 LG,\n"
        "1012 LG\n"
        ",7\n"
        f"{NOT_IN_THE_TABLE}AB,1\n"
    )

    result = wdv("route", "--csv", stdin=stdin)

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "postcode,huisnummer,gemeentecode,reden",
        "1012 LG,1,0363,",
        "3011AA,5,0599,",
        f"9999ZZ,1,{pc4_gemeentecode('9999')},",
        "1234SS,1,,postcode-ongeldig",
        "rubbish,3,,postcode-ongeldig",
        "1012 LG,een,,huisnummer-ongeldig",
        "1012 LG,12a,,huisnummer-ongeldig",
        "1012 LG,,,huisnummer-ontbreekt",
        "1012 LG,,,huisnummer-ontbreekt",  # the missing cell is added
        ",7,,postcode-ontbreekt",
        f"{NOT_IN_THE_TABLE}AB,1,,niet-routeerbaar",
    ]
    assert result.stderr.splitlines() == [
        "routed 3 of 11 addresses; not routed: postcode-ongeldig 2, huisnummer-ongeldig 2, "
        "huisnummer-ontbreekt 2, postcode-ontbreekt 1, niet-routeerbaar 1"
    ]


def test_a_semicolon_separated_file_is_read_and_answered_with_semicolons(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="Postcode;Huisnummer\r\n1012 LG;1\r\n3011 AA;5\r\n")

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "Postcode;Huisnummer;gemeentecode;reden",
        "1012 LG;1;0363;",
        "3011 AA;5;0599;",
    ]
    assert result.stderr.strip() == "routed 2 of 2 addresses"


def test_a_file_without_a_header_gets_one(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="1012LG,1,K-1\n3011AA,5\n")

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "postcode,huisnummer,kolom3,gemeentecode,reden",
        "1012LG,1,K-1,0363,",
        "3011AA,5,,0599,",
    ]


def test_other_columns_are_kept_and_the_header_says_where_the_address_is(wdv_database: str) -> None:
    stdin = 'klant,huisnummer,postcode,naam\nK-1,1,1012 LG,"Jansen, A."\nK-2,5,3011AA,Pietersen\n'

    result = wdv("route", "--csv", stdin=stdin)

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "klant,huisnummer,postcode,naam,gemeentecode,reden",
        'K-1,1,1012 LG,"Jansen, A.",0363,',
        "K-2,5,3011AA,Pietersen,0599,",
    ]


def test_blank_lines_are_skipped_and_a_byte_order_mark_is_ignored(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="\ufeffpostcode,huisnummer\n\n1012 LG,1\n,\n")

    assert result.exit_code == 0, result.output
    assert lines(result) == ["postcode,huisnummer,gemeentecode,reden", "1012 LG,1,0363,"]


def test_nothing_routed_is_a_failure_with_the_summary(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="postcode,huisnummer\nrubbish,1\n1012 LG,een\n")

    assert result.exit_code == 1
    assert lines(result)[1:] == ["rubbish,1,,postcode-ongeldig", "1012 LG,een,,huisnummer-ongeldig"]
    assert result.stderr.splitlines() == [
        "routed 0 of 2 addresses; not routed: postcode-ongeldig 1, huisnummer-ongeldig 1"
    ]


def test_empty_input_is_refused_in_one_line(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="")

    assert one_line_error(result) == "no addresses on stdin: wdv route --csv < addresses.csv"
    assert result.stdout == ""


def test_input_that_is_not_utf8_is_refused_before_anything_is_written(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="postcode,huisnummer\n1012 LG,1,Café\n".encode("cp1252"))

    assert one_line_error(result) == (
        "stdin is not UTF-8 text (line 2): save the file as UTF-8 and try again"
    )
    assert result.stdout == ""


def test_a_header_without_huisnummer_is_refused_in_one_line(wdv_database: str) -> None:
    result = wdv("route", "--csv", stdin="postcode,nummer\n1012 LG,1\n")

    assert one_line_error(result) == "the header names a postcode column but no huisnummer column"


def test_route_without_csv_explains_how_to_use_it(wdv_database: str) -> None:
    result = wdv("route")

    assert one_line_error(result) == "only --csv is supported: wdv route --csv < addresses.csv"


@pytest.mark.parametrize("present", ["nothing", "directory", "empty-file"])
def test_on_a_fresh_install_it_says_to_run_db_upgrade(
    environment: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, present: str
) -> None:
    database = tmp_path / "var" / "wdv.db"
    if present != "nothing":
        database.parent.mkdir()
    if present == "empty-file":
        database.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    result = wdv("route", "--csv", stdin="1012 LG,1\n")

    assert one_line_error(result) == (
        f"no database at {database}: run `wdv db upgrade` to create it"
        if present != "empty-file"
        else "the database has no tables for this version yet: run `wdv db upgrade` first"
    )
    assert result.stdout == ""
    assert database.exists() is (present == "empty-file")  # nothing is created by asking
