"""What the checks of a manual payment proof found (issue 18): flags for the admin, never a
refusal. Pure: the API reads the screenshot's EXIF and hands the values here.

A screenshot taken long before the payment, after the proof was sent, or passed through an
image editor is worth a closer look; a proof without any screenshot too. Whether to accept
it stays the admin's call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from domain.models import Model

Result = Literal["pass", "flag", "unknown"]
ImageType = Literal["png", "jpeg"]


@dataclass(frozen=True)
class Screenshot:
    """A proof's screenshot as the API read it (api/screenshots.py): re-encoded, EXIF gone,
    with the EXIF values it had."""

    image_type: ImageType
    data: bytes  # re-encoded, metadata gone
    captured_at: datetime | None
    software: str | None


# A screenshot of the payment is taken around the payment: at most this long before paid_at.
TAKEN_BEFORE_PAYMENT = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=1)  # the phone's clock may run a little ahead of ours
# Lower-case fragments of the EXIF Software tag that name an image editor. A phone's own
# screenshot tool writes its OS version ("iOS 18.1", "Android ..."), which is not editing.
EDITORS = (
    "photoshop",
    "gimp",
    "lightroom",
    "snapseed",
    "picsart",
    "pixelmator",
    "canva",
    "paint.net",
    "affinity",
    "photopea",
    "krita",
    "facetune",
    "inshot",
    "picmonkey",
    "fotor",
)


class Check(Model):
    check: str
    result: Result
    detail: str = ""


def no_screenshot() -> Check:
    return Check(check="no_screenshot", result="flag", detail="the proof came without a screenshot")


def edited_by(software: str | None) -> Check:
    if not software:
        return Check(check="editing_software", result="unknown", detail="no Software tag")
    named = software.strip()[:100]
    if any(editor in named.lower() for editor in EDITORS):
        return Check(check="editing_software", result="flag", detail=f"edited with {named}")
    return Check(check="editing_software", result="pass", detail=f"written by {named}")


def capture_time(
    captured_at: datetime | None, *, paid_at: datetime, submitted_at: datetime
) -> Check:
    """`captured_at` must be aware (the reader assumes UTC when EXIF has no offset)."""
    if captured_at is None:
        # Most phones write no EXIF into screenshots: absence is not a finding.
        return Check(check="capture_time", result="unknown", detail="no EXIF capture time")
    taken = captured_at.isoformat()
    if captured_at < paid_at - TAKEN_BEFORE_PAYMENT:
        early = paid_at - captured_at
        return Check(
            check="capture_time",
            result="flag",
            detail=f"taken {taken}, {_span(early)} before the payment (limit 30 min)",
        )
    if captured_at > submitted_at + CLOCK_SKEW:
        return Check(
            check="capture_time", result="flag", detail=f"taken {taken}, after the proof was sent"
        )
    return Check(check="capture_time", result="pass", detail=f"taken {taken}")


def screenshot_checks(
    captured_at: datetime | None,
    software: str | None,
    *,
    paid_at: datetime,
    submitted_at: datetime,
) -> list[Check]:
    return [
        capture_time(captured_at, paid_at=paid_at, submitted_at=submitted_at),
        edited_by(software),
    ]


def flagged(checks: list[Check]) -> bool:
    return any(check.result == "flag" for check in checks)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
