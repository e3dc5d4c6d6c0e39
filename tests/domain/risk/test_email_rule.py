"""Disposable and suspicious email domains: the lists' lookup and the rule's weight."""

from __future__ import annotations

from domain.risk import DEFAULT_FRAUD_SETTINGS, assess
from domain.risk.email import EmailLists
from domain.risk.rules import email_domain
from tests.domain.risk import facts, settings

LISTS = EmailLists.from_entries(
    {"disposable": ["mailinator.com", "YopMail.com"], "suspicious": ["example.com", "test"]}
)


def test_a_listed_domain_covers_its_subdomains_only() -> None:
    assert LISTS.kinds("mailinator.com") == {"disposable"}
    assert LISTS.kinds("eu.mailinator.com") == {"disposable"}
    assert LISTS.kinds("yopmail.com") == {"disposable"}
    assert LISTS.kinds("notmailinator.com") == frozenset()
    assert LISTS.kinds("shop.test") == {"suspicious"}
    assert LISTS.kinds("gmail.com") == frozenset()


def test_disposable_adds_its_reason_and_weight() -> None:
    found = facts(email_domain="mailinator.com", email_kinds=frozenset({"disposable"}))
    reason = email_domain(found, DEFAULT_FRAUD_SETTINGS)
    assert reason is not None
    assert (reason.rule, reason.points) == ("disposable_email", 30)
    assert "mailinator.com" in reason.detail
    assert assess(found).score == 30
    heavier = settings(weights={"disposable_email": 45})
    assert email_domain(found, heavier).points == 45  # type: ignore[union-attr]
    assert email_domain(found, settings(email_screening_enabled=False)) is None


def test_suspicious_weighs_less() -> None:
    found = facts(email_domain="example.com", email_kinds=frozenset({"suspicious"}))
    reason = email_domain(found, DEFAULT_FRAUD_SETTINGS)
    assert reason is not None and (reason.rule, reason.points) == ("suspicious_email", 15)
