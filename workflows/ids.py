"""Workflow ids: one home for the format, so the API, the database views and the tests agree."""

from __future__ import annotations


def share_workflow_id(event_id: str) -> str:
    """The share workflow of a profit event; one per event, which makes intake idempotent."""
    return f"share/{event_id}"


def standing_workflow_id(user_id: str) -> str:
    return f"standing/{user_id}"
