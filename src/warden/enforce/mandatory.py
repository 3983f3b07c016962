"""Mandatory reports: evidence preservation, CyberTipline drafts, human confirmation, submission.

Suspected CSAM is sealed as evidence (kept for a year, REPORT Act 2024) and its
text is removed from the content record, so the console and the API only ever
show hashes. A report is drafted automatically but leaves the building only
after a platform administrator confirms it, to the endpoint configured in
``WARDEN_CYBERTIP_URL`` (NCMEC's test host while onboarding).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET

import httpx
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit, cybertip, imagebytes, sealing
from warden.enforce.errors import Conflict
from warden.enforce.kinds import ReportStatus
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped
from warden.enforce.sealing import EvidenceKeyring
from warden.errors import Unavailable
from warden.settings import CyberTipConfig, Settings
from warden.store.database import Database
from warden.store.tables import Account, ContentImage, ContentItem, DecisionRecord, Evidence, MandatoryReport, new_id

PRESERVE_FOR = dt.timedelta(days=365)


class CyberTipSettings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    endpoint: str | None  # base URL of the reporting API (…/ispws); None: drafts only
    username: str | None = None
    password: str | None = None
    reporter: cybertip.ReporterInfo
    platform: str = "Warden-operated AI service"
    # the keys sealed evidence is encrypted with; the service passes the configured ones (`from_settings`),
    # a bare construction (tests) gets a key of its own that dies with it
    keyring: EvidenceKeyring = Field(default_factory=EvidenceKeyring.ephemeral, exclude=True, repr=False)
    # keep submitted images' bytes, sealed under `keyring` (`warden.enforce.imagebytes`; never for suspected CSAM)
    keep_image_bytes: bool = False

    @classmethod
    def from_config(cls, config: CyberTipConfig, keyring: EvidenceKeyring | None = None, *,
                    keep_image_bytes: bool = False) -> CyberTipSettings:
        return cls(
            endpoint=config.endpoint, username=config.username, password=config.password, platform=config.platform,
            reporter=cybertip.ReporterInfo(first_name=config.reporter_first, last_name=config.reporter_last,
                                           email=config.reporter_email, terms_of_service=config.terms_of_service),
            keyring=keyring or EvidenceKeyring.ephemeral(), keep_image_bytes=keep_image_bytes,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> CyberTipSettings:
        """The reporting settings and the configured evidence keyring (`SealingError` if unusable)."""
        return cls.from_config(settings.cybertip, EvidenceKeyring.from_settings(settings),
                               keep_image_bytes=settings.keep_image_bytes)


def _images(session: Session, content_id: str) -> list[ContentImage]:
    return list(session.scalars(select(ContentImage).where(ContentImage.content_id == content_id)
                                .order_by(ContentImage.part)).all())


def _image_evidence(session: Session, content: ContentItem) -> tuple[bytes, str, str] | None:
    """For content with images: the sealed record is their hashes and metadata (never the pixels: Warden keeps
    none of suspected CSAM), identified by the first image's SHA-256 and MD5 for the report's file details."""
    images = _images(session, content.id)
    if not images:
        return None
    record = {"text": content.text or "", "images": [
        {"part": i.part, "sha256": i.sha256, "md5": i.md5, "pdq": i.pdq, "format": i.format, "width": i.width,
         "height": i.height, "bytes": i.size, "source": i.source} for i in images]}
    return json.dumps(record, sort_keys=True).encode(), images[0].sha256, images[0].md5


def preserve(session: Session, content: ContentItem, now: dt.datetime, keyring: EvidenceKeyring) -> Evidence:
    """Seal the content as evidence (encrypted: `warden.enforce.sealing`) and strip it from the ordinary record."""
    data = (content.text or "").encode()
    sha256, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
    imaged = _image_evidence(session, content)
    if imaged is not None:
        data, sha256, md5 = imaged
        # bytes an operator had Warden keep (`keep_image_bytes`) before the content was suspected: destroyed now
        imagebytes.shred(session, content.id, org_id=content.org_id, actor="system:mandatory",
                         reason="suspected CSAM: Warden keeps no copy (hashes and metadata only)")
    evidence = Evidence(id=new_id("evd"), org_id=content.org_id, content_id=content.id, data=b"",
                        sha256=sha256, md5=md5, preserve_until=now + PRESERVE_FOR, created_at=now)
    sealing.seal(evidence, data, keyring)
    session.add(evidence)
    content.text, content.restricted = None, True
    return evidence


def draft(session: Session, *, content: ContentItem, decision: DecisionRecord, settings: CyberTipSettings,
          actor: str, now: dt.datetime) -> MandatoryReport:
    evidence = preserve(session, content, now, settings.keyring)
    account = session.get(Account, content.account_id) if content.account_id else None
    incident = cybertip.Incident(
        incident_datetime=content.created_at, platform=settings.platform, url=None,
        esp_identifier=account.id if account else f"content:{content.id}",
        screen_name=account.display_name if account else None, esp_service=decision.surface,
        additional_info=f"Detected by automated classification under policy {decision.policy_revision}; "
                        f"decision {decision.id}.",
    )
    file = _file_info(session, content.id, evidence)
    report = MandatoryReport(
        id=new_id("mrp"), org_id=content.org_id, account_id=content.account_id, content_id=content.id,
        decision_id=decision.id, evidence_id=evidence.id, status=ReportStatus.DRAFT,
        report_xml=cybertip.report_xml(settings.reporter, incident), file_xml=cybertip.file_details_xml(file),
    )
    session.add(report)
    session.flush()
    audit.record(session, actor=actor, action="mandatory_report.drafted", subject_type="mandatory_report",
                 subject_id=report.id, org_id=report.org_id,
                 data={"content_id": content.id, "evidence_sha256": evidence.sha256,
                       "preserve_until": evidence.preserve_until.isoformat()})
    return report


def _file_info(session: Session, content_id: str, evidence: Evidence) -> cybertip.FileInfo:
    """The report's file details: for images their hashes (SHA-256, MD5, PDQ) and a note that the file sent is
    the hashes and metadata, not the image; for text the sealed text's hashes."""
    images = _images(session, content_id)
    if not images:
        return cybertip.FileInfo(file_name=f"{content_id}.txt", sha256=evidence.sha256, md5=evidence.md5,
                                 generative_ai=True)
    first = images[0]
    note = (f"{len(images)} image(s): the file is their SHA-256, MD5 and PDQ hashes and metadata (JSON); the "
            f"moderation service kept no image bytes. First image: {first.format} {first.width}x{first.height}, "
            f"{first.size} bytes, from {first.source}.")
    return cybertip.FileInfo(file_name=f"{content_id}-images.json", sha256=first.sha256, md5=first.md5,
                             pdq=first.pdq, generative_ai=False, additional_info=note)


