"""Purpose-separated keys derived from HASH_KEY (HKDF-SHA256), so one leak is one purpose.

HASH_KEY itself is the master secret, held outside PostgreSQL. Each purpose gets its own key
`HKDF(HASH_KEY, info="profitshare/<purpose>/v<version>")`; a key that must change is rotated by
raising its version (new writes use the new key, readers try the versions they know). Seals,
API-key fingerprints and IP hashes written before derivation existed used HASH_KEY directly
("v0"); they keep verifying under v0 until `profitshare keys rotate` rewrites them.
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Purpose = Literal["seal", "fingerprint", "ip-hash", "audit-chain"]
KEY_BYTES = 32


def derive(master: str, purpose: Purpose, version: int = 1) -> bytes:
    """The key for `purpose`; version 0 is the master itself (records from before HKDF)."""
    if version == 0:
        return master.encode()
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=f"profitshare/{purpose}/v{version}".encode(),
    ).derive(master.encode())
