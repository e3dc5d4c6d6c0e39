"""How the client connects: plain locally, mTLS to a cluster, an API key to Temporal Cloud."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from temporalio.service import TLSConfig

from runtime.client import tls_config
from runtime.settings import MissingSetting


@pytest.fixture
def pem_files(tmp_path):
    files = {}
    for name in ("cert", "key", "ca"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_bytes(f"-----BEGIN {name.upper()}-----\n".encode())
    return files


def test_a_local_server_gets_no_tls(settings):
    assert tls_config(settings) is False


def test_mtls_reads_the_certificate_key_and_private_ca(settings, pem_files):
    cfg = settings.model_copy(
        update={
            "temporal_tls_cert": pem_files["cert"],
            "temporal_tls_key": pem_files["key"],
            "temporal_tls_ca": pem_files["ca"],
            "temporal_tls_server_name": "temporal.internal",
        }
    )
    tls = tls_config(cfg)
    assert isinstance(tls, TLSConfig)
    assert tls.client_cert == pem_files["cert"].read_bytes()
    assert tls.client_private_key == pem_files["key"].read_bytes()
    assert tls.server_root_ca_cert == pem_files["ca"].read_bytes()
    assert tls.domain == "temporal.internal"


def test_an_api_key_alone_uses_tls_with_public_roots(settings):
    cfg = settings.model_copy(update={"temporal_api_key": SecretStr("tc-key")})
    assert tls_config(cfg) is True


def test_a_certificate_without_its_key_fails_at_start_naming_the_setting(settings, pem_files):
    cfg = settings.model_copy(update={"temporal_tls_cert": pem_files["cert"]})
    with pytest.raises(MissingSetting, match="PROFITSHARE_TEMPORAL_TLS_KEY"):
        tls_config(cfg)
