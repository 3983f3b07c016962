"""NCMEC CyberTipline report documents, with child elements in the XSD's sequence order.

Two documents per report: the ``<report>`` opened with ``/submit`` and the
``<fileDetails>`` sent with ``/fileinfo`` after the evidence is uploaded.
Element order follows the reporting API's schema (report: incidentSummary,
internetDetails, lawEnforcement, reporter, personOrUserReported, …;
incidentSummary: incidentType, platform, escalateToHighPriority,
reportAnnotations, incidentDateTime; fileDetails: reportId, fileId,
originalFileName, …, fileAnnotations, industryClassification,
originalFileHash, …); a submission out of order is rejected.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from pydantic import BaseModel

CHILD_PORNOGRAPHY = "Child Pornography (possession, manufacture, and distribution)"

# The schema's sequences, parent -> children in order; the builder emits in this order only.
SEQUENCES: dict[str, tuple[str, ...]] = {
    "report": ("incidentSummary", "internetDetails", "lawEnforcement", "reporter", "personOrUserReported",
               "intendedRecipient", "victim", "additionalInfo"),
    "incidentSummary": ("incidentType", "platform", "escalateToHighPriority", "reportAnnotations",
                        "incidentDateTime", "incidentDateTimeDescription"),
    "reporter": ("reportingPerson", "contactPerson", "companyTemplate", "termsOfService", "legalURL"),
    "reportingPerson": ("firstName", "middleName", "lastName", "phone", "email"),
    "personOrUserReported": ("personOrUserReportedPerson", "vehicleDescription", "espIdentifier", "espService",
                             "compromisedAccount", "screenName", "displayName", "profileUrl", "profileBio",
                             "ipCaptureEvent", "deviceId", "thirdPartyUserReported", "priorCTReports",
                             "groupIdentifier", "estimatedLocation", "allEmailsReported", "associatedAccount",
                             "additionalInfo"),
    "webPageIncident": ("url", "additionalInfo"),
    "fileDetails": ("reportId", "fileId", "originalFileName", "uploadedToEspTimestamp", "locationOfFile",
                    "fileViewedByEsp", "exifViewedByEsp", "publiclyAvailable", "fileRelevance", "fileAnnotations",
                    "industryClassification", "originalFileHash", "ipCaptureEvent", "deviceId", "details",
                    "additionalInfo"),
    "fileAnnotations": ("animeDrawingVirtualHentai", "potentialMeme", "viral", "possibleSelfProduction",
                        "physicalHarm", "violenceGore", "bestiality", "liveStreaming", "infant", "generativeAi"),
}


class ReporterInfo(BaseModel):
    first_name: str
    last_name: str
    email: str
    company_template: str | None = None
    terms_of_service: str | None = None
    legal_url: str | None = None


class Incident(BaseModel):
    incident_datetime: dt.datetime
    platform: str
    url: str | None
    esp_identifier: str
    screen_name: str | None
    esp_service: str | None
    additional_info: str | None = None


class FileInfo(BaseModel):
    file_name: str
    sha256: str
    md5: str
    generative_ai: bool
    viewed_by_esp: bool = False  # classifier-detected: no person at the platform looked at it
    publicly_available: bool = False
    pdq: str | None = None  # an image's PDQ hash (the format hash-sharing programmes exchange)
    additional_info: str | None = None


Children = list[tuple[str, "str | Children | None"]]


def _element(tag: str, children: Children, attrs: dict[str, str] | None = None) -> ET.Element:
    order = SEQUENCES.get(tag)
    present = [(name, value) for name, value in children if value is not None]
    if order is not None:
        unknown = [n for n, _ in present if n not in order]
        if unknown:
            raise ValueError(f"<{tag}> has no child {unknown[0]!r} in the schema")
        present.sort(key=lambda kv: order.index(kv[0]))  # stable: repeated elements keep their order
    element = ET.Element(tag, attrs or {})
    for name, value in present:
        if isinstance(value, list):
            element.append(_element(name, value))
        else:
            ET.SubElement(element, name).text = value
    return element


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def report_xml(reporter: ReporterInfo, incident: Incident) -> str:
    incident_summary: Children = [
        ("incidentType", CHILD_PORNOGRAPHY),
        ("platform", incident.platform),
        ("incidentDateTime", incident.incident_datetime.astimezone(dt.UTC).isoformat()),
    ]
    internet: Children = [("webPageIncident", [("url", incident.url), ("additionalInfo", incident.additional_info)])]
    person: Children = [("firstName", reporter.first_name), ("lastName", reporter.last_name),
                        ("email", reporter.email)]
    reporter_el: Children = [
        ("reportingPerson", person), ("companyTemplate", reporter.company_template),
        ("termsOfService", reporter.terms_of_service), ("legalURL", reporter.legal_url),
    ]
    reported: Children = [("espIdentifier", incident.esp_identifier), ("espService", incident.esp_service),
                           ("screenName", incident.screen_name)]
    root = _element("report", [
        ("incidentSummary", incident_summary), ("internetDetails", internet), ("reporter", reporter_el),
        ("personOrUserReported", reported),
    ])
    return _xml(root)


def file_details_xml(file: FileInfo, *, report_id: str = "0", file_id: str = "pending") -> str:
    """`report_id` and `file_id` are known after /submit and /upload; drafts carry placeholders."""
    annotations: Children = [("generativeAi", "")] if file.generative_ai else []
    root = _element("fileDetails", [
        ("reportId", report_id), ("fileId", file_id), ("originalFileName", file.file_name),
        ("fileViewedByEsp", _bool(file.viewed_by_esp)), ("publiclyAvailable", _bool(file.publicly_available)),
        ("fileAnnotations", annotations or None),
        ("originalFileHash", file.sha256), ("originalFileHash", file.md5), ("originalFileHash", file.pdq),
        ("additionalInfo", file.additional_info),
    ])
    for element, kind in zip(root.findall("originalFileHash"), ("SHA256", "MD5", "PDQ"), strict=False):
        element.set("hashType", kind)
    return _xml(root)
