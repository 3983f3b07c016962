"""What every engine does to one batch: detect, decide under the job's policy, write back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.runtime import load_detectors, load_policies
from warden.scan.engine import ScanJob
from warden.scan.store import StoredItem, decision_id, write_decisions
from warden.screening import Screener
from warden.settings import Settings
from warden.store.database import Database


class BatchScanner:
    """The detectors, the policy and a store connection: built once per worker."""

    def __init__(self, job: ScanJob) -> None:
        settings = Settings.from_env().model_copy(update={"database_url": job.database_url, "threads": 1})
        provider = load_policies(settings)
        self.policy = provider.effective(packs=list(job.packs) or None)
        self.screener = Screener(load_detectors(settings, provider, names=job.detectors, warm=True))
        self.db = Database(job.database_url, migrate=False)

    def rows(self, items: Sequence[StoredItem]) -> list[dict[str, Any]]:
        screened = self.screener.screen([i.text for i in items], surface="api", policy=self.policy)
        rows = []
        for item, result in zip(items, screened, strict=True):
            d = result.decision
            assert d is not None
            rows.append({"id": decision_id(item.id, d.policy_revision), "org_id": item.org_id, "content_id": item.id,
                         "verdict": d.verdict.value, "surface": "api", "automated": True,
                         "violations": [v.model_dump(mode="json") for v in d.violations],
                         "scores": {k: round(v, 6) for k, v in result.scores.items()},
                         "explanation": d.explanation, "policy_revision": d.policy_revision,
                         "detector": ",".join(s.split("@")[0] for s in self.screener.detectors.idents)[:200],
                         "detector_version": "rescan"})
        return rows

    def scan(self, items: Sequence[StoredItem]) -> int:
        return write_decisions(self.db, self.rows(items))
