"""Deterministic recognisers: validated identifiers, secrets, contact details, profanity."""

from warden.detect.recognisers.base import Finding
from warden.detect.recognisers.detector import RecogniserDetector, find_all

__all__ = ["Finding", "RecogniserDetector", "find_all"]
