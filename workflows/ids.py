"""Workflow ids: the one place they are spelled (DESIGN.md: `share/{event_id}`)."""

from __future__ import annotations


def share_workflow_id(event_id: str) -> str:
    return f"share/{event_id}"


def standing_workflow_id(user_id: str) -> str:
    return f"standing/{user_id}"
