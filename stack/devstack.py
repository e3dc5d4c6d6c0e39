"""`profitshare dev`: the whole embedded stack in the foreground; Ctrl-C stops it all.

Temporal dev server (SQLite file in DATA_DIR), embedded PostgreSQL (unless DATABASE_URL is
set), migrations, the Binance emulator, the worker, the API and the report schedules. A second
start reuses DATA_DIR: the same database, the same open workflows, the same keys and tokens.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from rich.console import Console

from config.settings import ENV_PREFIX, load_settings
from db.migrate import upgrade
from db.roles import role_of, set_up
from runtime.client import connect
from runtime.schedules import apply as apply_schedules
from stack.postgres import create_database, start_embedded, with_role
from stack.processes import StartupFailed, Supervisor, port_in_use, wait_for_port
from stack.secrets import generated, read_env_file, write_env_file
from stack.temporal import dev_server_argv

# The role the embedded stack's processes connect as (db/roles.py).
APP_ROLE = "profitshare_app"
console = Console()


def _stack_env(data_dir: Path) -> dict[str, str]:
    """dev.env values, generating what is missing; explicit variables are not written."""
    env_file = data_dir / "dev.env"
    values = read_env_file(env_file)
    emulator_url = f"http://127.0.0.1:{load_settings().emulator_port}"
    for key, value in generated(emulator_url).items():
        values.setdefault(key, value)
    write_env_file(env_file, values)
    return values


def _stop_like_ctrl_c() -> None:
    """SIGTERM (a service manager, `kill`) and SIGHUP (the terminal closed) stop the stack the
    way Ctrl-C does: every child, PostgreSQL included, instead of leaving them on their ports."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)


def run_dev() -> None:
    _stop_like_ctrl_c()
    data_dir = load_settings().data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    values = _stack_env(data_dir)
    explicit_db = os.environ.get(f"{ENV_PREFIX}DATABASE_URL")
    owner_url = os.environ.get(f"{ENV_PREFIX}DATABASE_OWNER_URL")
    if explicit_db:
        database_url = explicit_db
    else:
        console.print("[bold]postgres[/]  starting the embedded server in", data_dir / "pgdata")
        # Two roles, as in production: the server's superuser owns the schema and migrates;
        # the processes connect as APP_ROLE, which may only INSERT and SELECT the audit log.
        owner_url = create_database(start_embedded(data_dir / "pgdata"), "profitshare")
        database_url = with_role(owner_url, APP_ROLE)
        values["DATABASE_URL"], values["DATABASE_OWNER_URL"] = database_url, owner_url
    settings = load_settings()
    emulator_url = f"http://127.0.0.1:{settings.emulator_port}"
    values.setdefault("EXCHANGE_BASE_URL", emulator_url)
    write_env_file(data_dir / "dev.env", values)

    console.print("[bold]postgres[/]  migrating")
    upgrade(owner_url or database_url)
    if owner_url and role_of(owner_url) != role_of(database_url):
        set_up(owner_url, database_url, create=True)

    child_env = {
        **{f"{ENV_PREFIX}{k}": v for k, v in values.items()},
        # The local Temporal UI has no login: let it (only it, on loopback) use the codec.
        f"{ENV_PREFIX}CODEC_TRUST_LOCAL_UI": "true",
        **os.environ,
        f"{ENV_PREFIX}DATA_DIR": str(data_dir),
    }
    supervisor = Supervisor(log_dir=data_dir / "logs")
    try:
        _start_children(supervisor, settings, child_env, data_dir)
        _apply_schedules(settings)
        _announce(settings, values, data_dir)
        while (exited := supervisor.first_exited()) is None:
            time.sleep(0.5)
        console.print(
            f"[red]{exited[0]} exited with code {exited[1]}; stopping the stack.[/] "
            f"See {data_dir / 'logs'}"
        )
    except KeyboardInterrupt:
        console.print("\nstopping…")
    except StartupFailed as err:
        console.print(f"[red]{err}[/]; see the logs in {data_dir / 'logs'}")
    finally:
        supervisor.stop_all()


def _start_children(supervisor: Supervisor, settings, env: dict[str, str], data_dir: Path) -> None:
    host, _, port = settings.temporal_address.rpartition(":")
    if port_in_use("127.0.0.1", int(port)):
        console.print(
            f"[yellow]temporal[/]  {settings.temporal_address} is already served; using it"
        )
    else:
        console.print("[bold]temporal[/]  starting the dev server (SQLite in DATA_DIR)")
        temporal = supervisor.start(
            "temporal",
            dev_server_argv(
                data_dir / "temporal.sqlite",
                int(port),
                ui_port=settings.temporal_ui_port,
                codec_endpoint=f"http://localhost:{settings.api_port}/codec",
            ),
            env,
        )
        wait_for_port("127.0.0.1", int(port), timeout=60, process=temporal, name="temporal")
    profitshare = [sys.executable, "-m", "cli.main"]
    emulator = supervisor.start("emulator", [*profitshare, "emulator"], env)
    wait_for_port(
        "127.0.0.1", settings.emulator_port, timeout=30, process=emulator, name="emulator"
    )
    # One worker process per core: workflow tasks run on one core per process.
    processes = str(os.cpu_count() or 1)
    supervisor.start("worker", [*profitshare, "worker", "--processes", processes], env)
    api = supervisor.start("api", [*profitshare, "api"], env)
    wait_for_port("127.0.0.1", settings.api_port, timeout=60, process=api, name="api")


def _apply_schedules(settings) -> None:
    async def apply() -> dict[str, str]:
        return await apply_schedules(await connect(settings), settings)

    try:
        outcome = asyncio.run(apply())
    except Exception as err:  # the stack without its reports is not the stack asked for
        raise StartupFailed(f"the report schedules could not be applied: {err}") from err
    console.print(f"[bold]schedules[/] {', '.join(f'{k} ({v})' for k, v in outcome.items())}")


def _announce(settings, values: dict[str, str], data_dir: Path) -> None:
    tokens = dict(pair.split(":", 1) for pair in values["BOOTSTRAP_TOKENS"].split(","))
    console.rule("[bold green]profitshare is running")
    console.print(f"API docs      http://localhost:{settings.api_port}/docs")
    console.print(f"Temporal UI   http://localhost:{settings.temporal_ui_port}")
    console.print(
        f"Console       http://localhost:{settings.api_port}/admin   (ops or admin token)"
    )
    console.print(f"Emulator      http://127.0.0.1:{settings.emulator_port}")
    for role, token in tokens.items():
        console.print(f"{role:<13} token  {token}")
    console.print(f"Settings      {data_dir / 'dev.env'}   Logs {data_dir / 'logs'}")
    console.print("Try           profitshare demo        (in a second shell)   Ctrl-C stops all")
