"""Structured JSON logs with secrets and personal data masked, ours and the libraries' alike."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from runtime.logging import MASK, configure, is_sensitive

SECRET, IP, FINGERPRINT = "s3cr3t-value-9f2c", "203.0.113.7", "fp_7c1e2d"


@pytest.fixture
def json_logs():
    """Configures logging as `profitshare api|worker` do; returns a reader of the JSON lines."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure(stream=out)

    def lines() -> list[dict]:
        return [json.loads(line) for line in out.getvalue().splitlines()]

    yield lines
    structlog.reset_defaults()
    root.handlers, root.level = handlers, level


def test_secrets_and_personal_data_are_masked_however_deeply_nested(json_logs):
    structlog.get_logger("api").info(
        "account registered",
        user_id="u_42",
        api_secret=SECRET,
        request={"headers": {"Authorization": f"Bearer {SECRET}"}, "ip": IP},
        devices=[{"device_fingerprint": FINGERPRINT, "email": "a@example.com"}],
        hash_key=SECRET,
        amount="150.00",
    )
    [line] = json_logs()
    assert SECRET not in json.dumps(line)
    assert IP not in json.dumps(line) and FINGERPRINT not in json.dumps(line)
    assert line["api_secret"] == line["hash_key"] == MASK
    assert line["request"] == {"headers": {"Authorization": MASK}, "ip": MASK}
    assert line["devices"] == [{"device_fingerprint": MASK, "email": MASK}]
    # What is neither secret nor personal stays readable, and the line says what happened.
    assert (line["event"], line["user_id"], line["level"]) == ("account registered", "u_42", "info")
    assert line["logger"] == "api" and line["timestamp"]


def test_library_log_lines_are_json_and_bearer_tokens_are_cut_out(json_logs):
    logging.getLogger("temporalio.worker").warning("call failed: Authorization: Bearer %s", SECRET)
    [line] = json_logs()
    assert line["event"] == f"call failed: Authorization: Bearer {MASK}"
    assert (line["level"], line["logger"]) == ("warning", "temporalio.worker")


def test_exception_text_is_masked_too(json_logs):
    try:
        raise RuntimeError(f"upstream said: bearer {SECRET}")
    except RuntimeError:
        structlog.get_logger().exception("request failed")
    [line] = json_logs()
    assert SECRET not in line["exception"] and "RuntimeError" in line["exception"]


@pytest.mark.parametrize(
    "key",
    ["api_secret", "token", "Authorization", "password", "secret", "api_key", "hash_key",
     "fernet_keys", "X-Api-Key", "webhook_secret", "ip", "device_fingerprint", "email", "phone"],
)  # fmt: skip
def test_sensitive_keys(key):
    assert is_sensitive(key)


@pytest.mark.parametrize(
    "key", ["user_id", "event_id", "amount", "key", "api_key_fingerprint", "provider", "event"]
)
def test_ordinary_keys(key):
    assert not is_sensitive(key)
