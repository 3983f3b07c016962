"""Rescans of stored content: the local and the Ray engine write the same decisions, each exactly once."""

from __future__ import annotations

from sqlalchemy import select

from warden.scan.engine import ScanJob, engine
from warden.store import Database
from warden.store.tables import ContentItem, DecisionRecord, Organization

TEXTS = ["have a lovely day", "my card is 4111 1111 1111 1111", "call me at 555-0100", "the weather is fine",
         "sk-live-abcdefghijklmnopqrstuvwx1234", "nothing to see"]


def _seed(db: Database, n: int = 60) -> None:
    with db.transaction() as s:
        s.add_all([Organization(id="org_a", name="A"), Organization(id="org_b", name="B")])
        s.flush()
        s.add_all([ContentItem(id=f"cnt_{i:05d}", org_id="org_a" if i % 2 else "org_b", text=TEXTS[i % len(TEXTS)],
                               sha256="0" * 64) for i in range(n)])


def _decisions(db: Database) -> dict[str, str]:
    with db.transaction() as s:
        return {r.content_id or "": r.verdict for r in s.execute(select(DecisionRecord)).scalars()}


def test_the_local_engine_writes_each_decision_once(db: Database) -> None:
    _seed(db)
    job = ScanJob(database_url=db.url, batch_size=16)
    first = engine("local").run(job)
    assert (first.scanned, first.written) == (60, 60)
    again = engine("local").run(job)  # a rerun (after a crash, say) writes nothing twice
    assert (again.scanned, again.written) == (60, 0)
    assert set(_decisions(db).values()) >= {"allow"} and len(_decisions(db)) == 60


def test_the_ray_engine_matches_the_local_one(tmp_path: object, ray_local: None, fresh: object) -> None:
    from warden.store.testing import FreshDatabases

    assert isinstance(fresh, FreshDatabases)
    # One store at a time: on PostgreSQL `fresh.new()` empties the same database.
    local_db = fresh.new()
    _seed(local_db)
    engine("local").run(ScanJob(database_url=local_db.url, batch_size=16))
    expected = _decisions(local_db)
    local_db.dispose()
    ray_db = fresh.new()
    _seed(ray_db)
    report = engine("ray", workers=2).run(ScanJob(database_url=ray_db.url, batch_size=16))
    assert (report.scanned, report.written, report.engine) == (60, 60, "ray")
    assert _decisions(ray_db) == expected  # same verdicts, same ids
    # the rerun (after a crash, say) on a pool of another size: what is written does not depend on the split
    again = engine("ray", workers=1).run(ScanJob(database_url=ray_db.url, batch_size=16))
    assert (again.scanned, again.written, again.workers) == (60, 0, 1)


OVERLAY = """\
overlay: {id: acme, title: Acme for families, layer: operator}
adjust:
  - {rule: universal.laws.regulated-activity, min_score: 0.5}
"""


def test_a_rescan_decides_each_item_under_its_owners_tiers(db: Database) -> None:
    import datetime as dt

    from warden.enforce import overlays
    from warden.enforce.principal import SYSTEM
    from warden.policy.provider import PolicyProvider
    from warden.store.tables import Account

    _seed(db, 8)
    with db.transaction() as s:
        s.add(Account(id="acct_a", org_id="org_a", kind="end_user"))
        s.flush()
        s.get_one(ContentItem, "cnt_00001").account_id = "acct_a"
        provider = PolicyProvider.load(overlays=overlays.StoredOverlays(db))
        pushed = overlays.push(s, SYSTEM, overlays.OverlayIn(org_id="org_a", text=OVERLAY, filename="acme.yaml"),
                               provider)
        overlays.activate(s, SYSTEM, pushed.id, provider, dt.datetime.now(dt.UTC))
    report = engine("local").run(ScanJob(database_url=db.url, batch_size=3))
    assert report.written == 8 and "+acme#" not in report.policy_revision  # the report names the platform tier
    with db.transaction() as s:
        rows = {r.content_id: r for r in s.execute(select(DecisionRecord)).scalars()}
    for item_id, row in rows.items():
        overlaid = row.org_id == "org_a"
        assert ("+acme#" in row.policy_revision) is overlaid, (item_id, row.policy_revision)
    assert rows["cnt_00001"].account_id == "acct_a" and rows["cnt_00002"].account_id is None