def confirm(session: Session, report: MandatoryReport, principal: Principal, now: dt.datetime) -> None:
    principal.require(Permission.MANDATORY_REPORTS)
    if report.status not in {ReportStatus.DRAFT, ReportStatus.FAILED}:
        raise Conflict(f"report {report.id} is already {report.status}")
    if report.external_id is not None:  # NCMEC already holds it: confirming again would file a second report
        raise Conflict(f"report {report.id} reached the CyberTipline as {report.external_id} before failing; "
                       "finish it there, do not send it again")
    report.status, report.confirmed_by, report.confirmed_at = ReportStatus.CONFIRMED, principal.subject, now
    audit.record(session, actor=principal.actor, action="mandatory_report.confirmed",
                 subject_type="mandatory_report", subject_id=report.id, org_id=report.org_id)


def confirm_and_submit(db: Database, report_id: str, principal: Principal, settings: CyberTipSettings,
                       now: dt.datetime, transport: httpx.BaseTransport | None = None) -> MandatoryReport:
    """A person confirms a draft and, when an endpoint is configured, it is sent: one unit of work. The
    report row is locked while it is confirmed, so two confirmations cannot both send it, and a report
    that already reached the CyberTipline is refused (`confirm`) rather than filed twice."""
    with db.transaction() as s:
        report = get_scoped(s, MandatoryReport, report_id, principal, "mandatory_report", for_update=True)
        confirm(s, report, principal, now)
    if settings.endpoint is not None:
        return submit(db, report_id, settings, transport=transport)
    with db.transaction() as s:
        return s.get_one(MandatoryReport, report_id)


