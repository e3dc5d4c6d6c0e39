"""`profitshare bench`: one run on an isolated embedded stack; JSON on stdout and in a file."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import typer

from benchmarks.load import say, stdout_to_stderr
from benchmarks.report import write
from benchmarks.run import Sizes, run_bench
from config.settings import load_settings


def run(
    *,
    events: int | None,
    open_shares: int | None,
    quick: bool,
    console: bool = True,
    burst_focus: bool = False,
) -> None:
    if quick and burst_focus:
        raise typer.BadParameter("--quick and --burst-focus are two sets of sizes: give one")
    sizes = Sizes.quick() if quick else Sizes.burst_focus() if burst_focus else Sizes()
    if not console:
        sizes = dataclasses.replace(sizes, console_samples=0)
    if events is not None:
        sizes = dataclasses.replace(sizes, events=events)
    if open_shares is not None:
        sizes = dataclasses.replace(sizes, open_shares=open_shares)
    with stdout_to_stderr():
        report = asyncio.run(run_bench(sizes))
        path = write(report, load_settings().data_dir)
        say(f"written to {path}")
    typer.echo(json.dumps(report, indent=2))
    if "error" in report:
        raise typer.Exit(1)
