"""Payment-proof screenshots as a phone would make them (PNG or JPEG, EXIF as asked)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image

from tests.support.proofs import utr

EXIF_TIME = "%Y:%m:%d %H:%M:%S"


def screenshot_image(
    kind: str, *, taken: datetime | None = None, software: str | None = None
) -> bytes:
    exif = Image.Exif()
    if software:
        exif[305] = software
    if taken is not None:
        exif[306] = taken.astimezone(UTC).strftime(EXIF_TIME)  # a PNG writes EXIF only with this
        exif.get_ifd(0x8769)[36867] = taken.astimezone(UTC).strftime(EXIF_TIME)
        exif.get_ifd(0x8769)[36881] = "+00:00"
    out = io.BytesIO()
    Image.new("RGB", (40, 80), "white").save(out, kind, exif=exif)
    return out.getvalue()


def proof_fields(paid_at: datetime, amount: str = "142.50") -> dict[str, str]:
    return {
        "transaction_id": utr(),
        "amount": amount,
        "currency": "USDT",
        "paid_at": paid_at.isoformat(),
        "ip": "203.0.113.9",
        "device_fingerprint": "fp_proof_phone",
    }
