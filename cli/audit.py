"""`profitshare audit verify`: share seals, every share balancing exactly, and the audit chain,
recomputed from the database."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import run_with_deps
from db.integrity import IntegrityReport, verify

app = typer.Typer(
    help="Tamper evidence: share seals and the audit log's hash chain.", no_args_is_help=True
)
console = Console()


@app.command("verify")
def verify_command() -> None:
    """Exit 0 if nothing was changed outside the application; else 1 and what was."""
    report = run_with_deps(lambda deps: verify(deps.sessions, deps.cipher, deps.hasher))
    checked = f"{report.shares} shares and {report.entries} audit entries checked"
    if report.ok:
        console.print(
            f"[green]OK[/green]: {checked}; every seal matches, every share balances to the "
            "minor unit, the chain is unbroken."
        )
        return
    console.print(_findings(report))
    console.print(f"[red]{len(report.findings)} finding(s)[/red]; {checked}.")
    raise typer.Exit(1)


def _findings(report: IntegrityReport) -> Table:
    table = Table("finding", "subject", "detail", title="changed outside the application")
    for finding in report.findings:
        table.add_row(finding.kind, finding.subject, finding.detail)
    return table