def withdraw(session: Session, report: MandatoryReport, *, actor: str, reason: str) -> None:
    if report.status in {ReportStatus.DRAFT, ReportStatus.FAILED}:
        report.status = ReportStatus.WITHDRAWN
        audit.record(session, actor=actor, action="mandatory_report.withdrawn", subject_type="mandatory_report",
                     subject_id=report.id, org_id=report.org_id, data={"reason": reason})


class SubmitFailed(Unavailable):
    """The CyberTipline endpoint refused or failed a step of a submission."""


def _response(resp: httpx.Response, field: str) -> str:
    if resp.status_code >= 300:
        raise SubmitFailed(f"{resp.request.url.path} answered HTTP {resp.status_code}")
    root = ET.fromstring(resp.text)
    code = root.findtext("responseCode")
    if code != "0":
        raise SubmitFailed(f"{resp.request.url.path} responseCode {code}: {root.findtext('responseDescription')}")
    value = root.findtext(field)
    if not value:
        raise SubmitFailed(f"{resp.request.url.path} returned no {field}")
    return value


def submit(db: Database, report_id: str, settings: CyberTipSettings,
           transport: httpx.BaseTransport | None = None) -> MandatoryReport:
    """Send a confirmed report: /submit, /upload the evidence, /fileinfo, /finish."""
    with db.transaction() as s:
        report = s.get_one(MandatoryReport, report_id)
        if report.status != ReportStatus.CONFIRMED:
            raise Conflict(f"report {report_id} is {report.status}; only confirmed reports are submitted")
        if settings.endpoint is None:
            raise Conflict("no CyberTipline endpoint is configured (WARDEN_CYBERTIP_URL)")
        evidence = s.get_one(Evidence, report.evidence_id)
        data = sealing.open_evidence(s, evidence, settings.keyring, actor="system:cybertip",
                                     purpose=f"cybertip submission of {report.id}")
        report_xml, info = report.report_xml, _file_info(s, report.content_id, evidence)
    auth = (settings.username or "", settings.password or "")
    external: str | None = None
    error: str | None = None
    try:
        with httpx.Client(base_url=settings.endpoint, auth=auth, transport=transport, timeout=30) as client:
            xml_headers = {"Content-Type": "text/xml; charset=utf-8"}
            external = _response(client.post("/submit", content=report_xml, headers=xml_headers), "reportId")
            file_id = _response(client.post("/upload", data={"id": external},
                                            files={"file": (info.file_name, data)}), "fileId")
            _response(client.post("/fileinfo", content=cybertip.file_details_xml(
                info, report_id=external, file_id=file_id), headers=xml_headers), "reportId")
            _response(client.post("/finish", data={"id": external}), "reportId")
    except (httpx.HTTPError, SubmitFailed, ET.ParseError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    with db.transaction() as s:
        report = s.get_one(MandatoryReport, report_id)
        report.external_id = external
        if error is None:
            report.status, report.submitted_at, action = "submitted", dt.datetime.now(dt.UTC), "submitted"
        else:
            report.status, report.last_error, action = "failed", error, "submission_failed"
        audit.record(s, actor="system:cybertip", action=f"mandatory_report.{action}",
                     subject_type="mandatory_report", subject_id=report.id, org_id=report.org_id,
                     data={"external_id": external, "error": error})
    return report
