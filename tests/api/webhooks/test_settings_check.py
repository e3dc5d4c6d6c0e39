"""The settings check reads the registry: a gateway with some but not all of its variables
stops the API at start with one line naming what is missing."""

import pytest
from pydantic import SecretStr

from api.app import create_app


def test_phonepe_v2_callbacks_without_the_order_status_client_stop_the_api(settings):
    half = settings.model_copy(
        update={"phonepe_callback_username": "u", "phonepe_callback_password": SecretStr("p")}
    )
    with pytest.raises(ValueError, match="PhonePe PG v2 also needs PROFITSHARE_PHONEPE_BASE_URL"):
        create_app(half)


def test_a_gateway_left_unset_is_fine(settings):
    create_app(settings.model_copy(update={"codec_key": SecretStr("k" * 32)}))


def test_an_allowlist_that_is_not_cidrs_stops_the_api(settings):
    bad = settings.model_copy(update={"webhook_allowed_ips_razorpay": "203.0.113.0/24, all"})
    with pytest.raises(ValueError, match="WEBHOOK_ALLOWED_IPS_RAZORPAY: 'all' is not a CIDR"):
        create_app(bad)
