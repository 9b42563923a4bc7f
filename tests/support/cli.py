"""Running `wdv` from a test: in-process through typer's runner, or as the installed program."""

import asyncio
import csv
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import PROJECT_ROOT

WDV = str(Path(sys.executable).parent / "wdv")


def wdv(*args: str, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


async def wdv_async(*args: str, stdin: str | None = None) -> Result:
    """Run a command from an async test: the CLI runs its own event loop, so in another thread."""
    return await asyncio.to_thread(wdv, *args, stdin=stdin)


def wdv_process(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """The installed `wdv` in its own process: what an operator sees, tracebacks included."""
    return subprocess.run(  # noqa: S603 - the project's own program with fixed arguments
        [WDV, *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


def one_line_error(result: Result) -> str:
    """The single line an expected error prints; fails when there is more, or a traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"not a clean exit: {result.exception!r}"
    assert "Traceback" not in result.output
    error_lines = result.stderr.strip().splitlines()
    assert len(error_lines) == 1, result.stderr
    return error_lines[0]


def pc4_gemeentecode(pc4: str) -> str:
    """The gemeente of a PC4 in the bundled table (one that lies in a single gemeente)."""
    with (PROJECT_ROOT / "app" / "routing" / "data" / "pc4_gemeente.csv").open(encoding="utf-8") as handle:
        codes = [row["gemeentecode"] for row in csv.DictReader(handle) if row["pc4"] == pc4]
    assert len(codes) == 1, f"{pc4} lies in one gemeente in the bundled table"
    return codes[0]


def bundled_pc4s() -> set[str]:
    with (PROJECT_ROOT / "app" / "routing" / "data" / "pc4_gemeente.csv").open(encoding="utf-8") as handle:
        return {row["pc4"] for row in csv.DictReader(handle)}
