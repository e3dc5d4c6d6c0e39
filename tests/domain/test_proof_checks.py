"""The EXIF judgement of a proof's screenshot: a table of capture times and software tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.proof_checks import capture_time, edited_by, flagged, screenshot_checks

PAID = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SENT = PAID + timedelta(minutes=10)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("taken", "result"),
    [
        (None, "unknown"),
        (PAID - 2 * 60 * M, "flag"),  # two hours before the payment
        (PAID - 31 * M, "flag"),
        (PAID - 30 * M, "pass"),  # exactly at the limit
        (PAID - 5 * M, "pass"),
        (PAID + 5 * M, "pass"),  # after paying, before sending
        (SENT, "pass"),
        (SENT + M, "pass"),  # the phone's clock a minute ahead
        (SENT + 2 * M, "flag"),  # taken after the proof was sent
    ],
)
def test_capture_time(taken: datetime | None, result: str) -> None:
    assert capture_time(taken, paid_at=PAID, submitted_at=SENT).result == result


@pytest.mark.parametrize(
    ("software", "result"),
    [
        (None, "unknown"),
        ("", "unknown"),
        ("iOS 18.1", "pass"),
        ("Android SP1A.210812", "pass"),
        ("Adobe Photoshop 25.1 (Windows)", "flag"),
        ("GIMP 2.10.36", "flag"),
        ("Snapseed 2.0", "flag"),
        ("PicsArt", "flag"),
    ],
)
def test_editing_software(software: str | None, result: str) -> None:
    assert edited_by(software).result == result


def test_any_flag_flags_the_proof_and_nothing_refuses() -> None:
    clean = screenshot_checks(PAID, "iOS 18.1", paid_at=PAID, submitted_at=SENT)
    assert not flagged(clean)
    edited = screenshot_checks(PAID, "GIMP", paid_at=PAID, submitted_at=SENT)
    assert flagged(edited) and {c.result for c in edited} <= {"pass", "flag", "unknown"}
