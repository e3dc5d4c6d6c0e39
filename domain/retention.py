"""What one retention run removed (counts), shared by the sweep and its workflow's result."""

from __future__ import annotations

from domain.models import Model


class SweepReport(Model):
    risk_decisions_deleted: int
    ips_pseudonymised: int
    events_pseudonymised: int
    device_hashes_pseudonymised: int
    device_sightings_deleted: int
    notifications_deleted: int
    screenshots_deleted: int
    terms_changes_published: int
