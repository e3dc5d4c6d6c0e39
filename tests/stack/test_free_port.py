"""Ports for servers started next (stack.processes.free_port)."""

from __future__ import annotations

import socket

from stack import processes
from stack.processes import free_port


def test_a_run_of_ports_is_free_and_never_handed_out_again():
    first = free_port(count=3)
    run = set(range(first, first + 3))
    for port in run:  # each can be bound now
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
    later = {free_port() for _ in range(50)}
    assert not later & run


def test_a_port_in_use_is_passed_over(monkeypatch):
    first = free_port(count=3)
    # Look from `first` upwards, in order, as if nothing had been handed out yet.
    monkeypatch.setattr(processes, "_LOWEST", first)
    monkeypatch.setattr(processes, "_HANDED_OUT", set())
    monkeypatch.setattr(processes.random, "shuffle", lambda ports: None)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", first))
        holder.listen()
        assert free_port(count=2) == first + 1
