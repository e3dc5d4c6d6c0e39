"""What the CLI's database commands share: the settings' Deps for one asyncio run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from config.secret_check import refuse_weak_secrets
from config.settings import load_settings
from runtime.deps import Deps
from runtime.settings import MissingSetting

T = TypeVar("T")
err = Console(stderr=True)


def run_with_deps(work: Callable[[Deps], Awaitable[T]]) -> T:
    settings = load_settings()
    refuse_weak_secrets(settings)

    async def main() -> T:
        deps = Deps.from_settings(settings, pool_size=2)
        try:
            return await work(deps)
        finally:
            await deps.close()

    try:
        return asyncio.run(main())
    except MissingSetting as missing:
        err.print(f"[red]{missing}[/red]")
        raise typer.Exit(2) from None
