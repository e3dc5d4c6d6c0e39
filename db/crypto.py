"""Field encryption (MultiFernet: the first key encrypts, every key decrypts) and record hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from db.keys import Purpose, derive
from domain.money import format_money


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        fernets = [Fernet(key.encode()) for key in keys]
        self._primary = fernets[0]
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_setting(cls, value: str) -> FieldCipher:
        return cls([key.strip() for key in value.split(",") if key.strip()])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypts under the first key; a token already under it stays readable."""
        return self._fernet.rotate(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """True if the first key alone reads `token`: rotating it again would change nothing."""
        try:
            self._primary.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def encrypt_decimal(self, amount: Decimal | None) -> str | None:
        return None if amount is None else self.encrypt(format_money(amount))

    def decrypt_decimal(self, token: str | None) -> Decimal | None:
        return None if token is None else Decimal(self.decrypt(token))

    def encrypt_json(self, value: object) -> str:
        return self.encrypt(json.dumps(value, sort_keys=True, default=str))

    def decrypt_json(self, token: str) -> object:
        return json.loads(self.decrypt(token))


class RecordHasher:
    """HMAC-SHA256 over a canonical JSON rendering: detects rows changed behind our back."""

    def __init__(self, key: str) -> None:
        self._master = key
        self._derived: dict[tuple[str, int], bytes] = {}
        self._key = key.encode()

    def key_for(self, purpose: Purpose, version: int = 1) -> bytes:
        """A key of its own for `purpose`, derived from HASH_KEY (db/keys.py)."""
        derived = self._derived.get((purpose, version))
        if derived is None:
            derived = self._derived[(purpose, version)] = derive(self._master, purpose, version)
        return derived

    def digest_for(self, purpose: Purpose, record: Mapping[str, object], version: int = 1) -> str:
        """`digest` under the purpose's own key instead of HASH_KEY itself."""
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
        return hmac.new(
            self.key_for(purpose, version), canonical.encode(), hashlib.sha256
        ).hexdigest()

    def digest(self, record: Mapping[str, object]) -> str:
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
        return hmac.new(self._key, canonical.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, secret_value: str) -> str:
        """A stable, keyed fingerprint of an API key: comparable, not reversible."""
        return hmac.new(self._key, secret_value.encode(), hashlib.sha256).hexdigest()[:32]
