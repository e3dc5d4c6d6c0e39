"""Child processes of the dev stack: started in order, stopped in reverse on Ctrl-C."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class StartupFailed(RuntimeError):
    pass


def wait_for_port(
    host: str, port: int, *, timeout: float, process: subprocess.Popen | None = None, name: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StartupFailed(f"{name} exited with code {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise StartupFailed(f"{name} did not open {host}:{port} within {timeout:.0f}s")


# Ports handed out by this process, so two servers started next never get the same one.
_HANDED_OUT: set[int] = set()
_LOWEST = 10_000


def _ephemeral_low() -> int:
    """Where the kernel's ephemeral ports begin (Linux's default when it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port(host: str = "127.0.0.1", *, count: int = 1) -> int:
    """A port nothing is bound to now, for a server started next; with `count`, the first of
    that many in a row (servers that take a base port plus their index).

    Taken below the kernel's ephemeral range: a port the OS picks (bind to 0) is one the OS
    may pick again before our server binds it, for an outgoing connection or for another
    server's own random ports (the Temporal dev server opens five). Below the range only an
    explicit choice can take it.
    """
    low = max(_ephemeral_low(), _LOWEST + 1_000)
    candidates = list(range(_LOWEST, low - count + 1))
    random.shuffle(candidates)
    for first in candidates:
        run = range(first, first + count)
        if any(port in _HANDED_OUT for port in run) or not all(_bindable(host, p) for p in run):
            continue
        _HANDED_OUT.update(run)
        return first
    raise RuntimeError(f"no {count} free port(s) in a row on {host} between {_LOWEST} and {low}")


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@dataclass
class Supervisor:
    log_dir: Path
    children: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        # A new process group: Ctrl-C reaches us once, and we stop children in order.
        process = subprocess.Popen(
            list(argv), env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append((name, process))
        return process

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.children:
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self, name: str, timeout: float = 10.0) -> None:
        """Stops one child (SIGTERM, then SIGKILL after `timeout`) and forgets it."""
        for entry in [c for c in self.children if c[0] == name]:
            _terminate(entry[1], timeout)
            self.children.remove(entry)

    def stop_all(self, timeout: float = 10.0) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, process in reversed(self.children):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.children.clear()


def _terminate(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
