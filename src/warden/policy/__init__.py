"""Policy as code: packs, overlays, layering, versions.

The public API is re-exported here; the modules behind it are private detail.
"""

from warden.policy.library import LibraryError, PolicyLibrary
from warden.policy.loader import LoadedOverlay, LoadedPack, load_overlay, load_pack, parse_overlay
from warden.policy.model import (
    Action,
    Citation,
    Enforcement,
    ExceptionKind,
    Layer,
    Overlay,
    Pack,
    Rule,
    RuleKind,
    Setting,
    Severity,
    Surface,
    Verdict,
)
from warden.policy.source import PolicyFileError, Problem

__all__ = [
    "Action",
    "Citation",
    "Enforcement",
    "ExceptionKind",
    "Layer",
    "LibraryError",
    "LoadedOverlay",
    "LoadedPack",
    "Overlay",
    "Pack",
    "PolicyFileError",
    "PolicyLibrary",
    "Problem",
    "Rule",
    "RuleKind",
    "Setting",
    "Severity",
    "Surface",
    "Verdict",
    "load_overlay",
    "load_pack",
    "parse_overlay",
]
