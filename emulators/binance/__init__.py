"""Binance spot REST emulator that unmodified ccxt talks to (CONTRACT.md, "Exchange emulator")."""

from emulators.binance.app import create_app

__all__ = ["create_app"]
