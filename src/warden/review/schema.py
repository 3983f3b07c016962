"""What is submitted for review: app and GPT submissions, plugin manifests and their OpenAPI documents.

The models are strict about types and lenient about unknown keys in the
plugin manifest (real `ai-plugin.json` files carry vendor extras), never the
other way round: a field the reviewer reads always has the type it expects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warden.policy.model import Surface


class AppKind(StrEnum):
    GPT = "gpt"  # built in the GPT builder, may be listed in the GPT Store
    API_APP = "api-app"  # a product built on the API
    PLUGIN = "plugin"  # an OpenAI plugin: ai-plugin.json plus an OpenAPI document


def _normal_tags(v: list[str]) -> list[str]:
    return [t.strip().lower() for t in v if t.strip()]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Disclosures(_Model):
    """What the builder declares about disclosures; None means "not declared"."""

    ai: bool | None = None  # people are told they are talking to an AI
    limitations: bool | None = None  # a disclaimer about AI use and its limits is shown
    professional_review: bool | None = None  # a qualified professional reviews tailored advice
    simulated: bool | None = None  # a simulated person is labelled as simulation or parody
    consent: bool | None = None  # the simulated person (or rights holder) has consented
    ai_generated_label: bool | None = None  # distributed AI-generated content is labelled
    content_rights: bool | None = None  # the builder holds the rights to third-party content it uses
    user_confirmation: bool | None = None  # actions with side effects ask the user first
    publication_policy: bool | None = None  # livestreams, demos and research follow the sharing policy


class Builder(_Model):
    name: str = ""
    verified: bool = False  # domain or identity verified in the builder profile
    website: str | None = None
    email: str | None = None


class ActionSpec(_Model):
    """A GPT action (or connector): what it calls and what it is for."""

    name: str = Field(min_length=1)
    description: str = ""
    domain: str | None = None
    operations: list[str] = Field(default_factory=list)  # operationIds or short summaries


class KnowledgeFile(_Model):
    name: str = Field(min_length=1)
    description: str = ""


class AppSubmission(_Model):
    """A GPT or API app as submitted: metadata, instructions and declarations."""

    kind: Literal[AppKind.GPT, AppKind.API_APP] = AppKind.GPT
    id: str | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    instructions: str = ""  # the system prompt
    purpose: str = ""  # the declared purpose in a few words
    categories: list[str] = Field(default_factory=list)  # declared use-case tags
    audience: list[str] = Field(default_factory=list)  # declared audience tags
    conversation_starters: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)  # actions, connectors, image, voice, browsing, code...
    actions: list[ActionSpec] = Field(default_factory=list)
    knowledge: list[KnowledgeFile] = Field(default_factory=list)
    safeguards: list[str] | None = None  # API apps: moderation, human-review, rate-limits, user-reporting...
    disclosures: Disclosures = Field(default_factory=Disclosures)
    simulates_person: str | None = None
    store_listed: bool = False
    monetized: bool = False
    builder: Builder = Field(default_factory=Builder)

    _tags = field_validator("categories", "audience", "capabilities")(_normal_tags)

    @property
    def surfaces(self) -> list[Surface]:
        if self.kind is AppKind.API_APP:
            return [Surface.API]
        return [Surface.GPT_BUILDER, Surface.GPT_STORE, Surface.CHATGPT]

    @property
    def surface(self) -> Surface:
        """The surface a decision about this submission is recorded on."""
        if self.kind is AppKind.API_APP:
            return Surface.API
        return Surface.GPT_STORE if self.store_listed else Surface.GPT_BUILDER


class PluginAuth(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(min_length=1)  # none | user_http | service_http | oauth


class PluginApi(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = "openapi"
    url: str = Field(min_length=1)


class PluginManifest(BaseModel):
    """The `ai-plugin.json` manifest of an OpenAI plugin."""

    model_config = ConfigDict(extra="allow", frozen=True)

    schema_version: str = Field(min_length=1)
    name_for_human: str = Field(min_length=1, max_length=50)
    name_for_model: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_]+$")
    description_for_human: str = ""
    description_for_model: str = ""
    auth: PluginAuth
    api: PluginApi
    logo_url: str | None = None
    contact_email: str | None = None
    legal_info_url: str | None = None


class Operation(_Model):
    """One operation of the plugin's OpenAPI document, with where it was found."""

    method: str
    path: str
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    pointer: str  # e.g. "openapi.paths./send.post"


class OpenAPIDocument(_Model):
    title: str = ""
    description: str = ""
    operations: list[Operation] = Field(default_factory=list)
    response_texts: list[tuple[str, str]] = Field(default_factory=list)  # (pointer, description)


class PluginSubmission(_Model):
    """A plugin manifest plus its OpenAPI document, and optional declarations by the developer."""

    kind: Literal[AppKind.PLUGIN] = AppKind.PLUGIN
    id: str | None = None
    manifest: PluginManifest
    openapi: OpenAPIDocument = Field(default_factory=OpenAPIDocument)
    categories: list[str] = Field(default_factory=list)
    audience: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    disclosures: Disclosures = Field(default_factory=Disclosures)
    builder: Builder = Field(default_factory=Builder)

    _tags = field_validator("categories", "audience", "capabilities")(_normal_tags)

    @property
    def name(self) -> str:
        return self.manifest.name_for_human

    @property
    def surfaces(self) -> list[Surface]:
        return [Surface.PLUGIN]

    @property
    def surface(self) -> Surface:
        return Surface.PLUGIN

    @property
    def store_listed(self) -> bool:
        return False


Submission = AppSubmission | PluginSubmission


def submission_key(submission: Submission) -> str:
    """A stable id for a submission: its own id, else its kind and name."""
    if submission.id:
        return submission.id
    if isinstance(submission, PluginSubmission):
        return f"plugin:{submission.manifest.name_for_model}"
    return f"{submission.kind.value}:{submission.name}"


def dump_submission(submission: Submission) -> dict[str, Any]:
    return submission.model_dump(mode="json", exclude_none=True)
