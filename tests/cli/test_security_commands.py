"""`profitshare token`, `audit verify` and `keys rotate` as an operator runs them.

Synchronous tests: the commands run their own event loop, as they do from a shell.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from db import tokens
from runtime.deps import Deps
from tests.support.records import full_record


@pytest.fixture
def operator(monkeypatch, tmp_path, settings, own_database_url):
    """The environment of an operator's shell, on a database of the test's own."""
    env = {
        "DATA_DIR": str(tmp_path),  # no dev.env from the working directory leaks in
        "DATABASE_URL": own_database_url,
        "FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "HASH_KEY": settings.hash_key.get_secret_value(),
    }
    for name, value in env.items():
        monkeypatch.setenv(f"PROFITSHARE_{name}", value)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables unwrapped
    return settings.model_copy(update={"database_url": own_database_url})


def profitshare(*args: str):
    return CliRunner().invoke(app, list(args))


def with_deps(settings, work, **keys: str):
    async def main():
        update = {"fernet_keys": SecretStr(keys["fernet_keys"])} if keys else {}
        deps = Deps.from_settings(settings.model_copy(update=update), pool_size=1)
        try:
            return await work(deps)
        finally:
            await deps.close()

    return asyncio.run(main())


def role_of(settings, token: str) -> str | None:
    async def look_up(deps):
        async with deps.sessions() as s:
            return await tokens.active_role(s, tokens.hash_token(token))

    return with_deps(settings, look_up)


def test_token_create_prints_it_once_and_revoke_disables_it(operator):
    created = profitshare("token", "create", "--role", "ops", "--label", "on-call")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert re.fullmatch(r"ps_ops_[\w-]{32}", token), "stdout holds the token alone"
    assert role_of(operator, token) == "ops"

    listed = profitshare("token", "list")
    assert "on-call" in listed.stdout and token not in listed.stdout
    token_id = re.search(r"token #(\d+)", created.stderr).group(1)

    assert profitshare("token", "revoke", token_id).exit_code == 0
    assert role_of(operator, token) is None
    assert profitshare("token", "revoke", token_id).exit_code == 1
    assert profitshare("token", "create", "--role", "root").exit_code == 2


def test_audit_verify_passes_then_names_the_share_changed_behind_its_back(operator):
    event = with_deps(operator, full_record)
    clean = profitshare("audit", "verify")
    assert clean.exit_code == 0, clean.output
    assert "1 shares" in clean.stdout

    async def tamper(deps):
        async with deps.sessions.begin() as s:
            await s.execute(
                text("UPDATE shares SET amount_paid_enc = :t WHERE event_id = :id"),
                {"t": deps.cipher.encrypt("999.00"), "id": event.event_id},
            )

    with_deps(operator, tamper)
    found = profitshare("audit", "verify")
    assert found.exit_code == 1
    assert event.event_id in found.stdout and "share_changed" in found.stdout


def test_keys_rotate_then_the_old_key_can_go(operator, monkeypatch):
    old = operator.fernet_keys.get_secret_value()
    new = Fernet.generate_key().decode()
    with_deps(operator, full_record)
    monkeypatch.setenv("PROFITSHARE_FERNET_KEYS", f"{new},{old}")
    first = profitshare("keys", "rotate", "--batch-rows", "3")
    assert first.exit_code == 0, first.output
    # 8 fields: with the high-water mark the share records the carried loss it absorbed.
    assert re.search(r"shares\s+│\s+1\s+│\s+8\b", first.stdout), first.stdout
    again = profitshare("keys", "rotate")
    assert re.search(r"shares\s+│\s+1\s+│\s+0\b", again.stdout), "nothing left to rotate"

    monkeypatch.setenv("PROFITSHARE_FERNET_KEYS", new)
    assert profitshare("audit", "verify").exit_code == 0  # every seal recomputed under key 2


def test_rows_from_before_seals_are_sealed_once_after_upgrading(operator):
    event = with_deps(operator, full_record)

    async def as_before_0011(deps):
        async with deps.sessions.begin() as s:
            for table in ("users", "payments", "api_tokens", "fraud_settings"):
                await s.execute(text(f"UPDATE {table} SET seal = NULL"))

    with_deps(operator, as_before_0011)
    found = profitshare("audit", "verify")
    assert found.exit_code == 1 and "user_unsealed" in found.stdout
    assert event.user_id in found.stdout
    sealed = profitshare("audit", "seal-unsealed")
    assert sealed.exit_code == 0 and "'user': 1" in sealed.stdout
    assert profitshare("audit", "verify").exit_code == 0
