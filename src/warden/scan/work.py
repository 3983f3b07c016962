"""What every engine does to one batch: detect, decide under each owner's tiers, write back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.decide import decide
from warden.detect.signals import max_scores
from warden.policy.layering import EffectivePolicy
from warden.runtime import load_detectors, load_policies
from warden.scan.engine import ScanJob
from warden.scan.store import StoredItem, decision_id, write_decisions
from warden.screening import Screener
from warden.settings import Settings
from warden.store.database import Database


class BatchScanner:
    """The detectors, the policy and a store connection: built once per worker. Each item is decided under
    its owner's tiers, as live requests are (platform packs -> operator -> workspace -> user overlays,
    `warden.enforce.tiers`): the job's packs (default: in force today) with the stored overlays active for
    the item's organization, its account's workspace and its account."""

    def __init__(self, job: ScanJob) -> None:
        settings = Settings.from_env().model_copy(update={"database_url": job.database_url, "threads": 1})
        self.db = Database(job.database_url, migrate=False)
        self.provider = load_policies(settings, self.db)  # the stored overlays resolve now: fail closed
        self.packs = list(job.packs) or None
        self.policy = self.provider.effective(packs=self.packs)  # the platform tier alone: the report's revision
        self.screener = Screener(load_detectors(settings, self.provider, names=job.detectors, warm=True))
        self._tiers: dict[tuple[str, str | None, str | None], EffectivePolicy] = {}

    def policy_for(self, item: StoredItem) -> EffectivePolicy:
        key = (item.org_id, item.workspace_id, item.account_id)
        found = self._tiers.get(key)
        if found is None:  # one resolution per owner and job
            found = self._tiers[key] = self.provider.effective(*key, packs=self.packs)
        return found

    def rows(self, items: Sequence[StoredItem]) -> list[dict[str, Any]]:
        found = self.screener.detect([i.text for i in items])
        detector = ",".join(s.split("@")[0] for s in self.screener.detectors.idents)[:200]
        rows = []
        for item, detection in zip(items, found, strict=True):
            d = decide(self.policy_for(item), detection.signals, {}, "api")
            scores = max_scores(detection.signals)
            rows.append({"id": decision_id(item.id, d.policy_revision), "org_id": item.org_id, "content_id": item.id,
                         "account_id": item.account_id, "verdict": d.verdict.value, "surface": "api",
                         "automated": True, "violations": [v.model_dump(mode="json") for v in d.violations],
                         "scores": {k: round(v, 6) for k, v in scores.items()},
                         "explanation": d.explanation, "policy_revision": d.policy_revision,
                         "detector": detector, "detector_version": "rescan"})
        return rows

    def scan(self, items: Sequence[StoredItem]) -> int:
        return write_decisions(self.db, self.rows(items))
