"""A submitted image's bytes: not kept by default; kept sealed where the operator enables it; never for CSAM.

An image is always recorded as hashes and metadata (`content_images`: SHA-256, MD5, PDQ, format, size,
dimensions, source). With `keep_image_bytes` (`WARDEN_KEEP_IMAGE_BYTES`, off by default) the bytes as received
are kept as well, sealed like text evidence (`warden.enforce.sealing`: AES-256-GCM under the evidence keyring,
the image row's id as associated data, the sealing key's id beside it; `warden.enforce.sealing.rekey` re-seals
them with the evidence). `open_image` is the one way to read them back, and it audits every access.

Content suspected of child sexual abuse material (a `sexual/minors` violation or signal, which a match on a
`sexual/minors` hash list always is) never keeps its bytes, whatever the setting, and bytes kept earlier are
destroyed when such a report is drafted (`shred`). Images a caller scored with its own signals keep no
bytes either: Warden's hash lists never looked at them. Warden has no use for a copy: the CyberTipline report
carries the image's hashes (SHA-256, MD5, PDQ) and metadata, and the original stays in the operator's own
system, where the operator preserves it as the law asks. No setting turns this off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.decide import Decision
from warden.detect.signals import Signal
from warden.enforce import audit
from warden.enforce.sealing import EvidenceKeyring
from warden.store.tables import ContentImage

CSAM_CATEGORY = "sexual/minors"
CSAM_SIGNAL_FLOOR = 0.5  # a signal this strong withholds the bytes even where no rule acted on it


def suspected_csam(decision: Decision, signals: Mapping[str, float] | Sequence[Signal]) -> bool:
    """Whether the content may be CSAM: a violation of a sexual/minors rule, or a sexual/minors signal."""
    if any(v.category == CSAM_CATEGORY for v in decision.violations):
        return True
    if isinstance(signals, Mapping):
        return signals.get(CSAM_CATEGORY, 0.0) >= CSAM_SIGNAL_FLOOR
    return any(s.category == CSAM_CATEGORY and s.score >= CSAM_SIGNAL_FLOOR for s in signals)


def seal(image: ContentImage, data: bytes, keyring: EvidenceKeyring) -> None:
    """Keep `data` on the image row, encrypted (the row's id must be set)."""
    image.key_id, image.data = keyring.seal(data, image.id)


def open_image(session: Session, image: ContentImage, keyring: EvidenceKeyring, *, actor: str, purpose: str,
               org_id: str) -> bytes:
    """The image's bytes, decrypted; the access is audited in the caller's transaction. `LookupError` when
    its bytes were not kept (the default) or were destroyed."""
    if image.data is None:
        raise LookupError(f"image {image.id}: its bytes were not kept (hashes and metadata only)")
    data = keyring.open(image.key_id, image.data, image.id)
    audit.record(session, actor=actor, action="image.accessed", subject_type="content_image", subject_id=image.id,
                 org_id=org_id, data={"purpose": purpose, "key_id": image.key_id, "sha256": image.sha256,
                                      "content_id": image.content_id})
    return data


def shred(session: Session, content_id: str, *, org_id: str, actor: str, reason: str) -> int:
    """Destroy the kept bytes of the content's images (their hashes and metadata stay); each is audited."""
    rows = session.scalars(select(ContentImage).where(ContentImage.content_id == content_id,
                                                      ContentImage.data.is_not(None))).all()
    for image in rows:
        image.data, image.key_id = None, None
        audit.record(session, actor=actor, action="image.bytes_destroyed", subject_type="content_image",
                     subject_id=image.id, org_id=org_id,
                     data={"reason": reason, "sha256": image.sha256, "content_id": content_id})
    return len(rows)
