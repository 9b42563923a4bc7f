"""How `wdv` reports an expected error: one line on stderr and a non-zero exit, never a traceback.

Usage errors (a missing option, a value that is not one of the choices) are printed as one line
naming the command, instead of a usage block and an error panel. Errors the operator can act on
(a database without tables, a database that cannot be reached) become a sentence saying what to
do. Anything else is a bug, and its traceback is shown as Python prints it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

UPGRADE_FIRST = "the database has no tables for this version yet: run `wdv db upgrade` first"


def fail(message: str) -> NoReturn:
    """Stop the command with one line on stderr and exit status 1."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _safe_url(url: str) -> str:
    """The database URL without its password, for a message."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        rest = f"{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else rest
    return f"{scheme}{sep}{rest}"


def database_problem(exc: BaseException, url: str | None = None) -> str | None:
    """The sentence for a database error an operator can resolve, or None for anything else."""
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    where = f" ({_safe_url(url)})" if url else ""
    if isinstance(exc, sa_exc.DBAPIError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if "unable to open database file" in text:
            return f"the database file cannot be opened{where}: run `wdv db upgrade` to create it"
        if 'database "' in text and "does not exist" in text:
            return (
                f"the database named in DATABASE_URL does not exist{where}: "
                "create it, then run `wdv db upgrade`"
            )
        if "no such table" in text or "no such column" in text or "does not exist" in text:
            return UPGRADE_FIRST
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
            return f"cannot use the database{where}: {str(exc.orig).splitlines()[0]}"
        return None
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError):
        # the driver could not connect (refused, unknown host, timeout)
        return f"cannot reach the database{where}: {exc.strerror or exc}"
    return None


class OneLineErrors(TyperGroup):
    """The root command group: turns expected errors into one line (see the module docstring)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            outcome = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as error:  # a usage error: a missing option, a bad value
            if type(error).__name__ == "NoArgsIsHelpError":
                # the help text is the answer (typer has printed it already when it renders with rich)
                if message := error.format_message().strip():
                    typer.echo(message, err=True)
                sys.exit(error.exit_code)
            context = getattr(error, "ctx", None)
            command = context.command_path if context is not None else "wdv"
            message = error.format_message().replace("Value error, ", "")
            typer.secho(f"{command}: {message}", fg=typer.colors.RED, err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.secho("aborted", fg=typer.colors.RED, err=True)
            sys.exit(1)
        except Exception as exc:
            if (problem := database_problem(exc, _database_url())) is None:
                raise
            typer.secho(problem, fg=typer.colors.RED, err=True)
            sys.exit(1)
        sys.exit(outcome if isinstance(outcome, int) else 0)


def _database_url() -> str | None:
    from app.config import get_settings

    try:
        return get_settings().database_url
    except Exception:  # a broken setting must not hide the original error
        return None
