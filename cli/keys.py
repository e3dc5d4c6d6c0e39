"""`profitshare keys rotate`: every encrypted field re-encrypted under the first FERNET_KEYS key."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import run_with_deps
from db.rotation import BATCH_ROWS, TableRotation, rotate_all

app = typer.Typer(help="Field-encryption keys (FERNET_KEYS).", no_args_is_help=True)
console = Console()


@app.command()
def rotate(
    batch_rows: int = typer.Option(BATCH_ROWS, min=1, help="Rows per transaction."),
) -> None:
    """Re-encrypt every row under the first key, in small locked batches while the app runs.

    Safe to run twice: what is already under the first key is left alone. Put the new key
    first in FERNET_KEYS everywhere, run this, then drop the old key.
    """
    results = run_with_deps(
        lambda deps: rotate_all(deps.sessions, deps.cipher, batch_rows=batch_rows)
    )
    console.print(_table(results))
    unreadable = sum(r.unreadable for r in results)
    if unreadable:
        console.print(
            f"[red]{unreadable} value(s) read under no configured key; they were left as "
            "they are. Find the key they were written with before removing any.[/red]"
        )
        raise typer.Exit(1)
    console.print("Every encrypted value is under the first key; older keys can be removed.")


def _table(results: list[TableRotation]) -> Table:
    table = Table("table", "rows", "values re-encrypted", "unreadable", title="key rotation")
    for r in results:
        table.add_row(r.table, str(r.rows), str(r.rotated), str(r.unreadable))
    return table
