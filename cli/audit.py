"""`profitshare audit verify`: seals, every share balancing exactly, and the audit chains,
checked against the last anchor."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import run_with_deps
from config.settings import load_settings
from db.integrity import ChainHead, IntegrityReport, verify
from db.seals import seal_unsealed
from runtime.audit_anchor_schedule import latest_anchor
from runtime.client import connect

app = typer.Typer(
    help="Tamper evidence: share seals and the audit log's hash chains.", no_args_is_help=True
)
console = Console()
# How long verify waits for Temporal (where the anchors are kept) before going on without.
ANCHOR_TIMEOUT_S = 10.0


@app.command("verify")
def verify_command(
    require_anchor: bool = typer.Option(
        False, help="Fail (exit 2) when no anchor can be read from Temporal."
    ),
) -> None:
    """Exit 0 if nothing was changed outside the application; else 1 and what was."""
    anchor, why_not = _anchor()
    if anchor is None:
        console.print(f"[yellow]not checked against an anchor: {why_not}[/yellow]")
        if require_anchor:
            raise typer.Exit(2)
    report = run_with_deps(
        lambda deps: verify(deps.sessions, deps.cipher, deps.hasher, anchor=anchor)
    )
    checked = (
        f"{report.shares} shares, {report.sealed_rows} sealed rows and {report.entries} audit"
        f" entries in {report.chains} chains checked"
        f"{' against the last anchor' if report.anchored else ''}"
    )
    if report.ok:
        console.print(
            f"[green]OK[/green]: {checked}; every seal matches, every share balances to the "
            "minor unit, every chain is whole."
        )
        return
    console.print(_findings(report))
    console.print(f"[red]{len(report.findings)} finding(s)[/red]; {checked}.")
    raise typer.Exit(1)


@app.command("seal-unsealed")
def seal_unsealed_command() -> None:
    """Seal users, payments, tokens and fraud settings from before seals existed (run once,
    right after upgrading to revision 0011, before anyone else could write to the database)."""
    sealed = run_with_deps(lambda deps: seal_unsealed(deps.sessions, deps.cipher, deps.hasher))
    console.print(f"sealed: {sealed or 'nothing'}")


def _anchor() -> tuple[dict[int, ChainHead] | None, str]:
    async def fetch() -> tuple[dict[int, ChainHead] | None, str]:
        client = await connect(load_settings())
        found = await latest_anchor(client)
        if found is None:
            return None, "no completed anchor run is kept in Temporal"
        anchor, heads = found
        console.print(f"last anchor: {anchor.at.isoformat()} ({len(heads)} chains)")
        return heads, ""

    try:
        return asyncio.run(asyncio.wait_for(fetch(), ANCHOR_TIMEOUT_S))
    except Exception as error:  # Temporal down or unreachable: say so, check the rest
        return None, f"Temporal did not answer ({type(error).__name__})"


def _findings(report: IntegrityReport) -> Table:
    table = Table("finding", "subject", "detail", title="changed outside the application")
    for finding in report.findings:
        table.add_row(finding.kind, finding.subject, finding.detail)
    return table
