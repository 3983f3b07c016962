"""The text fields of a submission that detectors screen, each with a stable pointer.

Pointers name where evidence was found ("instructions", "conversation_starters.2",
"manifest.description_for_model", "openapi.paths./send.post.description"), so a
reviewer can go straight to the span.
"""

from __future__ import annotations

from dataclasses import dataclass

from warden.review.schema import AppSubmission, PluginSubmission, Submission


@dataclass(frozen=True, slots=True)
class TextField:
    pointer: str
    text: str

    @property
    def is_name(self) -> bool:
        return self.pointer in ("name", "manifest.name_for_human", "manifest.name_for_model")


def _app_fields(app: AppSubmission) -> list[TextField]:
    fields = [
        TextField("name", app.name),
        TextField("description", app.description),
        TextField("purpose", app.purpose),
        TextField("instructions", app.instructions),
    ]
    fields += [TextField(f"conversation_starters.{i}", s) for i, s in enumerate(app.conversation_starters)]
    for i, action in enumerate(app.actions):
        fields.append(TextField(f"actions.{i}.description", action.description))
        fields += [TextField(f"actions.{i}.operations.{j}", op) for j, op in enumerate(action.operations)]
    fields += [
        TextField(f"knowledge.{i}", f"{k.name}: {k.description}" if k.description else k.name)
        for i, k in enumerate(app.knowledge)
    ]
    if app.simulates_person:
        fields.append(TextField("simulates_person", app.simulates_person))
    return fields


def _plugin_fields(plugin: PluginSubmission) -> list[TextField]:
    m = plugin.manifest
    fields = [
        TextField("manifest.name_for_human", m.name_for_human),
        TextField("manifest.name_for_model", m.name_for_model),
        TextField("manifest.description_for_human", m.description_for_human),
        TextField("manifest.description_for_model", m.description_for_model),
        TextField("openapi.info.title", plugin.openapi.title),
        TextField("openapi.info.description", plugin.openapi.description),
    ]
    for op in plugin.openapi.operations:
        fields.append(TextField(f"{op.pointer}.summary", op.summary))
        fields.append(TextField(f"{op.pointer}.description", op.description))
    fields += [TextField(pointer, text) for pointer, text in plugin.openapi.response_texts]
    return fields


def text_fields(submission: Submission) -> list[TextField]:
    """Every non-empty text field of the submission, in reading order."""
    found = _app_fields(submission) if isinstance(submission, AppSubmission) else _plugin_fields(submission)
    return [f for f in found if f.text.strip()]
