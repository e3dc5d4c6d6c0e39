"""The payload codec: round trip, key rotation, tamper detection, the codec-server endpoints."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from api import errors
from api.auth import TokenStore
from api.routes import codec as codec_routes
from config.settings import Settings
from domain.models import PaymentSignal
from workers.codec import (
    CodecError,
    EncryptionCodec,
    codec_from_setting,
    data_converter_with_codec,
)

KEY_A, KEY_B = os.urandom(32), os.urandom(32)
SIGNAL = PaymentSignal(provider="standard", transaction_id="txn-1", amount=Decimal("142.50"),
                       currency="USDT", paid_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))


async def _payload() -> Payload:
    return (await pydantic_data_converter.encode([SIGNAL]))[0]


async def test_round_trip_hides_the_plaintext() -> None:
    plain = await _payload()
    codec = EncryptionCodec({"a": KEY_A}, "a")
    [encrypted] = await codec.encode([plain])
    assert encrypted.metadata["encoding"] == b"binary/encrypted"
    assert encrypted.metadata["encryption-key-id"] == b"a"
    assert b"142.50" not in encrypted.SerializeToString()
    assert await codec.decode([encrypted]) == [plain]


async def test_data_converter_round_trips_models_and_encrypts_failures() -> None:
    converter = data_converter_with_codec(EncryptionCodec({"a": KEY_A}, "a"))
    payloads = await converter.encode([SIGNAL])
    assert b"142.50" not in payloads[0].SerializeToString()
    assert await converter.decode(payloads, [PaymentSignal]) == [SIGNAL]
    failure = Failure()
    await converter.encode_failure(ApplicationError("short by 142.50 USDT"), failure)
    assert b"142.50" not in failure.SerializeToString()
    assert "142.50" in str(await converter.decode_failure(failure))


async def test_rotation_decodes_old_keys_until_they_are_removed() -> None:
    [old] = await EncryptionCodec({"a": KEY_A}, "a").encode([await _payload()])
    rotated = EncryptionCodec({"b": KEY_B, "a": KEY_A}, "b")
    [new] = await rotated.encode([await _payload()])
    assert new.metadata["encryption-key-id"] == b"b"
    assert await rotated.decode([old, new]) == [await _payload()] * 2
    with pytest.raises(CodecError, match="key id 'a'.*not configured") as info:
        await EncryptionCodec({"b": KEY_B}, "b").decode([old])
    assert KEY_A.hex() not in str(info.value)


async def test_tampering_is_detected() -> None:
    codec = EncryptionCodec({"a": KEY_A}, "a")
    [encrypted] = await codec.encode([await _payload()])
    for i in (0, 20, len(encrypted.data) - 1):  # nonce, ciphertext, tag
        data = bytearray(encrypted.data)
        data[i] ^= 0x01
        tampered = Payload(metadata=encrypted.metadata, data=bytes(data))
        with pytest.raises(CodecError, match="failed authentication"):
            await codec.decode([tampered])
    # Same id, different key: indistinguishable from tampering, and refused the same way.
    with pytest.raises(CodecError, match="failed authentication"):
        await EncryptionCodec({"a": KEY_B}, "a").decode([encrypted])


async def test_plain_payloads_pass_through_decode() -> None:
    plain = await _payload()
    assert await EncryptionCodec({"a": KEY_A}, "a").decode([plain]) == [plain]


async def test_setting_single_secret_is_stable() -> None:
    first, again = codec_from_setting("s3cret-value"), codec_from_setting(" s3cret-value ")
    assert first.key_ids == again.key_ids and len(first.encrypt_with) == 8
    [encrypted] = await first.encode([await _payload()])
    assert await again.decode([encrypted]) == [await _payload()]
    assert codec_from_setting("other").key_ids != first.key_ids


async def test_setting_list_first_encrypts_all_decrypt() -> None:
    a, b = base64.b64encode(KEY_A).decode(), base64.b64encode(KEY_B).decode()
    codec = codec_from_setting(f"k2:{b}, k1:{a}")
    assert codec.encrypt_with == "k2" and codec.key_ids == ["k2", "k1"]
    [old] = await EncryptionCodec({"k1": KEY_A}, "k1").encode([await _payload()])
    assert await codec.decode([old]) == [await _payload()]


@pytest.mark.parametrize("value", ["k1:notbase64!!", "k1:" + base64.b64encode(b"short").decode(),
                                   ":" + base64.b64encode(KEY_A).decode(),
                                   "k1:{a},k1:{a}", "   "])
def test_setting_rejects_malformed_lists_without_echoing_them(value: str) -> None:
    value = value.format(a=base64.b64encode(KEY_A).decode())
    with pytest.raises(ValueError) as info:
        codec_from_setting(value)
    assert base64.b64encode(KEY_A).decode() not in str(info.value)
    assert "notbase64" not in str(info.value)


def test_constructor_checks_keys() -> None:
    with pytest.raises(ValueError, match="encrypting key id"):
        EncryptionCodec({"a": KEY_A}, "b")
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec({"a": b"short"}, "a")


# --- the codec-server endpoints -------------------------------------------------------------

@pytest.fixture
def client(deps) -> httpx.AsyncClient:
    """The codec router alone, on the test database (tokens unknown to it are unknown)."""
    app = FastAPI()
    errors.install(app)
    app.state.codec = EncryptionCodec({"a": KEY_A}, "a")
    app.state.tokens = TokenStore([("ops", "t-ops"), ("backend", "t-backend"),
                                   ("admin", "t-admin")])
    app.state.deps = deps
    app.state.settings = Settings()
    app.include_router(codec_routes.router)
    codec_routes.codec_cors(app, "http://localhost:8233")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api")


def _body(*payloads: Payload) -> str:
    return json_format.MessageToJson(Payloads(payloads=payloads))


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json",
            "x-namespace": "default"}


@pytest.mark.parametrize("headers,status", [({}, 401), (_auth("nope"), 401),
                                            (_auth("t-backend"), 403)])
async def test_endpoints_need_ops(client: httpx.AsyncClient, headers, status) -> None:
    for path in ("/codec/encode", "/codec/decode"):
        response = await client.post(path, content=_body(await _payload()), headers=headers)
        assert response.status_code == status
        assert response.json()["error"]["code"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize("token", ["t-ops", "t-admin"])
async def test_encode_then_decode_over_http(client: httpx.AsyncClient, token: str) -> None:
    plain = await _payload()
    encoded = await client.post("/codec/encode", content=_body(plain), headers=_auth(token))
    assert encoded.status_code == 200
    assert encoded.headers["content-type"] == "application/json"
    # The UI sees base64 of ciphertext; neither it nor its decoding holds the amount.
    [item] = encoded.json()["payloads"]
    assert "142.50" not in encoded.text and b"142.50" not in base64.b64decode(item["data"])
    decoded = await client.post("/codec/decode", content=encoded.content, headers=_auth(token))
    assert decoded.status_code == 200
    assert json_format.Parse(decoded.content, Payloads()).payloads == [plain]
    assert json.loads(base64.b64decode(decoded.json()["payloads"][0]["data"]))["amount"] == "142.50"


async def test_bad_bodies_answer_400(client: httpx.AsyncClient) -> None:
    short = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"binary/encrypted").decode(),
                                        "encryption-key-id": "YQ=="}, "data": "AAAA"}]}
    for content in ("not json", '{"payloads": "x"}', '{"nope": 1}', json.dumps(short)):
        response = await client.post("/codec/decode", content=content, headers=_auth("t-ops"))
        assert response.status_code == 400, content
    [foreign] = await EncryptionCodec({"z": KEY_B}, "z").encode([await _payload()])
    response = await client.post("/codec/decode", content=_body(foreign), headers=_auth("t-ops"))
    assert response.status_code == 400
    assert "key id 'z'" in response.json()["error"]["message"]


async def test_cors_admits_only_the_ui_origin(client: httpx.AsyncClient) -> None:
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "authorization,content-type,x-namespace"}
    ok = await client.options("/codec/decode",
                              headers={"origin": "http://localhost:8233", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "http://localhost:8233"
    assert ok.headers["access-control-allow-credentials"] == "true"
    evil = await client.options("/codec/decode",
                                headers={"origin": "http://evil.example", **preflight})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
