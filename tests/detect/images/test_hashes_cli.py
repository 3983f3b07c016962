"""`warden hashes`: hash image files, import both layouts, list, remove; bad input exits 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from imagegen import scene
from warden.cli import app
from warden.detect.images import pdq

runner = CliRunner()


def test_hash_import_list_remove(tmp_path: Path) -> None:
    url = ["--database", f"sqlite:///{tmp_path / 'w.db'}"]
    scene(1).save(tmp_path / "a.png")
    scene(2).save(tmp_path / "b.jpg", quality=90)
    hashed = runner.invoke(app, ["hashes", "hash", str(tmp_path / "a.png"), str(tmp_path / "b.jpg")])
    assert hashed.exit_code == 0, hashed.output
    lines = hashed.output.strip().splitlines()
    assert lines[0] == f"{pdq.hash_image(scene(1)).hex},a.png" and lines[1].endswith(",b.jpg")
    (tmp_path / "plain.csv").write_text(hashed.output)
    done = runner.invoke(app, ["hashes", "import", str(tmp_path / "plain.csv"), "--list", "known", "--category",
                               "sexual/minors", *url])
    assert done.exit_code == 0 and "2 added" in done.output and "plain layout" in done.output
    te = tmp_path / "hma.csv"
    te.write_text(f"signal_type,signal_value,tags\npdq,{pdq.hash_image(scene(3)).hex},bank\nurl,http://x,y\n")
    done = runner.invoke(app, ["hashes", "import", str(te), "--list", "terror", "--category", "violence", *url])
    assert done.exit_code == 0 and "1 added" in done.output and "1 rows of other signal types" in done.output
    listed = runner.invoke(app, ["hashes", "list", *url])
    assert "known\tsexual/minors\t2 entries" in listed.output and "terror\tviolence\t1 entries" in listed.output
    assert runner.invoke(app, ["hashes", "remove", "terror", *url]).exit_code == 0
    assert "terror" not in runner.invoke(app, ["hashes", "list", *url]).output


def test_bad_input_exits_1(tmp_path: Path) -> None:
    url = ["--database", f"sqlite:///{tmp_path / 'w.db'}"]
    bad = tmp_path / "bad.csv"
    bad.write_text("zzzz,label\n")
    refused = runner.invoke(app, ["hashes", "import", str(bad), "--list", "x", "--category", "sexual", *url])
    assert refused.exit_code != 0
    good = tmp_path / "good.csv"
    good.write_text(f"{'a' * 64},label\n")
    unknown = runner.invoke(app, ["hashes", "import", str(good), "--list", "x", "--category", "nope", *url])
    assert unknown.exit_code != 0
    (tmp_path / "not.png").write_bytes(b"nope")
    assert runner.invoke(app, ["hashes", "hash", str(tmp_path / "not.png")]).exit_code != 0
