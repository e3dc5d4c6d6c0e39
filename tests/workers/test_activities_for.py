"""The worker registers the payment-link and notification activities, configured from the
settings: refusing to start half-configured rather than failing every share later."""

from __future__ import annotations

import pytest

from activities.notify.backend import BackendWebhooks
from activities.notify.user import UserNotifications
from activities.payments.links import PaymentLinkActivities
from runtime.deps import Deps
from runtime.settings import MissingSetting
from workers.worker import activities_for


def test_the_new_activities_are_registered(deps, settings) -> None:
    registered = {fn.__func__ for fn in activities_for(deps, settings)}
    assert {
        PaymentLinkActivities.create_payment_link,
        PaymentLinkActivities.close_payment_link,
        BackendWebhooks.deliver_standing,
        UserNotifications.notify_user,
    } <= registered


@pytest.mark.parametrize(
    "half_configured",
    [
        {"backend_webhook_url": "http://backend.invalid/standing"},
        {"razorpay_key_id": "rzp_live_x"},
        {"notifier_url": "http://notifier.invalid/messages"},
    ],
)
def test_a_url_or_key_without_its_secret_stops_the_worker(deps, settings, half_configured) -> None:
    with pytest.raises(MissingSetting):
        activities_for(deps, settings.model_copy(update=half_configured))


def test_an_unreadable_fx_source_stops_the_worker(deps, settings) -> None:
    with pytest.raises(ValueError, match="FX_SOURCE"):
        activities_for(deps, settings.model_copy(update={"fx_source": "ecb"}))


def test_a_wrong_policy_figure_stops_the_worker(settings, monkeypatch) -> None:
    # The policy is loaded with the process's Deps, which the worker (and the API) build first.
    monkeypatch.setenv("PROFITSHARE_POLICY_SHARE_SHARE_RATE", "1.5")
    with pytest.raises(ValueError, match="share_rate"):
        Deps.from_settings(settings, pool_size=1)
