"""Warden: usage-policy enforcement for AI platforms."""

__version__ = "0.1.0"
