"""`warden overlay ...` against a real store and the bundled packs: push, refuse, activate, diff, impact,
roll back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warden.cli import app
from warden.enforce import directory
from warden.enforce.principal import SYSTEM
from warden.store import Database

TIGHTEN = """\
overlay: {id: acme, title: Acme for families, layer: operator}
adjust:
  - {rule: universal.laws.regulated-activity, min_score: 0.5}
"""
RELAX_HARD_LIMIT = """\
overlay: {id: acme, title: Acme, layer: operator}
adjust:
  - {rule: universal.laws.regulated-activity, min_score: 0.5}
  - {rule: universal.laws.csam, min_score: 0.99}
"""


def test_overlay_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="acme")).id
    db.dispose()
    runner = CliRunner()
    base = ["--database", url]

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, [*args, *base])
        return result.exit_code, result.stdout, result.stderr

    (tmp_path / "loose.yaml").write_text(RELAX_HARD_LIMIT)
    code, _, errors = run("overlay", "push", str(tmp_path / "loose.yaml"), "--org", org)
    assert code == 1 and "loose.yaml:4: adjust[1]: rule 'universal.laws.csam' is a hard limit" in errors
    (tmp_path / "acme.yaml").write_text(TIGHTEN)
    code, out, errors = run("overlay", "push", str(tmp_path / "acme.yaml"), "--org", org)
    assert code == 0, errors
    v1 = json.loads(out)
    assert (v1["version"], v1["status"], v1["layer"]) == (1, "inactive", "operator")
    code, out, _ = run("overlay", "diff", v1["id"])
    assert json.loads(out)["rules_changed"] == ["universal.laws.regulated-activity"]
    code, out, _ = run("overlay", "impact", v1["id"])
    assert code == 0 and json.loads(out)["replayed"] == 0
    assert json.loads(run("overlay", "activate", v1["id"])[1])["status"] == "active"
    listed = json.loads(run("overlay", "list", "--org", org)[1])
    assert [(o["version"], o["status"]) for o in listed] == [(1, "active")]
    assert json.loads(run("overlay", "show", v1["id"])[1])["text"] == TIGHTEN
    code, out, _ = run("overlay", "rollback", "--org", org)
    assert code == 0 and json.loads(out) is None
