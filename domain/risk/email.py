"""Email screening: which offline domain lists (disposable, suspicious) hold an email's domain.

Pure; the spelling of an address is normalised by domain/emails.py first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from domain.emails import Email, domain_of, normalise

EmailKind = Literal["disposable", "suspicious"]
EMAIL_KINDS: tuple[EmailKind, ...] = get_args(EmailKind)
__all__ = ["EMAIL_KINDS", "Email", "EmailKind", "EmailLists", "domain_of", "normalise"]


@dataclass(frozen=True)
class EmailLists:
    """Domains per kind; a listed domain also covers its subdomains (x.mailinator.com)."""

    disposable: frozenset[str] = frozenset()
    suspicious: frozenset[str] = frozenset()
    data_as_of: date | None = None
    _by_kind: dict[EmailKind, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_kind", {"disposable": self.disposable, "suspicious": self.suspicious}
        )

    @classmethod
    def from_entries(
        cls, by_kind: Mapping[EmailKind, Iterable[str]], data_as_of: date | None = None
    ) -> EmailLists:
        clean = {k: frozenset(d.strip().lower().rstrip(".") for d in v) for k, v in by_kind.items()}
        return cls(
            disposable=clean.get("disposable", frozenset()),
            suspicious=clean.get("suspicious", frozenset()),
            data_as_of=data_as_of,
        )

    def kinds(self, domain: str) -> frozenset[EmailKind]:
        labels = domain.lower().rstrip(".").split(".")
        suffixes = {".".join(labels[i:]) for i in range(len(labels))}
        return frozenset(k for k in EMAIL_KINDS if suffixes & self._by_kind[k])
