"""Razorpay Payment Links emulator: the endpoints our link client uses, with basic auth and
Razorpay's error shape, so the production client is exercised unmodified."""

from emulators.razorpay.app import create_app

__all__ = ["create_app"]
