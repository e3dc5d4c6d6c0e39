"""The retention sweep's activity name and messages, shared with its workflow (pure)."""

from __future__ import annotations

from datetime import datetime

from domain.models import Model

SWEEP_RETENTION = "sweep_retention"


class RetentionRequest(Model):
    # The moment whose expired data goes; None: the activity's own clock.
    as_of: datetime | None = None


class RetentionSwept(Model):
    as_of: datetime
    risk_decisions_deleted: int
    ips_pseudonymised: int
    events_pseudonymised: int
    device_hashes_pseudonymised: int
    device_sightings_deleted: int
    notifications_deleted: int
    screenshots_deleted: int
    terms_changes_published: int
