"""Recorded histories of real workflow runs, replayed against the current code in CI.

`python -m tests.histories.record` regenerates them (after a deliberate workflow change that
new runs should follow; see docs/deploying-workflow-changes.md). Their payloads are encrypted
like production ones, under a fixed key that protects nothing but these files.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from runtime.codec import codec_from_setting, data_converter_with_codec

HERE = Path(__file__).parent
HISTORY_CODEC_KEY = "recorded-histories-only-not-a-secret"


def history_converter() -> DataConverter:
    return data_converter_with_codec(codec_from_setting(HISTORY_CODEC_KEY))


def recorded(kind: str = "") -> list[Path]:
    """The recorded histories whose file name starts with `kind` (share-, report-)."""
    return sorted(HERE.glob(f"{kind}*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"recorded/{path.stem}", path.read_text())
