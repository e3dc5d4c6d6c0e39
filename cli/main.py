"""The `profitshare` command line."""

from __future__ import annotations

import asyncio

import typer

from cli import audit, keys, schedules, tokens

app = typer.Typer(
    help="profitshare: collect the platform's share of profitable sessions.", no_args_is_help=True
)
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(tokens.app, name="token")
app.add_typer(schedules.app, name="schedules")


@app.command()
def dev() -> None:
    """Run the whole embedded stack in the foreground (Ctrl-C stops it all)."""
    from stack.devstack import run_dev

    run_dev()


@app.command()
def worker(
    processes: int | None = typer.Option(
        None, min=1, help="worker processes (default WORKER_PROCESSES); one per core is best"
    ),
) -> None:
    """Run Temporal workers for the share workflow; SIGTERM lets in-flight tasks finish."""
    from config.secret_check import WITH_TEMPORAL, refuse_weak_secrets
    from config.settings import get_settings
    from workers.processes import run_workers

    settings = get_settings()
    refuse_weak_secrets(settings, needs=WITH_TEMPORAL)
    raise typer.Exit(run_workers(processes or settings.worker_processes))


@app.command()
def api(host: str = typer.Option("127.0.0.1", envvar="PROFITSHARE_API_HOST")) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from api.app import create_app
    from config.secret_check import WITH_TEMPORAL, refuse_weak_secrets
    from config.settings import get_settings
    from runtime.collector import freeze_startup
    from runtime.logging import configure

    settings = get_settings()
    refuse_weak_secrets(settings, needs=WITH_TEMPORAL)
    configure()
    app = create_app(settings)
    freeze_startup()
    # log_config=None: uvicorn's own loggers go through ours (JSON, masked) instead of plain text.
    uvicorn.run(
        app,
        host=host,
        port=settings.api_port,
        log_level="warning",
        log_config=None,
    )


@app.command()
def emulator() -> None:
    """Serve the emulators on EMULATOR_PORT: Binance spot, PhonePe PG v2, Razorpay."""
    from config.settings import get_settings
    from emulators.serve import serve

    settings = get_settings()
    serve(settings.emulator_port, settings=settings)


@app.command()
def migrate() -> None:
    """Apply the database migrations as DATABASE_OWNER_URL (or DATABASE_URL), then grant the
    application's role (of DATABASE_URL) what it needs and no more."""
    from config.settings import get_settings
    from db.migrate import upgrade
    from db.roles import role_of, set_up
    from runtime.settings import require

    settings = get_settings()
    app_url = require(settings.database_url, "DATABASE_URL")
    owner_url = settings.database_owner_url or app_url
    upgrade(owner_url)
    if role_of(owner_url) != role_of(app_url):
        set_up(owner_url, app_url, create=True)  # an existing role is kept as it is


@app.command()
def demo() -> None:
    """Walk one profit event through the running dev stack, from intake to paid."""
    from cli.demo import run_demo

    raise typer.Exit(asyncio.run(run_demo()))


@app.command()
def bench(
    events: int | None = typer.Option(None, help="profit events for intake and payments"),
    open_shares: int | None = typer.Option(None, help="open shares for the memory figure"),
    quick: bool = typer.Option(False, help="small sizes: a smoke run of a few minutes"),
    console: bool = typer.Option(True, help="time each admin console page (console_ms)"),
    burst_focus: bool = typer.Option(
        False, help="full-size intake and burst, the other phases small (about 15 minutes)"
    ),
) -> None:
    """Benchmark an isolated embedded stack; JSON on stdout and in DATA_DIR/bench/."""
    from cli.bench import run

    run(
        events=events,
        open_shares=open_shares,
        quick=quick,
        console=console,
        burst_focus=burst_focus,
    )


if __name__ == "__main__":
    app()
