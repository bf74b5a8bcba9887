"""Fernet encryption at rest for connection passwords, extras and variable values.

``[core] fernet_key`` holds one or more comma-separated keys (newest first): every key decrypts,
the first encrypts. ``rotate-fernet-key`` re-encrypts with the first key, after which older keys
can be dropped (Airflow's MultiFernet scheme).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from dagseal.config import Config
from dagseal.secrets.errors import FernetKeyError

__all__ = ["Cipher", "cipher_from_config", "generate_key"]


class Cipher:
    """Encrypts and decrypts text; ``what`` in each call names the row for error messages."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet: MultiFernet | None = None
        if keys:
            try:
                self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
            except ValueError:
                raise FernetKeyError(
                    "[core] fernet_key is not a comma-separated list of Fernet keys "
                    "(32 url-safe base64-encoded bytes each; "
                    "make one with `dagseal rotate-fernet-key --generate`)"
                ) from None

    def _require(self, what: str) -> MultiFernet:
        if self._fernet is None:
            raise FernetKeyError(f"cannot handle {what}: [core] fernet_key is not set")
        return self._fernet

    def encrypt(self, value: str, what: str) -> str:
        return self._require(what).encrypt(value.encode()).decode()

    def decrypt(self, token: str, what: str) -> str:
        try:
            return self._require(what).decrypt(token.encode()).decode()
        except InvalidToken:
            raise FernetKeyError(
                f"cannot decrypt {what}: it was encrypted with a key [core] fernet_key does not hold"
            ) from None

    def rotate(self, token: str, what: str) -> str:
        """The same value encrypted with the first key (refused, like decrypt, for a foreign token)."""
        try:
            return self._require(what).rotate(token.encode()).decode()
        except InvalidToken:
            raise FernetKeyError(
                f"cannot re-encrypt {what}: it was encrypted with a key [core] fernet_key does not hold"
            ) from None


def cipher_from_config(config: Config) -> Cipher:
    """The CLI's cipher (the supervisor's comes from its SecretsSettings.fernet_keys)."""
    return Cipher([key.strip() for key in config.get("core", "fernet_key").split(",") if key.strip()])


def generate_key() -> str:
    return Fernet.generate_key().decode()
