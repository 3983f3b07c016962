"""Casework handlers are registered by name like detectors: every case kind has one, plugins add theirs."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from warden.enforce import casework
from warden.enforce.kinds import CaseKind


def test_every_case_kind_has_a_handler() -> None:
    assert set(casework.available()) >= set(CaseKind)
    for kind in CaseKind:
        assert callable(casework.handler(kind))


def test_plugins_register_through_the_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint(name="legal_hold", value="warden.enforce.handlers:decide_flag", group="warden.casework")
    monkeypatch.setattr(casework, "entry_points", lambda group: [ep] if group == "warden.casework" else [])
    assert casework.available()["legal_hold"] == "warden.enforce.handlers:decide_flag"
    with pytest.raises(casework.UnknownCaseKind) as raised:
        casework.handler("no_such_kind")
    assert raised.value.status == 404
