"""Recorded histories of real workflow runs, replayed against the current code in CI.

One folder per released workflow version (`v1/`, `v2/`, ...). A version's histories are kept
as long as a share that started under it may still be open, so every folder is replayed.
`python -m tests.histories.record vN` records the current code's paths into `vN/` (after a
deliberate workflow change; see docs/deploying-workflow-changes.md). Their payloads are
encrypted like production ones, under a fixed key that protects nothing but these files.
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


def versions() -> list[str]:
    """The recorded workflow versions, oldest first (v1, v2, ..., v10)."""
    folders = [p.name for p in HERE.iterdir() if p.is_dir() and p.name.startswith("v")]
    return sorted((f for f in folders if f[1:].isdigit()), key=lambda f: int(f[1:]))


def recorded(kind: str = "", version: str | None = None) -> list[Path]:
    """The recorded histories whose file name starts with `kind` (share-, report-), of one
    version or of every version."""
    folders = [version] if version else versions()
    return [p for v in folders for p in sorted((HERE / v).glob(f"{kind}*.json"))]


def history_id(path: Path) -> str:
    """`v1/share-paid-early`: how a test names a recorded history."""
    return f"{path.parent.name}/{path.stem}"


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"recorded/{history_id(path)}", path.read_text())
