"""Payment proofs with screenshots (issue 18): EXIF checks flag, never refuse; the queue."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from tests.api.test_proofs import _url, open_share  # noqa: F401 (fixture)
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.proofs import utr

EXIF_TIME = "%Y:%m:%d %H:%M:%S"


def _image(kind: str, *, taken: datetime | None = None, software: str | None = None) -> bytes:
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


def _fields(paid_at: datetime, amount: str = "142.50") -> dict[str, str]:
    return {
        "transaction_id": utr(),
        "amount": amount,
        "currency": "USDT",
        "paid_at": paid_at.isoformat(),
        "ip": "203.0.113.9",
        "device_fingerprint": "fp_proof_phone",
    }


async def test_old_exif_time_is_accepted_and_flagged_and_queued(api, open_share):  # noqa: F811
    paid_at = datetime.now(UTC) - timedelta(minutes=5)
    shot = _image("JPEG", taken=paid_at - timedelta(hours=2), software="Adobe Photoshop 25.1")
    response = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("pay.jpg", shot, "image/jpeg")},
        headers=BACKEND,
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "pending_review"
    found = {c["check"]: c for c in body["checks"]}
    assert found["capture_time"]["result"] == "flag"
    assert "2 h 0 min before the payment" in found["capture_time"]["detail"]
    assert found["editing_software"]["result"] == "flag"
    assert found["risk"]["result"] in ("pass", "flag")

    queue = await api.get("/v1/admin/payment-proofs?status=pending", headers=OPS)
    assert queue.status_code == 200, queue.text
    mine = [p for p in queue.json()["proofs"] if p["proof_id"] == body["proof_id"]]
    assert len(mine) == 1 and mine[0]["flagged"] and mine[0]["has_screenshot"]
    assert mine[0]["expected_amount"] == "142.50"

    image = await api.get(f"/v1/admin/payment-proofs/{body['proof_id']}/screenshot", headers=OPS)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(image.content))
    assert stored.size == (40, 80) and not dict(stored.getexif())  # re-encoded, EXIF gone

    flagged = await api.post(
        f"/v1/admin/payment-proofs/{body['proof_id']}/flag",
        json={"note": "UTR unknown"},
        headers=OPS,
    )
    assert flagged.status_code == 200, flagged.text
    queue = (await api.get("/v1/admin/payment-proofs", headers=ADMIN)).json()["proofs"]
    mine = next(p for p in queue if p["proof_id"] == body["proof_id"])
    assert mine["flag_note"] == "UTR unknown"
    assert mine["checks"][-1] == {"check": "ops_flag", "result": "flag", "detail": "UTR unknown"}


async def test_a_fresh_screenshot_passes_and_a_missing_one_is_flagged(api, open_share):  # noqa: F811
    paid_at = datetime.now(UTC) - timedelta(minutes=3)
    fresh = _image("PNG", taken=paid_at + timedelta(seconds=20))
    response = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("pay.png", fresh, "image/png")},
        headers=BACKEND,
    )
    assert response.status_code == 202, response.text
    found = {c["check"]: c["result"] for c in response.json()["checks"]}
    assert found["capture_time"] == "pass" and found["editing_software"] == "unknown"

    plain = _fields(paid_at)
    response = await api.post(_url(open_share), json=plain, headers=BACKEND)
    assert response.status_code == 202, response.text
    assert response.json()["checks"][0] == {
        "check": "no_screenshot",
        "result": "flag",
        "detail": "the proof came without a screenshot",
    }


async def test_a_disguised_or_oversized_file_is_refused(api, open_share):  # noqa: F811
    paid_at = datetime.now(UTC) - timedelta(minutes=3)
    png = _image("PNG")
    disguised = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("pay.jpg", png, "image/jpeg")},
        headers=BACKEND,
    )
    assert disguised.status_code == 422, disguised.text
    error = disguised.json()["error"]
    assert error["code"] == "invalid" and "PNG" in error["message"]
    assert error["details"][0]["field"] == "screenshot"

    text = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("pay.png", b"not an image at all", "image/png")},
        headers=BACKEND,
    )
    assert text.status_code == 422

    huge = png + b"\0" * (5 * 1024 * 1024)
    oversized = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("pay.png", huge, "image/png")},
        headers=BACKEND,
    )
    assert oversized.status_code == 413, oversized.text
    assert oversized.json()["error"]["code"] == "too_large"
