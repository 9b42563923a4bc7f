"""Running `wdv` from a test, in-process (typer's runner)."""

import asyncio

from typer.testing import CliRunner, Result

from app.cli import cli


def wdv(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


async def wdv_async(*args: str, stdin: str | None = None) -> Result:
    """Run a command from an async test: the CLI runs its own event loop, so in another thread."""
    return await asyncio.to_thread(wdv, *args, stdin=stdin)
