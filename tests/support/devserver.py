"""The Temporal dev server as the dev stack runs it (SQLite file), for tests that stop it."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from stack.processes import free_port, wait_for_port
from stack.temporal import dev_server_argv


class DevServer:
    """One dev server on a fixed port and file, so it can be killed and started again."""

    def __init__(self, db_file: Path) -> None:
        self.db_file, self.port = db_file, free_port()
        self._process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._process = subprocess.Popen(
            dev_server_argv(self.db_file, self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, timeout=60, process=self._process, name="temporal")

    def kill(self) -> None:
        """SIGKILL: no chance to flush or say goodbye, as in a crash."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
