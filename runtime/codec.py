"""AES-GCM payload codec: Temporal stores only ciphertext; the key id in metadata allows rotation.

Wire format follows temporalio/samples-python `encryption/codec.py`: metadata
`encoding = binary/encrypted` and `encryption-key-id`, data = nonce(12) + AES-GCM ciphertext of
the serialized original Payload (its metadata, e.g. the JSON encoding, is encrypted with it).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
# What a plaintext payload becomes where plaintext is refused: no converter reads this
# encoding, so a plaintext signal is dropped (and logged) by the SDK instead of applied.
REFUSED = b"binary/refused-plaintext"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
# Changing this changes every derived key: payloads written before would no longer decode.
_HKDF_INFO = b"profitshare/temporal-payload-codec/v1"


class CodecError(ValueError):
    """A payload that cannot be decrypted. Messages name key ids, never key material."""


class EncryptionCodec(PayloadCodec):
    """Encrypts every payload; decodes its own.

    `allow_plaintext=False` (the worker in production): a payload that arrives unencrypted
    was not written by anyone holding CODEC_KEY (e.g. a signal sent straight to the Temporal
    frontend or from the UI), so it is replaced by one nothing can read: an error, never a
    payment. The codec server for the UI keeps plaintext visible (it only displays).
    """

    def __init__(
        self, keys: Mapping[str, bytes], encrypt_with: str, *, allow_plaintext: bool = True
    ) -> None:
        if encrypt_with not in keys:
            raise ValueError(f"the encrypting key id {encrypt_with!r} is not among the keys")
        for key_id, key in keys.items():
            if not key_id or len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must have an id and be {KEY_BYTES} bytes")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.encrypt_with = encrypt_with
        self.allow_plaintext = allow_plaintext

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.encrypt_with]
        out = []
        for p in payloads:
            # A fresh random nonce per payload; rotation keeps a key's message count far
            # below the 2**32 where random 96-bit nonces start to risk a collision.
            nonce = os.urandom(NONCE_BYTES)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: self.encrypt_with.encode()},
                    data=nonce + cipher.encrypt(nonce, p.SerializeToString(), None),
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            self._decrypt(p) if p.metadata.get("encoding") == ENCODING else self._plain(p)
            for p in payloads
        ]

    def _plain(self, p: Payload) -> Payload:
        # Where allowed (dev, tests, the UI's codec server), plaintext passes, as in the samples.
        return p if self.allow_plaintext else Payload(metadata={"encoding": REFUSED})

    def _decrypt(self, p: Payload) -> Payload:
        key_id = p.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(
                f"payload was encrypted with key id {key_id!r}, which is not "
                f"configured (known: {', '.join(self._ciphers)}); keep retired "
                "keys in CODEC_KEY until no history needs them"
            )
        try:
            if len(p.data) < NONCE_BYTES + TAG_BYTES:  # else AESGCM objects to the nonce size
                raise InvalidTag
            plain = cipher.decrypt(p.data[:NONCE_BYTES], p.data[NONCE_BYTES:], None)
        except InvalidTag:
            raise CodecError(
                f"payload under key id {key_id!r} failed authentication "
                "(tampered, truncated, or a different key with the same id)"
            ) from None
        return Payload.FromString(plain)


def derive_key(secret: str) -> bytes:
    """A 32-byte key from one secret string (the dev stack generates `token_urlsafe(32)`)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )


def key_id_of(key: bytes) -> str:
    # A fingerprint, not the key: sha256 of the key cannot be turned back into it.
    return hashlib.sha256(key).hexdigest()[:8]


def codec_from_setting(value: str, *, allow_plaintext: bool = True) -> EncryptionCodec:
    """CODEC_KEY: one secret string, or `id:base64key,id:base64key` (the first encrypts).

    A value with a ':' is read as the list form and checked strictly, so a typo in a
    rotation list fails at start-up instead of silently becoming a new derived key.
    """
    value = value.strip()
    if not value:
        raise ValueError("CODEC_KEY is empty")
    if ":" not in value:
        key = derive_key(value)
        return EncryptionCodec(
            {key_id_of(key): key}, key_id_of(key), allow_plaintext=allow_plaintext
        )
    keys: dict[str, bytes] = {}
    for n, item in enumerate((i.strip() for i in value.split(",") if i.strip()), start=1):
        key_id, _, encoded = (part.strip() for part in item.partition(":"))
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        # Errors name the item's position and id only: the value itself is secret.
        if not key_id or len(key) != KEY_BYTES or key_id in keys:
            raise ValueError(
                f"CODEC_KEY item {n} ({key_id!r}) must be a unique id:base64 of {KEY_BYTES} bytes"
            )
        keys[key_id] = key
    return EncryptionCodec(keys, next(iter(keys)), allow_plaintext=allow_plaintext)


def data_converter_with_codec(codec: PayloadCodec) -> DataConverter:
    """The pydantic converter plus the codec; failure messages and stack traces are moved into
    encoded attributes so they are encrypted too (they often quote amounts and ids)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
