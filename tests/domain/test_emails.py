"""The email normaliser: a table of spellings, and properties over generated addresses."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.emails import domain_of, normalise
from domain.models import ProfitEvent
from tests.support.scenario import profit_event

SAME_MAILBOX = [
    ("Ann@Example.com", "ann@example.com"),
    ("ann+promo@example.com", "ann@example.com"),
    ("ANN+a+b@EXAMPLE.COM.", "ann@example.com"),
    ("  ann@example.com ", "ann@example.com"),
    ("A.n.N+x@GoogleMail.com", "ann@gmail.com"),
    ("a.nn@gmail.com", "ann@gmail.com"),
    # Dots matter elsewhere: only Gmail ignores them.
    ("a.nn@example.com", "a.nn@example.com"),
]
NOT_AN_ADDRESS = [
    "",
    "ann",
    "ann@",
    "@example.com",
    "+tag@example.com",
    "a@b@c.com",
    "ann@localhost",
    "an n@example.com",
    "..@gmail.com",
    "a" * 250 + "@x.com",
]


@pytest.mark.parametrize(("raw", "canonical"), SAME_MAILBOX)
def test_one_spelling_per_mailbox(raw: str, canonical: str) -> None:
    assert normalise(raw) == canonical


@pytest.mark.parametrize("raw", NOT_AN_ADDRESS)
def test_refuses_what_is_not_an_address(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise(raw)


LOCAL = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)
DOMAIN = st.from_regex(r"[a-z0-9]{1,10}\.(com|org|net|io)", fullmatch=True)
TAG = st.from_regex(r"[a-zA-Z0-9._-]{0,10}", fullmatch=True)


@given(LOCAL, DOMAIN, TAG)
def test_case_and_sub_address_never_make_a_new_mailbox(local: str, domain: str, tag: str) -> None:
    plain = normalise(f"{local}@{domain}")
    assert normalise(f"{local.upper()}+{tag}@{domain.upper()}") == plain
    assert normalise(plain) == plain  # idempotent
    assert domain_of(plain) == domain
    assert "+" not in plain and plain == plain.lower()


def test_a_profit_event_carries_the_email_normalised_and_old_events_hash_as_before() -> None:
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    event = profit_event("u_1", "acc_1", start=start, reported=Decimal("100"))
    body = event.model_dump(mode="json")
    body.pop("email")  # what an event from before `email` existed hashed
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert event.matches(hashlib.sha256(canonical.encode()).hexdigest())
    with_email = ProfitEvent.model_validate(event.model_dump() | {"email": "Ann+x@Example.COM"})
    assert with_email.email == "ann@example.com"
    assert with_email.fingerprint() != event.fingerprint()
    with pytest.raises(ValueError):
        ProfitEvent.model_validate(event.model_dump() | {"email": "nope"})
