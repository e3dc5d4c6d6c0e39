"""`profitshare schedules ...`: the Temporal Schedules that make the ops reports."""

from __future__ import annotations

import asyncio

import typer

app = typer.Typer(help="Temporal Schedules of the ops reports.", no_args_is_help=True)


@app.command("apply")
def apply_command() -> None:
    """Create the report schedules, or update them in place (safe to run on every deploy)."""
    from rich.console import Console

    from config.settings import get_settings
    from runtime.client import connect
    from runtime.schedules import SCHEDULES, apply

    async def run() -> dict[str, str]:
        settings = get_settings()
        return await apply(await connect(settings), settings)

    outcome = asyncio.run(run())
    console = Console()
    for schedule in SCHEDULES:
        console.print(f"{schedule.id:<22} {outcome[schedule.id]:<8} {schedule.summary}")
