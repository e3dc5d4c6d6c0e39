"""Per-user data keys: personal fields are encrypted under their user's key (crypto-shredding).

Erasing a user deletes the key row; every ciphertext made under it (screenshots, IPs, emails,
user agents) is then noise, wherever a copy of it lives, without rewriting those rows. The
key itself is a FERNET_KEYS token, so `keys rotate` re-wraps it like any other column.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import User
from db.privacy_models import UserKey


class UserErased(LookupError):
    """The user's data key was destroyed: nothing personal may be stored for them again."""


class UserCipher:
    """Encrypts one user's personal fields; None stays None."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    def encrypt(self, value: str | None) -> str | None:
        return None if value is None else self._fernet.encrypt(value.encode()).decode()

    def encrypt_bytes(self, value: bytes) -> str:
        return self._fernet.encrypt(value).decode()

    def decrypt(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.decrypt(token.encode()).decode()

    def decrypt_bytes(self, token: str) -> bytes:
        return self._fernet.decrypt(token.encode())


async def for_user(session: AsyncSession, cipher: FieldCipher, user_id: str) -> UserCipher:
    """The user's cipher, its key made on first use (in the caller's transaction).

    Raises:
        UserErased: the user was erased; their key is gone for good.
    """
    if await session.scalar(select(User.erased_at).where(User.id == user_id)) is not None:
        raise UserErased(f"user {user_id} was erased")
    await session.execute(
        insert(UserKey)
        .values(user_id=user_id, key_enc=cipher.encrypt(Fernet.generate_key().decode()))
        .on_conflict_do_nothing(index_elements=[UserKey.user_id])
    )
    wrapped = await session.scalar(select(UserKey.key_enc).where(UserKey.user_id == user_id))
    assert wrapped is not None
    return UserCipher(Fernet(cipher.decrypt(wrapped).encode()))


async def existing(session: AsyncSession, cipher: FieldCipher, user_id: str) -> UserCipher | None:
    """The user's cipher if they have a key (None once erased or before any personal data)."""
    wrapped = await session.scalar(select(UserKey.key_enc).where(UserKey.user_id == user_id))
    return None if wrapped is None else UserCipher(Fernet(cipher.decrypt(wrapped).encode()))


def readable(user: UserCipher | None, token: str | None) -> str | None:
    """The plaintext, or None when the key is gone (erased) or the token is not under it."""
    if user is None or token is None:
        return None
    try:
        return user.decrypt(token)
    except InvalidToken:
        return None


async def destroy(session: AsyncSession, user_id: str) -> bool:
    """Deletes the user's key; True if there was one."""
    key = await session.get(UserKey, user_id)
    if key is None:
        return False
    await session.delete(key)
    await session.flush()
    return True
