"""Builds the Temporal client every process uses: one data converter for all payloads."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from config.settings import Settings
from workers.codec import codec_from_setting, data_converter_with_codec
from workers.deps import require


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models carry Decimal money as strings; every payload and failure is encrypted."""
    return data_converter_with_codec(codec_from_setting(require(settings.codec_key, "CODEC_KEY")))


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )
