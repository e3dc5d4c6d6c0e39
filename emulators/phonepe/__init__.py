"""A PhonePe PG v2 emulator: OAuth token, order create, Order Status, refund, callbacks."""

from emulators.phonepe.app import create_app

__all__ = ["create_app"]
