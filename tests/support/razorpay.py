"""Settings pointing at the Razorpay emulator the `razorpay_gateway` fixture serves."""

from __future__ import annotations

from pydantic import SecretStr

KEY_ID, KEY_SECRET = "rzp_test_emulated", "emulated_secret"


def razorpay_settings(url: str) -> dict[str, object]:
    return {
        "razorpay_key_id": KEY_ID,
        "razorpay_key_secret": SecretStr(KEY_SECRET),
        "razorpay_api_base_url": url,
    }
