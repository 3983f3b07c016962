"""Moved to `warden.detect.training.data` (kept importable while callers move)."""

from warden.detect.training.data import *  # noqa: F403
from warden.detect.training.data import (  # noqa: F401
    EXTRA_SOURCES,
    SOURCE_HEADS,
    SOURCES,
    SPLITS,
    Example,
    default_data_dir,
    load,
    normalise,
    split_of,
)
