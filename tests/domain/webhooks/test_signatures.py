"""Every registered gateway's signature scheme, through its registry entry: round trips,
wrong or missing secrets, tampering, replay windows; plus the published test vectors."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.webhooks import SignatureError, phonepe, razorpay, registry, standard

NOW = datetime(2026, 11, 20, 10, 25, tzinfo=UTC)
# A valid whsec_ secret doubles as the HMAC key, salt key and password of the other schemes.
SECRET, WRONG = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
GATEWAYS = {g.name: g for g in registry.gateways()}


def _creds(name: str, secret: str) -> dict[str, str]:
    """Every secret setting is `secret`; the others (salt index, username) their dev value."""
    settings = GATEWAYS[name].settings
    return {s.name: (secret if s.secret else s.dev_value) for s in settings}


# Each scheme as body, sign(body, secret, now) -> headers, verify(body, headers, secret, now),
# so one test covers all of them, whatever is registered.
BODY = {
    name: g.example("ps_7Q2M", "txn_01", Decimal("150.00"), True) for name, g in GATEWAYS.items()
}
SIGN = {name: (lambda b, s, t, n=name: GATEWAYS[n].sign(b, _creds(n, s), t)) for name in GATEWAYS}
VERIFY = {
    name: (lambda b, h, s, t, n=name: GATEWAYS[n].verify(b, h, _creds(n, s), t))
    for name in GATEWAYS
}
# Schemes whose signature covers the body (PhonePe v2 signs no body) and a time.
OTHER = {
    name: g.example("ps_7Q2M", "txn_01", Decimal("1.00"), True) for name, g in GATEWAYS.items()
}
BODY_SIGNED = [
    n for n in GATEWAYS if SIGN[n](BODY[n], SECRET, NOW) != SIGN[n](OTHER[n], SECRET, NOW)
]
TIMESTAMPED = [
    n for n in GATEWAYS
    if SIGN[n](BODY[n], SECRET, NOW) != SIGN[n](BODY[n], SECRET, NOW + timedelta(seconds=2))
]  # fmt: skip


def test_standard_webhooks_published_vector() -> None:
    sent_at, msg_id = datetime.fromtimestamp(1614265330, UTC), "msg_p5jXN8AQM9LWM0D4loKWxJek"
    body = b'{"test": 2432232314}'
    signature = standard.sign(body, secret=SECRET, msg_id=msg_id, timestamp=sent_at)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = {"webhook-id": msg_id, "webhook-timestamp": "1614265330"}
    standard.verify(body, headers | {"webhook-signature": signature}, secret=SECRET, now=sent_at)


def test_phonepe_v2_and_razorpay_published_vectors() -> None:
    expected = "bc842c31a9e54efe320d30d948be61291f3ceee4766e36ab25fa65243cd76e0e"
    assert phonepe.sign_v2(username="username", password="password") == expected
    expected = "b2335e3b0801106b84a7faff035df56ecffde06918c9ddd1f0fafbb37a51cc89"
    assert razorpay.sign(b"fake_order_id|fake_payment_id", secret="key_secret") == expected


@pytest.mark.parametrize("name", BODY)
def test_round_trip_in_any_header_case(name: str) -> None:
    body, verify = BODY[name], VERIFY[name]
    headers = SIGN[name](body, SECRET, NOW)
    verify(body, headers, SECRET, NOW)
    verify(body, {k.upper(): v for k, v in headers.items()}, SECRET, NOW)
    verify(body, {k.lower(): v for k, v in headers.items()}, SECRET, NOW)


@pytest.mark.parametrize("name", BODY)
def test_wrong_secret_fails_without_leaking_secrets_or_signatures(name: str) -> None:
    headers = SIGN[name](BODY[name], SECRET, NOW)
    with pytest.raises(SignatureError) as caught:
        VERIFY[name](BODY[name], headers, WRONG, NOW)
    leaks = [SECRET, WRONG, *headers.values(), *SIGN[name](BODY[name], WRONG, NOW).values()]
    assert not any(value in str(caught.value) for value in leaks)


@pytest.mark.parametrize("name", BODY)
def test_missing_headers_or_unconfigured_secret_fail(name: str) -> None:
    with pytest.raises(SignatureError):
        VERIFY[name](BODY[name], {}, SECRET, NOW)
    headers = SIGN[name](BODY[name], SECRET, NOW)
    with pytest.raises(SignatureError, match="not configured"):  # an empty key is forgeable
        VERIFY[name](BODY[name], headers, "", NOW)


@pytest.mark.parametrize("name", BODY_SIGNED)
def test_tampered_body_fails(name: str) -> None:
    body, middle = BODY[name], len(BODY[name]) // 2
    tampered = body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1 :]
    with pytest.raises(SignatureError):
        VERIFY[name](tampered, SIGN[name](body, SECRET, NOW), SECRET, NOW)


@pytest.mark.parametrize("name", TIMESTAMPED)
@pytest.mark.parametrize("sign", [-1, 1])
def test_stale_and_future_timestamps_fail(name: str, sign: int) -> None:
    body, verify, edge = BODY[name], VERIFY[name], sign * timedelta(minutes=5)
    verify(body, SIGN[name](body, SECRET, NOW + edge), SECRET, NOW)  # the edge itself is in
    outside = SIGN[name](body, SECRET, NOW + edge + sign * timedelta(seconds=1))
    with pytest.raises(SignatureError, match="too old|future"):
        verify(body, outside, SECRET, NOW)


@pytest.mark.parametrize("name", BODY_SIGNED)
@given(data=st.data())
def test_any_single_byte_change_fails(name: str, data: st.DataObject) -> None:
    body = BODY[name]
    index = data.draw(st.integers(0, len(body) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    changed = body[:index] + bytes([byte]) + body[index + 1 :]
    try:
        VERIFY[name](changed, SIGN[name](body, SECRET, NOW), SECRET, NOW)
    except SignatureError:
        return
    # PhonePe v1 signs the base64 string, not the JSON around it: a change outside the
    # string (whitespace, say) may pass, but then it must not change what we read.
    assert name == "phonepe_v1" and GATEWAYS[name].parse(changed, {}) == GATEWAYS[name].parse(
        body, {}
    )


def test_phonepe_v2_accepts_documented_header_spellings() -> None:
    username = _creds("phonepe_v2", SECRET)["phonepe_callback_username"]
    digest = phonepe.sign_v2(username=username, password=SECRET)
    for value in (digest, digest.upper(), f"SHA256 {digest}", f"sha256 {digest}"):
        VERIFY["phonepe_v2"](BODY["phonepe_v2"], {"authorization": value}, SECRET, NOW)


def test_phonepe_v1_callback_needs_v1_configuration() -> None:
    body = BODY["phonepe_v1"]
    headers = SIGN["phonepe_v1"](body, SECRET, NOW)
    with pytest.raises(SignatureError, match="not configured"):
        phonepe.verify(body, headers, username="merchant", password=SECRET, now=NOW)


def test_standard_accepts_any_matching_signature_during_rotation() -> None:
    body, verify = BODY["standard"], VERIFY["standard"]
    headers = SIGN["standard"](body, SECRET, NOW)
    other = SIGN["standard"](body, WRONG, NOW)["webhook-signature"]
    several = f"v1a,abc {other} {headers['webhook-signature']}"  # unknown versions are skipped
    verify(body, headers | {"webhook-signature": several}, SECRET, NOW)
    for bad in ("garbage", "v1,", "v1,!!notbase64", other):
        with pytest.raises(SignatureError):
            verify(body, headers | {"webhook-signature": bad}, SECRET, NOW)


def test_standard_rejects_non_utf8_body_and_fractional_timestamp() -> None:
    body, verify = BODY["standard"], VERIFY["standard"]
    headers = SIGN["standard"](body, SECRET, NOW)
    with pytest.raises(SignatureError):
        verify(b"\xff" + body, headers, SECRET, NOW)
    with pytest.raises(SignatureError):
        verify(body, headers | {"webhook-timestamp": f"{NOW.timestamp():.1f}"}, SECRET, NOW)
