"""The key that encrypts the secret-bearing part of a state file.

Everything but record rows (users with their passwords and security tokens,
connected apps with their secrets, OAuth and IMS tokens, the fixture) is
stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256), so no secret is in
clear in the file. The key comes from one of two places:

* a **key file** beside the state file (``state.db.key``, mode 0600), made
  when the state file is made: the default for ``serve --data``;
* a **passphrase** (scrypt with the file's own salt): for snapshot files that
  are shared with someone else as one file, and for ``--data`` when
  ``CRM_HARNESS_STATE_PASSPHRASE`` is set.
"""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PASSPHRASE_ENV = "CRM_HARNESS_STATE_PASSPHRASE"
_CHECK = b"crm-harness state key check"


class StateKeyError(ValueError):
    """The key is missing or does not open this file; the message says which and what to do."""


class StateKey:
    """A Fernet key with the check value that proves it opens a given file."""

    def __init__(self, key: bytes, origin: str) -> None:
        self._fernet = Fernet(key)
        self.origin = origin  # said in error messages: "key file x.key" or "the passphrase"

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes) -> "StateKey":
        raw = hashlib.scrypt(passphrase.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
        return cls(base64.urlsafe_b64encode(raw), "the passphrase")

    @classmethod
    def from_key_file(cls, path: Path, create: bool) -> "StateKey":
        """Read the key file; with ``create``, make it first (0600) when it does not exist."""
        if not path.exists():
            if not create:
                raise StateKeyError(f"key file {path} not found: the state file's secrets are encrypted with it "
                                    f"(or set {PASSPHRASE_ENV} if the file was made with a passphrase)")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        try:
            return cls(path.read_bytes().strip(), f"key file {path}")
        except ValueError:
            raise StateKeyError(f"key file {path} does not hold a key") from None

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, data: bytes) -> bytes:
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            raise StateKeyError(f"{self.origin} does not open this state file") from None

    def check_value(self) -> bytes:
        return self.encrypt(_CHECK)

    def verify(self, check_value: bytes) -> None:
        if self.decrypt(check_value) != _CHECK:
            raise StateKeyError(f"{self.origin} does not open this state file")


def key_file_for(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".key")
