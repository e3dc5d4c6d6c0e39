"""One spelling per mailbox: `Ann+promo@Example.COM` is `ann@example.com`.

Pure. Case and sub-addressing are folded so one mailbox cannot pass for several; Gmail also
ignores dots in the local part. Kept outside domain/risk so the shared models can use it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

MAX_LENGTH = 254  # RFC 5321's path limit
# Providers that ignore dots in the local part, and their other spellings.
_DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def normalise(email: str) -> str:
    """The canonical form of `email`.

    Raises:
        ValueError: not `local@domain` with a dotted domain, or longer than 254 characters.
    """
    text = email.strip()
    if len(text) > MAX_LENGTH or text.count("@") != 1:
        raise ValueError("not an email address (local@domain)")
    local, domain = text.lower().split("@")
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0]
    if not local or "." not in domain or any(ch.isspace() for ch in text):
        raise ValueError("not an email address (local@domain)")
    if domain in _DOTLESS:
        domain, local = _DOTLESS[domain], local.replace(".", "")
        if not local:
            raise ValueError("not an email address (local@domain)")
    return f"{local}@{domain}"


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[1]


Email = Annotated[str, AfterValidator(normalise)]
