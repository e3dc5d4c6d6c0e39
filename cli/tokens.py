"""`profitshare token create|revoke|list`: API tokens kept hashed in api_tokens."""

from __future__ import annotations

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
) -> None:
    """Print a new token once: only its hash is stored, it cannot be shown again."""
    if role not in ROLES:
        err.print(f"[red]unknown role {role!r}; one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)

    async def issue(deps):
        async with deps.sessions.begin() as s:
            return await tokens.create(s, role, label)

    issued = run_with_deps(issue)
    # Only the token on stdout, so `TOKEN=$(profitshare token create --role ops)` works.
    err.print(f"token #{issued.id} for role {issued.role}; store it now, it is not kept.")
    typer.echo(issued.token)


@app.command()
def revoke(token_id: int = typer.Argument(..., help="The id `token list` shows.")) -> None:
    """Revoke a token; every API process refuses it within a second or two."""

    async def revoke_one(deps):
        async with deps.sessions.begin() as s:
            return await tokens.revoke(s, token_id)

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

    table = Table("id", "role", "label", "created", "revoked", title="API tokens")
    for row in run_with_deps(rows):
        revoked = row.revoked_at.isoformat() if row.revoked_at else ""
        table.add_row(str(row.id), row.role, row.label or "", row.created_at.isoformat(), revoked)
    console.print(table)
