"""deploy/production.env.example documents every registered gateway's variables, its
allowlist and the proxy and rate-limit settings, as the registry says."""

from config.env_example import EXAMPLE, rewritten
from domain.webhooks import registry


def test_the_env_example_is_what_the_registry_writes():
    text = EXAMPLE.read_text()
    assert rewritten(text) == text, "run: python -m config.env_example"
    for gateway in registry.gateways():
        for setting in gateway.settings:
            assert f"# {setting.env}=" in text
        assert f"# PROFITSHARE_{gateway.allowlist_setting.upper()}=" in text
    assert "# PROFITSHARE_TRUSTED_PROXIES=" in text
