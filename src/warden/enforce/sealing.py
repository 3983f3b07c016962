"""Sealed evidence, encrypted at rest: AES-256-GCM under a keyring, every read audited.

Content preserved for a mandatory report (`warden.enforce.mandatory.preserve`) is stored as
`nonce (12 bytes) || ciphertext+tag`, with the evidence id as associated data (a blob copied onto
another row does not open) and the id of the key that sealed it in `evidence.key_id`, so keys can be
rotated: the keyring's first key seals, every key it holds opens.

Keys come from `Settings` (`settings.py` reads the environment): `WARDEN_EVIDENCE_KEY` (the keys
themselves) or `WARDEN_EVIDENCE_KEY_FILE` (a file of them); without either, a key file is created
at `data_dir/evidence.key` (mode 0600) on first use. Either holds one key per line, base64 of 32
random bytes (`warden evidence keygen` prints one), newest first; `#` starts a comment. To rotate,
put a new key on the first line and keep the old ones below it (`warden evidence rekey` re-seals
what the old ones sealed, after which they can go).

`open_evidence` is the one way to read evidence back: it decrypts and appends an
`evidence.accessed` audit event (who, why, which key) in the caller's transaction. The same keyring
seals the image bytes an operator chose to keep (`warden.enforce.imagebytes`), and `rekey` covers them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.errors import ConfigurationError
from warden.settings import Settings
from warden.store.tables import ContentImage, ContentItem, Evidence

log = logging.getLogger(__name__)
NONCE = 12


class SealingError(ConfigurationError):
    """Evidence cannot be sealed or opened with the configured keys."""


def key_id(key: bytes) -> str:
    """A key's public name: it identifies the key without revealing it."""
    return "ek_" + hashlib.sha256(b"warden-evidence-key:" + key).hexdigest()[:16]


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _parse(text: str, source: str) -> list[bytes]:
    keys: list[bytes] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            key = base64.b64decode(line, altchars=b"-_" if ("-" in line or "_" in line) else None, validate=True)
        except ValueError:
            raise SealingError(f"{source}:{number}: not base64") from None
        if len(key) != 32:
            raise SealingError(f"{source}:{number}: an evidence key is 32 bytes (AES-256), not {len(key)}")
        keys.append(key)
    if not keys:
        raise SealingError(f"{source} holds no key")
    return keys


class EvidenceKeyring:
    """The keys of sealed evidence: the first seals, all open."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise SealingError("an evidence keyring needs at least one key")
        self._keys = {key_id(k): AESGCM(k) for k in keys}
        self.current = key_id(keys[0])

    @classmethod
    def ephemeral(cls) -> EvidenceKeyring:
        """A key that lives as long as this object (tests, one-off tools). The service never uses one:
        it loads its keyring from the settings (`from_settings`)."""
        return cls([secrets.token_bytes(32)])

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceKeyring:
        if settings.evidence_key:
            return cls(_parse(settings.evidence_key, "WARDEN_EVIDENCE_KEY"))
        path = settings.evidence_key_file or settings.data_dir / "evidence.key"
        if settings.evidence_key_file is None and not path.exists():
            _create(path)
        try:
            return cls(_parse(path.read_text(), str(path)))
        except OSError as exc:
            raise SealingError(f"cannot read the evidence key file {path}: {exc.strerror}") from None

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def seal(self, plaintext: bytes, evidence_id: str) -> tuple[str, bytes]:
        nonce = secrets.token_bytes(NONCE)
        return self.current, nonce + self._keys[self.current].encrypt(nonce, plaintext, evidence_id.encode())

    def open(self, sealed_with: str | None, blob: bytes, evidence_id: str) -> bytes:
        if sealed_with is None:  # preserved before encryption existed
            return blob
        cipher = self._keys.get(sealed_with)
        if cipher is None:
            raise SealingError(f"evidence {evidence_id} was sealed with key {sealed_with}, which is not configured "
                               f"(WARDEN_EVIDENCE_KEY / WARDEN_EVIDENCE_KEY_FILE hold {', '.join(self._keys)})")
        try:
            return cipher.decrypt(blob[:NONCE], blob[NONCE:], evidence_id.encode())
        except InvalidTag:
            raise SealingError(f"evidence {evidence_id} does not open: altered, or not this row's") from None


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# Warden evidence key (AES-256-GCM), created on first use; newest first\n{new_key()}\n")
    log.warning("created the evidence key file %s: back it up, sealed evidence cannot be read without it", path)


def seal(evidence: Evidence, plaintext: bytes, keyring: EvidenceKeyring) -> None:
    """Store `plaintext` in the evidence row, encrypted (the row's id must be set)."""
    evidence.key_id, evidence.data = keyring.seal(plaintext, evidence.id)


def open_evidence(session: Session, evidence: Evidence, keyring: EvidenceKeyring, *, actor: str,
                  purpose: str) -> bytes:
    """The evidence's content, decrypted; the access is audited in the caller's transaction."""
    plaintext = keyring.open(evidence.key_id, evidence.data, evidence.id)
    audit.record(session, actor=actor, action="evidence.accessed", subject_type="evidence", subject_id=evidence.id,
                 org_id=evidence.org_id, data={"purpose": purpose, "key_id": evidence.key_id,
                                               "sha256": evidence.sha256})
    return plaintext


def rekey(session: Session, keyring: EvidenceKeyring, *, actor: str = "system:rekey", limit: int = 1000) -> int:
    """Re-seal under the current key every kept evidence row sealed with another key (or none), and every kept
    image's bytes (`warden.enforce.imagebytes`); each is audited. Returns how many were re-sealed (call again
    while it returns `limit` or more)."""
    rows = session.execute(
        select(Evidence).where(func.length(Evidence.data) > 0,
                               (Evidence.key_id.is_(None)) | (Evidence.key_id != keyring.current))
        .limit(limit)
    ).scalars().all()
    for evidence in rows:
        plaintext = keyring.open(evidence.key_id, evidence.data, evidence.id)
        previous = evidence.key_id
        seal(evidence, plaintext, keyring)
        audit.record(session, actor=actor, action="evidence.resealed", subject_type="evidence",
                     subject_id=evidence.id, org_id=evidence.org_id,
                     data={"from_key": previous, "to_key": keyring.current})
    images = session.execute(
        select(ContentImage, ContentItem.org_id).join(ContentItem, ContentItem.id == ContentImage.content_id)
        .where(ContentImage.data.is_not(None), ContentImage.key_id != keyring.current).limit(limit)
    ).all()
    for image, org_id in images:
        assert image.data is not None  # the query's condition
        previous = image.key_id
        image.key_id, image.data = keyring.seal(keyring.open(previous, image.data, image.id), image.id)
        audit.record(session, actor=actor, action="image.resealed", subject_type="content_image",
                     subject_id=image.id, org_id=org_id, data={"from_key": previous, "to_key": keyring.current,
                                                               "content_id": image.content_id})
    session.flush()
    return len(rows) + len(images)
