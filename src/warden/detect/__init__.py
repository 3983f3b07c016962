"""Detection: detectors turn content into signals (category -> score, with evidence)."""

from warden.detect.signals import Evidence, Signal

__all__ = ["Evidence", "Signal"]
