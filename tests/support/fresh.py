"""Code run in a fresh interpreter: for what a process does once and for good (its imports,
freezing its objects), which the test process itself must not do."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str, env: dict[str, str] | None = None) -> str:
    """Runs `code` (dedented) at the repository root; the last line it printed."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]
