"""`wdv route --csv`: route a file of addresses, line by line, against the active routing table.

Each line is answered: the input columns, then `gemeentecode` and `reden` (why a line was not
routed; empty when it was). Routing a file is dict lookups per line after one query for the table,
so start-up (imports) dominates: see benchmarks/test_bench_cli.py.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli import cli, fail, in_transaction

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession

    from app.routing.service import Snapshot

# why a line was not routed (the `reden` column)
POSTCODE_ONTBREEKT = "postcode-ontbreekt"
POSTCODE_ONGELDIG = "postcode-ongeldig"
HUISNUMMER_ONTBREEKT = "huisnummer-ontbreekt"
HUISNUMMER_ONGELDIG = "huisnummer-ongeldig"
NIET_ROUTEERBAAR = "niet-routeerbaar"


def _delimiter(first_line: str) -> str:
    """`;` when the first line has more semicolons than commas (as spreadsheets in Dutch write)."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _cells(line: str, delimiter: str) -> list[str]:
    """The cells of one line; only a line with quotes needs the csv module."""
    if '"' not in line:
        return line.split(delimiter)
    return next(csv.reader([line], delimiter=delimiter), [])


def _columns(header: list[str]) -> tuple[int, int] | None:
    """Where postcode and huisnummer are, when the first line is a header naming them."""
    names = [cell.strip().casefold() for cell in header]
    if "postcode" not in names:
        return None
    if "huisnummer" not in names:
        fail("the header names a postcode column but no huisnummer column")
    return names.index("postcode"), names.index("huisnummer")


def _route_lines(
    lines: Iterable[str],
    snapshot: Snapshot,
    *,
    on: date,
    delimiter: str,
    width: int,
    postcode_at: int,
    huisnummer_at: int,
) -> Iterator[tuple[str, str, str]]:
    """Each non-blank line with its gemeentecode and reden (one of the two is empty); a line with
    fewer cells than the header (`width`) is padded, so every answer has the same columns."""
    from app.routing.postcode import InvalidPostcode, normalise

    gemeentecode = snapshot.gemeentecode
    for line in lines:
        cells = _cells(line, delimiter)
        if len(cells) < width:
            line += delimiter * (width - len(cells))
        raw_postcode = cells[postcode_at].strip() if postcode_at < len(cells) else ""
        raw_huisnummer = cells[huisnummer_at].strip() if huisnummer_at < len(cells) else ""
        if not raw_postcode:
            if not line.strip(delimiter + " \t"):
                continue  # a blank line
            yield line, "", POSTCODE_ONTBREEKT
            continue
        try:
            postcode = normalise(raw_postcode)
        except InvalidPostcode:
            yield line, "", POSTCODE_ONGELDIG
            continue
        if not raw_huisnummer:
            yield line, "", HUISNUMMER_ONTBREEKT
        elif not (raw_huisnummer.isdigit() and raw_huisnummer.isascii()) or raw_huisnummer.strip("0") == "":
            yield line, "", HUISNUMMER_ONGELDIG
        elif code := gemeentecode(postcode, int(raw_huisnummer), on=on):
            yield line, code, ""
        else:
            yield line, "", NIET_ROUTEERBAAR


def _read_stdin() -> list[str]:
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        fail(f"stdin is not UTF-8 text (line {line}): save the file as UTF-8 and try again")
    return text.splitlines()


def _layout(lines: list[str], delimiter: str) -> tuple[str, list[str], int, tuple[int, int]]:
    """The output header, the data lines, the number of columns and where postcode and house
    number are: named by a header line, or the first two columns of headerless input."""
    first = _cells(lines[0], delimiter)
    columns = _columns(first)
    if columns is None:
        width = max(2, len(first))
        header = delimiter.join(["postcode", "huisnummer", *(f"kolom{n}" for n in range(3, width + 1))])
        return header, lines, width, (0, 1)
    return lines[0], lines[1:], len(first), columns


@cli.command("route")
def route(
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Read CSV lines on stdin, write CSV on stdout")
    ] = False,
) -> None:
    """Route the addresses in a CSV file to gemeentecodes.

    Reads stdin and writes stdout. Input: one address per line as postcode,huisnummer. A first
    line naming the columns postcode and huisnummer is a header: then those columns are used and
    the others are kept. A `;` separator is recognised from the first line and used for the output
    too. Input is UTF-8 text.

    Output: a header, then every line with gemeentecode and reden. reden says why a line was not
    routed: postcode-ontbreekt, postcode-ongeldig, huisnummer-ontbreekt, huisnummer-ongeldig (not a
    whole number: text, or a number with an addition such as 12a) or niet-routeerbaar (no
    gemeente known for the postcode). A summary goes to stderr; the exit status is 1 when no line
    could be routed.
    """
    if not as_csv:
        fail("only --csv is supported: wdv route --csv < addresses.csv")
    from app import clocks
    from app.routing import service as routing

    async def load(session: AsyncSession) -> Snapshot | None:
        return await routing.load_snapshot(session)

    snapshot = in_transaction(load)
    if snapshot is None:
        fail("no routing table is loaded: run `wdv routing load-default` (or `wdv routing import`)")
    lines = _read_stdin()
    if not lines:
        fail("no addresses on stdin: wdv route --csv < addresses.csv")
    delimiter = _delimiter(lines[0])
    header, lines, width, (postcode_at, huisnummer_at) = _layout(lines, delimiter)

    refused: Counter[str] = Counter()
    routed = 0
    out = [f"{header}{delimiter}gemeentecode{delimiter}reden\n"]
    for line, code, reden in _route_lines(
        lines,
        snapshot,
        on=clocks.vandaag(),
        delimiter=delimiter,
        width=width,
        postcode_at=postcode_at,
        huisnummer_at=huisnummer_at,
    ):
        out.append(f"{line}{delimiter}{code}{delimiter}{reden}\n")
        if code:
            routed += 1
        else:
            refused[reden] += 1
        if len(out) >= 10_000:
            sys.stdout.write("".join(out))
            out.clear()
    sys.stdout.write("".join(out))
    total = routed + refused.total()
    summary = f"routed {routed:,} of {total:,} addresses"
    if refused:
        summary += "; not routed: " + ", ".join(f"{reden} {n:,}" for reden, n in refused.most_common())
    typer.echo(summary, err=True)
    if not routed:
        raise typer.Exit(1)
