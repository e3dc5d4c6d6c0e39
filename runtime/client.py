"""Builds the Temporal client every process uses: one data converter for all payloads, and the
connection a local server, a self-hosted cluster (mTLS) or Temporal Cloud (mTLS or API key) needs.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from config.settings import Settings
from runtime.codec import codec_from_setting, data_converter_with_codec
from runtime.settings import MissingSetting, require


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models carry Decimal money as strings; every payload and failure is encrypted,
    and a plaintext payload is refused unless CODEC_ALLOW_PLAINTEXT (runtime/codec.py)."""
    codec = codec_from_setting(
        require(settings.codec_key, "CODEC_KEY"), allow_plaintext=settings.codec_allow_plaintext
    )
    return data_converter_with_codec(codec)


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS from TEMPORAL_TLS_CERT/KEY (and a private CA), plain TLS for an API key, else none.

    A certificate without its key (or the reverse) is refused here, at start-up, rather than
    surfacing later as a handshake error that does not name the missing setting.
    """
    cert, key, ca = settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca
    if (cert is None) != (key is None):
        missing = "TEMPORAL_TLS_KEY" if key is None else "TEMPORAL_TLS_CERT"
        raise MissingSetting(f"PROFITSHARE_{missing} is needed with the other one (mTLS)")
    if cert is None and ca is None:
        # Temporal Cloud's API-key endpoints are served over TLS with public certificates.
        return settings.temporal_api_key is not None
    return TLSConfig(
        client_cert=cert.read_bytes() if cert else None,
        client_private_key=key.read_bytes() if key else None,
        server_root_ca_cert=ca.read_bytes() if ca else None,
        domain=settings.temporal_tls_server_name,
    )


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=api_key.get_secret_value() if api_key else None,
        tls=tls_config(settings),
        data_converter=data_converter(settings),
        runtime=runtime,
    )
