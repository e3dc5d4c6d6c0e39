"""Deps on a database of the test's own, with the Fernet keys the test chooses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from pydantic import SecretStr

from runtime.deps import Deps

DepsFactory = Callable[..., AbstractAsyncContextManager[Deps]]


@pytest.fixture
def own_deps(settings, own_database_url) -> DepsFactory:
    """`async with own_deps(*fernet_keys) as deps`: the first key encrypts, all decrypt."""

    @asynccontextmanager
    async def open_deps(*fernet_keys: str) -> AsyncIterator[Deps]:
        update: dict[str, object] = {"database_url": own_database_url}
        if fernet_keys:
            update["fernet_keys"] = SecretStr(",".join(fernet_keys))
        deps = Deps.from_settings(settings.model_copy(update=update), pool_size=2)
        try:
            yield deps
        finally:
            await deps.close()

    return open_deps
