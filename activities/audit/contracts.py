"""The audit anchor's activity: its name and result (what the workflow may import; no I/O)."""

from __future__ import annotations

from datetime import datetime

from domain.models import Model

READ_AUDIT_HEADS = "read_audit_heads"


class AnchoredHead(Model):
    chain: int
    length: int
    head_hash: str


class AuditAnchor(Model):
    """Every audit chain's length and last hash at `at`: kept in the anchor run's history."""

    at: datetime
    heads: list[AnchoredHead]
