"""`profitshare token create|revoke|list`: API tokens kept hashed in api_tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import err, run_with_deps
from db import tokens
from db.tokens import ROLES

app = typer.Typer(
    help="API tokens (stored hashed; the API accepts them within a second).", no_args_is_help=True
)
console = Console()


@app.command()
def create(
    role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}."),
    label: str | None = typer.Option(None, help="Who or what the token is for."),
    expires_in: str | None = typer.Option(
        None, help="The token stops working after this long: 30d, 12h, 90m (default: never)."
    ),
) -> None:
    """Print a new token once: only its hash is stored, it cannot be shown again."""
    if role not in ROLES:
        err.print(f"[red]unknown role {role!r}; one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    try:
        expires_at = None if expires_in is None else expiry(expires_in, datetime.now(UTC))
    except ValueError as error:
        err.print(f"[red]--expires-in: {error}[/red]")
        raise typer.Exit(2) from None

    async def issue(deps):
        return await tokens.issue(deps.sessions, deps.auditor, role, label, expires_at=expires_at)

    issued = run_with_deps(issue)
    # Only the token on stdout, so `TOKEN=$(profitshare token create --role ops)` works.
    err.print(f"token #{issued.id} for role {issued.role}; store it now, it is not kept.")
    typer.echo(issued.token)


@app.command()
def revoke(token_id: int = typer.Argument(..., help="The id `token list` shows.")) -> None:
    """Revoke a token; every API process refuses it within a second or two."""

    async def revoke_one(deps):
        return await tokens.withdraw(deps.sessions, deps.auditor, token_id)

    if not run_with_deps(revoke_one):
        err.print(f"[red]no active token #{token_id}[/red]")
        raise typer.Exit(1)
    console.print(f"token #{token_id} revoked")


@app.command("list")
def list_tokens() -> None:
    """Tokens created here (never their values; bootstrap tokens live in the settings)."""

    async def rows(deps):
        async with deps.sessions() as s:
            return await tokens.listing(s)

    table = Table("id", "role", "label", "created", "expires", "revoked", title="API tokens")
    for row in run_with_deps(rows):
        revoked = row.revoked_at.isoformat() if row.revoked_at else ""
        expires = row.expires_at.isoformat() if row.expires_at else ""
        created = row.created_at.isoformat()
        table.add_row(str(row.id), row.role, row.label or "", created, expires, revoked)
    console.print(table)


_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def expiry(text: str, now: datetime) -> datetime:
    """When a token made `now` with `--expires-in text` stops working.

    Raises:
        ValueError: `text` is not a duration, or one that ends past the year 9999 (the last a
            datetime holds; the sum raised OverflowError, a traceback, not the usage error).
    """
    try:
        return now + duration(text)
    except OverflowError:
        raise ValueError(f"{text!r} ends after the year 9999") from None


def duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m` as a timedelta (positive)."""
    number, unit = text[:-1], text[-1:].lower()
    if unit not in _UNITS or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 90m")
    return timedelta(**{_UNITS[unit]: int(number)})
