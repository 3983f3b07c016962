"""The composition root: settings read the environment in one place, the app builds one runtime in its
lifespan (with the notice outbox), and a policy or detector that cannot load stops start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import warden
from warden.api.app import create_app
from warden.runtime import Runtime, StartupError
from warden.settings import Settings, SettingsError

SRC = Path(warden.__file__).resolve().parent
ENV_READ = re.compile(r"os\.environ|getenv\(")


def test_only_settings_reads_the_environment() -> None:
    readers = sorted(
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
        if ENV_READ.search(path.read_text(encoding="utf-8"))
    )
    assert readers == ["settings.py"]


def test_settings_from_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env({"XDG_DATA_HOME": str(tmp_path), "WARDEN_DETECTORS": "recognisers, judge",
                           "WARDEN_MODERATION_AUTH": "required", "WARDEN_JUDGE_BASE_URL": "http://llm/v1",
                           "OPENAI_API_KEY": "sk-x", "WARDEN_DELIVER_EVERY": "0"})
    assert s.database_url == f"sqlite:///{tmp_path / 'warden' / 'warden.db'}"
    assert s.detectors == ("recognisers", "judge") and s.moderation_auth and s.deliver_every == 0
    assert s.detector_options()["judge"]["base_url"] == "http://llm/v1"
    assert s.detector_options()["openai-compatible"]["api_key"] == "sk-x"
    assert Settings.from_env({}).detectors == ("embedded", "recognisers", "hashes", "image-classifier", "visual")
    with pytest.raises(SettingsError, match="WARDEN_MODERATION_AUTH"):
        Settings.from_env({"WARDEN_MODERATION_AUTH": "maybe"})
    with pytest.raises(SettingsError, match="WARDEN_DELIVER_EVERY"):
        Settings.from_env({"WARDEN_DELIVER_EVERY": "soon"})


def _settings(tmp_path: Path, **changes: object) -> Settings:
    base = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", detectors=("recognisers",), deliver_every=0.05)
    return base.model_copy(update=changes)


def test_the_lifespan_builds_one_runtime_and_runs_the_outbox(tmp_path: Path) -> None:
    app = create_app(settings=_settings(tmp_path))
    with TestClient(app) as client:
        rt: Runtime = app.state.warden
        worker = rt.worker
        assert worker is not None and worker.is_alive()
        assert [d.name for d in rt.detectors] == ["recognisers"]
        [result] = client.post("/v1/moderations", json={"input": "card 4111 1111 1111 1111"}).json()["results"]
        assert result["warden"]["decision"] in {"allow", "flag", "block"} and result["warden"]["signals"]["secrets"] >= 0.95
        assert result["warden"]["policy_revision"] == rt.policies.effective().revision
    assert not worker.is_alive() and rt.worker is None


def test_a_policy_that_cannot_load_stops_start_up(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "broken.yaml").write_text("pack: {id: broken}\nrules: [1, 2\n")
    app = create_app(settings=_settings(tmp_path, policy_path=(packs,)))
    with pytest.raises(StartupError, match="policy cannot load"), TestClient(app):
        pass


def test_a_detector_that_cannot_load_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="detector 'no-such' cannot load: unknown detector"):
        Runtime.build(_settings(tmp_path, detectors=("recognisers", "no-such")))
    with pytest.raises(StartupError, match="'judge' cannot load: judge detector needs base_url"):
        Runtime.build(_settings(tmp_path, detectors=("judge",)))


def test_the_cli_sees_the_packs_the_service_loads(tmp_path: Path) -> None:
    import json
    import shutil

    from typer.testing import CliRunner

    from warden.cli import app

    shutil.copy(Path(__file__).parent / "fixtures" / "mini-pack.yaml", tmp_path / "mini.yaml")
    result = CliRunner().invoke(app, ["policy", "list", "--json"], env={"WARDEN_POLICY_PATH": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "mini@2024-01-01" in {p["ref"] for p in json.loads(result.stdout)["packs"]}
    assert Runtime.build(_settings(tmp_path, policy_path=(tmp_path,))).policies.library.get("mini@2024-01-01")
