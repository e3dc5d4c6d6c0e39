"""docker-compose.yml and its env file describe what the code really runs (Docker is not needed
to check that: a command, a setting or a search attribute that drifted fails here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
import yaml

from cli.main import app
from config.settings import ENV_PREFIX, Settings
from domain.webhooks import registry
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "schedules", "worker", "api")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_app_service_runs_a_real_profitshare_command(compose):
    cli = typer.main.get_command(app)
    for name in APP_SERVICES:
        service = compose["services"][name]
        program, *words = service["command"]
        assert program == "profitshare", name
        command = cli
        for word in words:
            assert hasattr(command, "commands"), f"{name}: {word} is not a subcommand"
            assert word in command.commands, f"{name}: no command {' '.join(words)}"
            command = command.commands[word]
        assert service["env_file"] == ["deploy/production.env"]


def test_the_temporal_setup_registers_exactly_our_search_attributes(compose):
    script = " ".join(compose["services"]["temporal-setup"]["command"])
    registered = dict(re.findall(r"(\w+)=(Keyword|Int|Datetime)", script))
    kinds = {"KEYWORD": "Keyword", "INT": "Int", "DATETIME": "Datetime"}
    assert registered == {key.name: kinds[key.indexed_value_type.name] for key in ALL}


def test_workers_scale_and_report_health_on_their_metrics_port(compose):
    worker = compose["services"]["worker"]
    assert "ports" not in worker and "container_name" not in worker
    port = worker["environment"]["PROFITSHARE_WORKER_METRICS_PORT"]
    assert f"localhost:{port}/metrics" in " ".join(worker["healthcheck"]["test"])
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert jobs["profitshare-worker"]["dns_sd_configs"][0]["port"] == int(port)
    for name in ("postgres", "temporal", "api", "worker"):
        assert compose["services"][name]["healthcheck"]["test"], name
    ui = compose["services"]["temporal-ui"]["environment"]
    assert ui["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")


def test_every_variable_in_the_env_example_is_a_setting():
    example = (ROOT / "deploy" / "production.env.example").read_text()
    named = set(re.findall(rf"^#? ?{ENV_PREFIX}([A-Z_]+)=", example, flags=re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    for gateway in registry.gateways():  # each gateway's own variables, read by the registry
        fields |= {s.name.upper() for s in gateway.settings} | {gateway.allowlist_setting.upper()}
    assert named and named <= fields, named - fields
    for secret in ("FERNET_KEYS", "HASH_KEY", "CODEC_KEY", "TEMPORAL_API_KEY", "TEMPORAL_TLS_CERT"):
        assert secret in named


def test_the_image_installs_what_the_commands_import():
    copied = {
        shlex.split(line)[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
    }
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests"}
    assert packages <= copied, packages - copied


def test_temporal_is_off_public_ports_and_its_ui_cannot_write(compose):
    services = compose["services"]
    assert "ports" not in services["temporal"]  # the frontend: only containers reach it
    ui = services["temporal-ui"]
    assert all(port.startswith("127.0.0.1:") for port in ui["ports"])
    assert ui["environment"]["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"


def test_only_migrate_is_given_the_database_owner(compose):
    services = compose["services"]
    owner = "PROFITSHARE_DATABASE_OWNER_URL"
    assert owner in services["migrate"]["environment"]
    for name in ("schedules", "worker", "api"):
        env = services[name].get("environment", compose["x-app"]["environment"])
        assert owner not in env, name
        assert "profitshare_app:" in env["PROFITSHARE_DATABASE_URL"], name
