"""Razorpay's error answers, as the emulator's links and refunds give them."""

from __future__ import annotations

from typing import Any


class RazorpayError(Exception):
    def __init__(self, status: int, description: str, field: str | None = None) -> None:
        self.status, self.description, self.field = status, description, field


def bad(description: str, field: str | None = None) -> RazorpayError:
    return RazorpayError(400, description, field)


def known(entities: dict[str, dict[str, Any]], entity_id: str) -> dict[str, Any]:
    """The entity with this id; Razorpay answers an unknown id with a 400 naming the field."""
    if entity_id not in entities:
        raise bad("The id provided does not exist", "id")
    return entities[entity_id]
