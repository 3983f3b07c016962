"""Signed anchors of the audit chain: its head, exported and signed (Ed25519) outside the database.

The chain (`warden.enforce.audit`) detects any edit *inside* the database, but someone who can
write to the database can also cut off the newest events and set `audit_head` back, or rewrite
the tail and re-hash it: the chain is then consistent again. An anchor is the head (`seq`, `hash`)
at one moment, signed with a key the database never sees and kept elsewhere (a file under
`WARDEN_AUDIT_ANCHOR_DIR`, shipped off the machine by whatever the operator uses). Checking a
later database against it (`warden audit verify --anchor FILE`) finds:

* a **truncated** tail: the chain now ends before the anchored event;
* a **rewritten** tail: the anchored event's hash is no longer the one that was signed;
* a forged anchor: the signature does not verify under the public key.

Anchors are exported on demand (`warden audit anchor`) and, while the service runs with a signing
key configured (`WARDEN_AUDIT_SIGNING_KEY_FILE`), every `WARDEN_AUDIT_ANCHOR_EVERY` seconds
(`AnchorWorker`); each export is itself an audit event. `warden audit keygen` makes a key pair.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.enforce.audit import ChainProblem
from warden.errors import ConfigurationError, InvalidInput
from warden.store.database import Database
from warden.store.tables import AuditEvent, AuditHead

log = logging.getLogger(__name__)


class AnchorError(InvalidInput):
    """An anchor file or key that cannot be used."""


class Anchor(BaseModel):
    seq: int
    hash: str
    exported_at: str
    public_key: str  # base64 of the raw Ed25519 public key that signed it
    signature: str  # base64 of the signature over `signed_bytes()`

    def signed_bytes(self) -> bytes:
        return json.dumps({"seq": self.seq, "hash": self.hash, "exported_at": self.exported_at},
                          sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def read(cls, path: Path) -> Anchor:
        try:
            return cls.model_validate_json(path.read_bytes())
        except OSError as exc:
            raise AnchorError(f"cannot read the anchor {path}: {exc.strerror}") from None
        except ValidationError as exc:
            raise AnchorError(f"{path} is not an audit anchor: {exc.errors()[0]['msg']}") from None


def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 private key (PEM, mode 0600) to `path`; refuse to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AnchorError(f"{path} exists; a signing key is never overwritten") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key.public_key()


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise AnchorError(f"cannot read the signing key {path}: {exc.strerror}") from None
    except ValueError:
        raise AnchorError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: the base64 text `warden audit keygen` prints, or a PEM public or private key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnchorError(f"cannot read the public key {path}: {exc.strerror}") from None
    if b"PRIVATE KEY" in raw:
        return load_key(path).public_key()
    if b"PUBLIC KEY" in raw:
        key = serialization.load_pem_public_key(raw)
        if not isinstance(key, Ed25519PublicKey):
            raise AnchorError(f"{path} is not an Ed25519 key")
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw.strip(), validate=True))
    except ValueError:
        raise AnchorError(f"{path} holds no Ed25519 public key") from None


def export(session: Session, key: Ed25519PrivateKey, *, actor: str = "system:anchor") -> Anchor:
    """Sign the chain's head as it is in this transaction, and record that it was exported."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    anchor = Anchor(seq=head.seq, hash=head.hash, exported_at=dt.datetime.now(dt.UTC).isoformat(),
                    public_key=public_key_text(key.public_key()), signature="")
    anchor.signature = base64.b64encode(key.sign(anchor.signed_bytes())).decode()
    audit.record(session, actor=actor, action="audit.anchored", subject_type="audit", subject_id=str(head.seq),
                 org_id=None, data={"seq": head.seq, "hash": head.hash, "public_key": anchor.public_key})
    return anchor


def check(session: Session, anchor: Anchor, public_key: Ed25519PublicKey | None = None) -> list[ChainProblem]:
    """What the store contradicts in the anchor (empty: consistent). Without `public_key` the key in the
    anchor is used, which proves the file is intact but not who wrote it: pass the key you trust."""
    key = public_key or Ed25519PublicKey.from_public_bytes(base64.b64decode(anchor.public_key))
    try:
        key.verify(base64.b64decode(anchor.signature), anchor.signed_bytes())
    except (InvalidSignature, ValueError):
        return [ChainProblem(seq=anchor.seq, problem="the anchor's signature does not verify: it was altered or "
                             "signed by another key")]
    if anchor.seq == 0:
        return []
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    event = session.get(AuditEvent, anchor.seq)
    if event is None or head.seq < anchor.seq:
        return [ChainProblem(seq=anchor.seq, problem=f"the chain ends at event {head.seq}, before the anchored event "
                             f"{anchor.seq}: its tail was cut off")]
    if event.hash != anchor.hash:
        return [ChainProblem(seq=anchor.seq, problem="the anchored event's hash differs from the signed one: the "
                             "chain was rewritten up to or past it")]
    return []


def write(anchor: Anchor, directory: Path) -> Path:
    """Store an anchor as `anchor-<seq>-<time>.json` and `latest.json` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = anchor.exported_at.replace(":", "").replace("-", "").split(".")[0]
    path = directory / f"anchor-{anchor.seq:012d}-{stamp}.json"
    text = anchor.model_dump_json(indent=2)
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


class AnchorWorker(threading.Thread):
    """Exports a signed anchor every `every` seconds while the service runs."""

    def __init__(self, db: Database, key_file: Path, directory: Path, every: float) -> None:
        super().__init__(name="warden-audit-anchor", daemon=True)
        if every <= 0:
            raise ConfigurationError("the anchor interval must be positive")
        self.key = load_key(key_file)
        self.db, self.directory, self.every = db, directory, every
        self.stopped = threading.Event()
        self.written: list[Path] = []

    def run_once(self) -> Path:
        with self.db.transaction() as s:
            anchor = export(s, self.key)
        path = write(anchor, self.directory)
        self.written.append(path)
        return path

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.run_once()
            except Exception:  # a database hiccup must not end anchoring for the life of the service
                log.exception("audit anchor export failed; trying again in %.0f s", self.every)
            self.stopped.wait(self.every)

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.join(timeout)
