"""`profitshare audit verify`: seals, every share balancing exactly, and the audit chains,
checked against every anchor Temporal keeps."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import run_with_deps
from config.settings import load_settings
from db.integrity import ChainHead, IntegrityReport, verify
from db.seals import seal_unsealed
from runtime.audit_anchor_schedule import kept_anchors
from runtime.client import connect

app = typer.Typer(
    help="Tamper evidence: share seals and the audit log's hash chains.", no_args_is_help=True
)
console = Console()
# How long verify waits for Temporal (where the anchors are kept) before going on without:
# every kept run's result is read (a month of runs: a few thousand small reads).
ANCHOR_TIMEOUT_S = 120.0


@app.command("verify")
def verify_command(
    require_anchor: bool = typer.Option(
        False, help="Fail (exit 2) when no anchor can be read from Temporal."
    ),
) -> None:
    """Exit 0 if nothing was changed outside the application; else 1 and what was."""
    anchors, why_not = _anchors()
    if not anchors:
        console.print(f"[yellow]not checked against an anchor: {why_not}[/yellow]")
        if require_anchor:
            raise typer.Exit(2)
    report = run_with_deps(
        lambda deps: verify(deps.sessions, deps.cipher, deps.hasher, anchors=anchors)
    )
    checked = (
        f"{report.shares} shares, {report.sealed_rows} sealed rows and {report.entries} audit"
        f" entries in {report.chains} chains checked"
        f"{f' against {len(anchors)} anchor(s)' if report.anchored else ''}"
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


def _anchors() -> tuple[list[dict[int, ChainHead]], str]:
    async def fetch() -> tuple[list[dict[int, ChainHead]], str]:
        client = await connect(load_settings())
        kept = await kept_anchors(client)
        if not kept:
            return [], "no completed anchor run is kept in Temporal"
        newest, oldest = kept[0][0].at.isoformat(), kept[-1][0].at.isoformat()
        console.print(f"anchors: {len(kept)} kept, from {oldest} to {newest}")
        return [heads for _, heads in kept], ""

    try:
        return asyncio.run(asyncio.wait_for(fetch(), ANCHOR_TIMEOUT_S))
    except Exception as error:  # Temporal down or unreachable: say so, check the rest
        return [], f"Temporal did not answer ({type(error).__name__})"


def _findings(report: IntegrityReport) -> Table:
    table = Table("finding", "subject", "detail", title="changed outside the application")
    for finding in report.findings:
        table.add_row(finding.kind, finding.subject, finding.detail)
    return table
